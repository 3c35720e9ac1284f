from decimal import Decimal

import pytest

from catalog.models import Product, ProductImage
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_product_has_the_contract_fields(api_client):
    product = ProductFactory(sku="apple", name="Apple", price=Decimal("0.50"), stock=42)
    body = api_client.get(f"/api/products/{product.pk}").json()
    assert body == {
        "id": product.pk,
        "sku": "apple",
        "name": "Apple",
        "slug": product.slug,
        "description": "",
        "price": 0.5,
        "currency": "USD",
        "category": product.category.slug,
        "in_stock": True,
        "stock": 42,
        "image_url": None,
        "images": [],
        "options": [],
        "variants": [],
        "price_from": 0.5,
        "price_to": 0.5,
    }


def test_product_list_is_an_array_newest_first_with_pagination_headers(api_client):
    products = ProductFactory.create_batch(5)
    response = api_client.get("/api/products?page_size=2")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [products[4].pk, products[3].pk]
    assert response["X-Total-Count"] == "5"
    assert 'rel="next"' in response["Link"] and "page=2" in response["Link"]
    assert 'rel="prev"' not in response["Link"]

    last = api_client.get("/api/products?page_size=2&page=3")
    assert [p["id"] for p in last.json()] == [products[0].pk]
    assert 'rel="prev"' in last["Link"] and 'rel="next"' not in last["Link"]


def test_a_page_past_the_end_is_empty_but_still_counts_and_links_back(api_client):
    ProductFactory.create_batch(3)
    response = api_client.get("/api/products?page_size=2&page=5")
    assert response.json() == []
    assert response["X-Total-Count"] == "3"
    assert 'rel="prev"' in response["Link"] and "page=4" in response["Link"]
    nothing = api_client.get("/api/products?q=nothing-matches")
    assert nothing.json() == [] and nothing["X-Total-Count"] == "0"


def test_page_size_is_capped_at_100(api_client):
    ProductFactory.create_batch(101)
    response = api_client.get("/api/products?page_size=500")
    assert len(response.json()) == 100
    assert response["X-Total-Count"] == "101"


def test_product_list_filters_by_search_and_category(api_client):
    fruit = CategoryFactory(slug="fruit")
    apple = ProductFactory(name="Green Apple", category=fruit)
    ProductFactory(name="Bread")
    assert [p["id"] for p in api_client.get("/api/products?q=apple").json()] == [apple.pk]
    assert [p["id"] for p in api_client.get("/api/products?category=fruit").json()] == [apple.pk]
    assert api_client.get("/api/products?category=nope").json() == []


def test_inactive_and_unknown_products_are_404_and_not_listed(api_client):
    hidden = ProductFactory(active=False)
    for path in (
        f"/api/products/{hidden.pk}",
        "/api/products/999999",
        f"/api/products/{hidden.pk}/stock",
    ):
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "product_not_found"
    assert api_client.get("/api/products").json() == []


def test_stock_endpoint(api_client):
    product = ProductFactory(sku="apple", stock=42)
    assert api_client.get(f"/api/products/{product.pk}/stock").json() == {
        "product_id": product.pk,
        "sku": "apple",
        "quantity": 42,
    }


def test_categories_list(api_client):
    fruit = CategoryFactory(slug="fruit", name="Fruit")
    assert api_client.get("/api/categories").json() == [
        {"id": fruit.pk, "slug": "fruit", "name": "Fruit"}
    ]


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=0", "page=-1"])
def test_bad_query_parameters_are_400_in_the_envelope(api_client, query):
    response = api_client.get(f"/api/products?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["fields"]


def test_huge_product_id_is_a_clean_400(api_client):
    response = api_client.get("/api/products/99999999999999999999")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


NEW = {"sku": "kiwi", "name": "Kiwi", "price": "1.25", "stock": 5, "category": "fruit"}


def test_only_staff_may_write_products(api_client, user_client):
    CategoryFactory(slug="fruit")
    product = ProductFactory()
    for client in (api_client, user_client):
        assert client.post("/api/products", NEW).status_code == 403
        assert client.patch(f"/api/products/{product.pk}", {"stock": 1}).status_code == 403
        assert client.delete(f"/api/products/{product.pk}").status_code == 403
    assert not Product.objects.filter(sku="kiwi").exists()
    product.refresh_from_db()
    assert product.stock == 10 and product.active


def test_staff_creates_updates_and_deactivates_a_product(staff_client):
    CategoryFactory(slug="fruit")
    created = staff_client.post("/api/products", NEW)
    assert created.status_code == 201
    body = created.json()
    assert body["price"] == 1.25 and body["stock"] == 5 and body["category"] == "fruit"

    patched = staff_client.patch(f"/api/products/{body['id']}", {"stock": 9, "price": 2})
    assert patched.status_code == 200
    assert patched.json()["stock"] == 9 and patched.json()["price"] == 2.0

    assert staff_client.delete(f"/api/products/{body['id']}").status_code == 204
    assert Product.objects.get(pk=body["id"]).active is False
    assert staff_client.get(f"/api/products/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "1.005"}, "price"),
        ({"price": -1}, "price"),
        ({"price": True}, "price"),
        ({"stock": "5"}, "stock"),
        ({"stock": -1}, "stock"),
        ({"stock": 1.5}, "stock"),
        ({"name": "x" * 101}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"category": "nope"}, "category"),
    ],
)
def test_invalid_product_fields_are_400_with_field_errors(staff_client, change, field):
    CategoryFactory(slug="fruit")
    response = staff_client.post("/api/products", {**NEW, **change})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Product.objects.filter(sku="kiwi").exists()


