"""Products with options: cards, the option picker, the API and staff writes of variants."""

from decimal import Decimal

import pytest

from catalog.models import Product
from tests.factories import ProductFactory, VariantFactory, coffee_beans

pytestmark = pytest.mark.django_db


def _card_of(client, name: str) -> str:
    html = client.get("/").content.decode()
    start = html.index(f'<h2 class="card-title">{name}</h2>')
    return html[start : html.index("</li>", start)]


def test_one_card_per_product_with_a_from_price_and_no_card_for_variants(client):
    beans, _ = coffee_beans()
    ProductFactory(name="Tea", price=Decimal("3.00"))
    page = client.get("/")
    assert page.context["page"].paginator.count == 2  # beans and tea, not the 4 variants
    card = _card_of(client, "Coffee beans")
    assert "from 4.50 USD" in card
    assert "In stock" in card
    assert f'href="/products/{beans.slug}/"' in card and "Choose size" in card
    assert 'name="product"' not in card  # a product with options is not added as itself
    assert "from" not in _card_of(client, "Tea")


def test_the_card_is_sold_out_only_when_every_active_variant_is(client):
    beans, variants = coffee_beans()
    Product.objects.filter(parent=beans).exclude(pk=variants["1 kg", "Ground"].pk).update(stock=0)
    assert "In stock" in _card_of(client, "Coffee beans")
    Product.objects.filter(pk=variants["1 kg", "Ground"].pk).update(active=False)
    card = _card_of(client, "Coffee beans")
    assert "Sold out" in card and "Choose" not in card


def test_one_price_for_all_variants_shows_no_from(client):
    shirt = ProductFactory(name="Shirt", price=Decimal("20.00"), option1_name="Size")
    VariantFactory(parent=shirt, option1="S")
    VariantFactory(parent=shirt, option1="M", price=Decimal("20.00"))
    card = _card_of(client, "Shirt")
    assert "20.00 USD" in card and "from" not in card


def test_the_page_preselects_the_first_variant_in_stock(client):
    beans, variants = coffee_beans()
    page = client.get(f"/products/{beans.slug}/")
    assert page.context["buy"] == variants["250 g", "Whole"]
    html = page.content.decode()
    assert '<p class="price price-lg">4.50 USD</p>' in html
    assert "10 in stock" in html
    assert f'action="/cart/add/{variants["250 g", "Whole"].pk}/"' in html


def test_choosing_options_shows_that_variant_and_marks_what_cannot_be_had(client):
    beans, variants = coffee_beans()
    page = client.get(f"/products/{beans.slug}/", {"option1": "1 kg", "option2": "Ground"})
    assert page.context["buy"] == variants["1 kg", "Ground"]
    html = page.content.decode()
    assert '<p class="price price-lg">16.00 USD</p>' in html and "3 in stock" in html
    grind = page.context["picker"].options[1]
    assert [(c.value, c.selected, c.note) for c in grind.choices] == [
        ("Whole", False, ""),
        ("Ground", True, ""),
    ]
    small = client.get(f"/products/{beans.slug}/", {"option1": "250 g", "option2": "Ground"})
    assert small.context["buy"] == variants["250 g", "Ground"]
    html = small.content.decode()
    assert "Sold out" in html and "/cart/add/" not in html
    assert '<option value="Ground" selected>Ground — sold out</option>' in html


def test_a_missing_combination_is_not_available(client):
    beans, variants = coffee_beans()
    variants["1 kg", "Ground"].delete()
    page = client.get(f"/products/{beans.slug}/", {"option1": "1 kg", "option2": "Ground"})
    assert page.context["buy"] is None
    html = page.content.decode()
    assert "This combination is not available" in html and "/cart/add/" not in html
    assert "Ground — not available" in html