def test_duplicate_sku_is_409(staff_client):
    CategoryFactory(slug="fruit")
    ProductFactory(sku="kiwi")
    response = staff_client.post("/api/products", NEW)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sku_taken"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{bad json", "application/json", 400, "invalid_json"),
        ("[1, 2]", "application/json", 400, "invalid_json"),
        ('{"price": NaN}', "application/json", 400, "invalid_json"),
        ("sku=kiwi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("{}", "application/json", 400, "validation_error"),
    ],
)
def test_malformed_bodies_get_the_envelope(staff_client, body, content_type, status, code):
    response = staff_client.post("/api/products", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_body_over_one_megabyte_is_413(staff_client):
    response = staff_client.post("/api/products", '{"name": "' + "x" * 1_100_000 + '"}')
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unsafe_cookie_request_from_another_origin_is_refused(staff_client):
    CategoryFactory(slug="fruit")
    response = staff_client.post("/api/products", NEW, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_origin"
    assert not Product.objects.filter(sku="kiwi").exists()
    same = staff_client.post("/api/products", NEW, HTTP_ORIGIN="http://testserver")
    assert same.status_code == 201


def test_openapi_schema_and_offline_docs(api_client):
    schema = api_client.get("/api/openapi.json").json()
    assert "/api/products" in schema["paths"]
    docs = api_client.get("/api/docs").content.decode()
    assert "cdn." not in docs and "/static/ninja/" in docs


def test_image_urls_are_absolute_in_the_list_and_the_product(api_client, settings):
    product = ProductFactory(name="Pear")
    second = ProductImage.objects.create(
        product=product, file="products/pear-2.png", alt="Cut", width=8, height=6, position=2
    )
    first = ProductImage.objects.create(
        product=product, file="products/pear.png", alt="A pear", width=80, height=60, position=1
    )
    base = f"http://testserver/{settings.MEDIA_URL.strip('/')}/products/"
    assert api_client.get("/api/products").json()[0]["image_url"] == base + "pear.png"
    body = api_client.get(f"/api/products/{product.pk}").json()
    assert body["image_url"] == base + "pear.png"
    assert [{k: v for k, v in image.items() if k != "sizes"} for image in body["images"]] == [
        {"id": first.pk, "url": base + "pear.png", "alt": "A pear", "width": 80, "height": 60},
        {"id": second.pk, "url": base + "pear-2.png", "alt": "Cut", "width": 8, "height": 6},
    ]
    # Without renditions yet (a row from before them), each size is the file at the box size.
    assert body["images"][0]["sizes"]["card"] == {
        "width": 240,
        "height": 180,
        "url": base + "pear.png",
        "webp_url": None,
    }


def test_a_picture_shows_its_renditions_and_a_variant_names_its_own(api_client):
    from catalog.images import add_picture
    from tests.catalog.pictures import png, upload
    from tests.factories import VariantFactory

    shirt = ProductFactory(option1_name="Size")
    main = add_picture(product=shirt, file=upload(png(800, 600)), alt="Front")
    back = add_picture(product=shirt, file=upload(png(600, 800)), alt="Back")
    large = VariantFactory(parent=shirt, option1="L", picture=back)
    body = api_client.get(f"/api/products/{shirt.pk}").json()
    assert [image["id"] for image in body["images"]] == [main.pk, back.pk]
    card = body["images"][1]["sizes"]["card"]
    assert (card["width"], card["height"]) == (135, 180)  # fits the 240×180 box
    assert card["url"].startswith("http://testserver/") and card["url"].endswith(".jpg")
    assert card["webp_url"].endswith(".webp")
    assert body["image_url"].endswith(main.file.name)
    assert body["variants"][0]["id"] == large.pk and body["variants"][0]["image_id"] == back.pk