def test_a_cart_link_names_the_variant(client):
    beans, variants = coffee_beans()
    page = client.get(f"/products/{beans.slug}/", {"variant": variants["1 kg", "Whole"].pk})
    assert page.context["buy"] == variants["1 kg", "Whole"]
    other = client.get(f"/products/{beans.slug}/", {"variant": "nonsense", "option1": "x"})
    assert other.status_code == 200 and other.context["buy"] == variants["250 g", "Whole"]


def test_the_page_costs_the_same_queries_for_any_number_of_variants(
    client, django_assert_num_queries
):
    beans, _ = coffee_beans()
    with django_assert_num_queries(3):  # the product, its pictures, its variants
        client.get(f"/products/{beans.slug}/")
    for n in range(6):
        VariantFactory(parent=beans, option1=f"{n} lb", option2="Whole")
    with django_assert_num_queries(3):
        client.get(f"/products/{beans.slug}/")


def test_the_api_shows_options_variants_and_figures(api_client):
    beans, variants = coffee_beans()
    Product.objects.filter(pk=variants["1 kg", "Ground"].pk).update(active=False)
    body = api_client.get(f"/api/products/{beans.pk}").json()
    assert body["options"] == [
        {"name": "Size", "values": ["250 g", "1 kg"]},
        {"name": "Grind", "values": ["Whole", "Ground"]},
    ]
    assert body["price_from"] == 4.5 and body["price_to"] == 16.0
    assert body["stock"] == 15 and body["in_stock"] is True
    assert body["variants"] == [
        {
            "id": variants["250 g", "Whole"].pk,
            "sku": "beans-250g-whole",
            "options": {"Size": "250 g", "Grind": "Whole"},
            "price": 4.5,
            "stock": 10,
            "in_stock": True,
            "image_id": None,
        },
        {
            "id": variants["250 g", "Ground"].pk,
            "sku": "beans-250g-ground",
            "options": {"Size": "250 g", "Grind": "Ground"},
            "price": 4.5,
            "stock": 0,
            "in_stock": False,
            "image_id": None,
        },
        {
            "id": variants["1 kg", "Whole"].pk,
            "sku": "beans-1kg-whole",
            "options": {"Size": "1 kg", "Grind": "Whole"},
            "price": 16.0,
            "stock": 5,
            "in_stock": True,
            "image_id": None,
        },
    ]
    listed = api_client.get("/api/products").json()
    assert [p["sku"] for p in listed] == ["beans"]
    assert api_client.get(f"/api/products/{variants['1 kg', 'Whole'].pk}").status_code == 404


def test_a_product_without_options_shows_empty_options(api_client):
    tea = ProductFactory(price=Decimal("3.00"), stock=4)
    body = api_client.get(f"/api/products/{tea.pk}").json()
    assert body["options"] == [] and body["variants"] == []
    assert body["price_from"] == body["price_to"] == body["price"] == 3.0
    assert body["stock"] == 4


def test_the_product_list_costs_the_same_queries_for_any_number_of_variants(
    api_client, django_assert_num_queries
):
    coffee_beans()
    with django_assert_num_queries(3):  # products with their count, pictures, variants
        assert api_client.get("/api/products").status_code == 200
    for _ in range(3):
        other = ProductFactory(option1_name="Size")
        VariantFactory(parent=other, option1="S")
        VariantFactory(parent=other, option1="M")
    with django_assert_num_queries(3):
        assert len(api_client.get("/api/products").json()) == 4


# Staff writes ------------------------------------------------------------------------------


def test_staff_create_a_product_with_options_then_its_variants(staff_token_client):
    ProductFactory(category__slug="pantry")
    product = staff_token_client.post(
        "/api/products",
        {"sku": "tee", "name": "Tee", "price": "20.00", "category": "pantry", "options": ["Size"]},
    )
    assert product.status_code == 201, product.content
    pid = product.json()["id"]
    assert product.json()["options"] == [{"name": "Size", "values": []}]
    made = staff_token_client.post(
        f"/api/products/{pid}/variants",
        {"sku": "tee-s", "options": {"Size": "S"}, "stock": 4},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["price"] == 20.0 and body["own_price"] is None and body["stock"] == 4
    assert body["active"] is True and body["options"] == {"Size": "S"}
    variant = Product.objects.get(pk=body["id"])
    assert variant.parent_id == pid and variant.price is None and variant.option1 == "S"
    listed = staff_token_client.get(f"/api/products/{pid}").json()
    assert listed["variants"][0]["id"] == variant.pk and listed["stock"] == 4


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"sku": "x1", "options": {"Colour": "red"}}, 400, "validation_error"),
        ({"sku": "x2", "options": {"Size": ""}}, 400, "validation_error"),
        ({"sku": "x3", "options": {"Size": "S", "Grind": "fine"}}, 400, "validation_error"),
        ({"sku": "dup", "options": {"Size": "XL"}}, 409, "sku_taken"),
        ({"sku": "x4", "options": {"Size": "S"}}, 409, "variant_exists"),
        ({"sku": "x5", "options": {"Size": "M"}, "price": "-1"}, 400, "invalid_amount"),
    ],
)
def test_bad_variants_are_refused_with_a_reason(staff_token_client, body, status, code):
    shirt = ProductFactory(option1_name="Size")
    VariantFactory(parent=shirt, option1="S", sku="dup")
    before = Product.objects.count()
    response = staff_token_client.post(f"/api/products/{shirt.pk}/variants", body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert Product.objects.count() == before


def test_a_product_without_options_takes_no_variants(staff_token_client):
    tea = ProductFactory()
    response = staff_token_client.post(
        f"/api/products/{tea.pk}/variants", {"sku": "t", "options": {"Size": "S"}}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_options"


def test_options_are_renamed_but_not_dropped_while_variants_exist(staff_token_client):
    beans, _ = coffee_beans()
    renamed = staff_token_client.patch(f"/api/products/{beans.pk}", {"options": ["Bag", "Grind"]})
    assert renamed.status_code == 200
    assert [o["name"] for o in renamed.json()["options"]] == ["Bag", "Grind"]
    dropped = staff_token_client.patch(f"/api/products/{beans.pk}", {"options": ["Bag"]})
    assert dropped.status_code == 409 and dropped.json()["error"]["code"] == "options_in_use"
    assert Product.objects.get(pk=beans.pk).option2_name == "Grind"


def test_staff_patch_a_variant_back_to_the_products_price_and_remove_it(staff_token_client):
    beans, variants = coffee_beans()
    big = variants["1 kg", "Whole"]
    url = f"/api/products/{beans.pk}/variants/{big.pk}"
    patched = staff_token_client.patch(url, {"price": None, "stock": 7})
    assert patched.status_code == 200, patched.content
    assert patched.json()["price"] == 4.5 and patched.json()["stock"] == 7
    assert staff_token_client.patch(url, {"stock": None}).status_code == 400
    assert staff_token_client.delete(url).status_code == 204
    assert Product.objects.get(pk=big.pk).active is False
    other = ProductFactory(option1_name="Size")
    wrong = staff_token_client.patch(f"/api/products/{other.pk}/variants/{big.pk}", {"stock": 1})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "variant_not_found"


def test_shoppers_cannot_write_variants(api_client, user_client):
    beans, variants = coffee_beans()
    for client in (api_client, user_client):
        response = client.post(
            f"/api/products/{beans.pk}/variants", {"sku": "z", "options": {"Size": "2 kg"}}
        )
        assert response.status_code in (401, 403)
    assert not Product.objects.filter(sku="z").exists()


def test_search_finds_a_product_by_a_variants_sku(client, api_client):
    beans, variants = coffee_beans()
    ProductFactory(name="Tea")
    page = client.get("/", {"q": "1KG-GROUND"})
    assert [card.pk for card in page.context["page"].object_list] == [beans.pk]
    assert [p["id"] for p in api_client.get("/api/products?q=250g").json()] == [beans.pk]
    Product.objects.filter(parent=beans).update(active=False)
    assert client.get("/", {"q": "1kg-ground"}).context["page"].paginator.count == 0
