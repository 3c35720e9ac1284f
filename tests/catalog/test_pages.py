import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from catalog.models import Category, Product
from tests.factories import CategoryFactory, ProductFactory
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db


def page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, name: str) -> str:
    """The card of the product called name."""
    cards = re.findall(r'<li class="card">.*?</li>', html, re.S)
    [found] = [c for c in cards if f">{name}</h2>" in c]
    return found


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_home_lists_active_products_with_prices(client):
    ProductFactory(name="Visible Pear")
    ProductFactory(name="Hidden Plum", active=False)
    html = client.get("/").content.decode()
    assert "Visible Pear" in html and "9.99" in html
    assert "Hidden Plum" not in html


def test_search_and_category_filter(client):
    fruit = CategoryFactory(slug="fruit", name="Fruit")
    ProductFactory(name="Apple", category=fruit)
    ProductFactory(name="Bread")
    assert "Bread" not in client.get("/?q=apple").content.decode()
    html = client.get("/?category=fruit").content.decode()
    assert "Apple" in html and "Bread" not in html


def test_pagination_splits_the_list(client, settings):
    settings.PAGE_SIZE = 3
    ProductFactory.create_batch(7)
    page3 = client.get("/?page=3")
    html = page3.content.decode()
    assert html.count('<li class="card">') == 1 and "Page 3 of 3" in html


@pytest.mark.parametrize("count", [1, 30])
def test_product_list_takes_constant_queries(client, django_assert_num_queries, count):
    ProductFactory.create_batch(count)
    with django_assert_num_queries(3):  # products with their count, pictures, categories
        assert client.get("/").status_code == 200


def test_a_page_past_the_end_costs_a_count_and_a_second_read(client, django_assert_num_queries):
    ProductFactory.create_batch(3)
    with django_assert_num_queries(5):  # page (empty), count, last page, pictures, categories
        html = client.get("/?page=7").content.decode()
    assert html.count('<li class="card">') == 3  # the last page: here the only one
    with django_assert_num_queries(3):  # products with their count, pictures, categories
        assert client.get("/?page=1").status_code == 200


def test_page_numbers_follow_the_paginator(client, settings):
    settings.PAGE_SIZE = 2
    for n in range(5):
        ProductFactory(name=f"Fruit {n}")  # newest first: Fruit 4, Fruit 3, ...
    assert "Page 3 of 3" in page(client, "/?page=99") and "Fruit 0" in page(client, "/?page=99")
    assert "Page 3 of 3" in page(client, "/?page=0")
    assert "Page 1 of 3" in page(client, "/?page=two") and "Fruit 4" in page(client, "/?page=x")
    assert "No products match" in page(client, "/?q=nothing&page=3")
    for huge in ("9223372036854775807", "99999999999999999999999", "-99999999999999999999"):
        assert "Page 3 of 3" in page(client, f"/?page={huge}")  # no OFFSET overflow


def test_page_counts_the_matching_products(client):
    ProductFactory(name="Pear")
    assert "1 product<" in page(client)
    ProductFactory(name="Plum")
    assert "2 products<" in page(client, "/?q=p")
    assert "0 products<" in page(client, "/?q=nothing")


def test_category_links_list_every_category(client):
    fruit = CategoryFactory(slug="fruit", name="Fruit")
    ProductFactory(name="Pear", category=fruit)
    CategoryFactory(slug="bread", name="Bread")
    html = page(client, "/?category=fruit")
    assert '<a href="?category=fruit" aria-current="page">Fruit</a>' in html
    assert '<a href="?category=bread" >Bread</a>' in html


def test_staff_price_and_name_edits_show_on_the_catalog_page(client, staff_client):
    pear = ProductFactory(name="Pear", price=Decimal("1.50"))
    assert "1.50 USD" in card(page(client), "Pear")
    body = {"price": "2.25", "name": "Green pear"}
    assert staff_client.patch(f"/api/products/{pear.pk}", body).status_code == 200
    assert "2.25 USD" in card(page(client), "Green pear")


@pytest.mark.parametrize(
    "price", ["0.00", "0.10", "0.30", "1.50", "9.99", "10.00", "1234.56", "99999999.99"]
)
def test_card_prices_show_as_stored(client, price):
    ProductFactory(name="Pear", price=Decimal(price))
    assert f'<span class="price">{price} USD</span>' in card(page(client), "Pear")


def test_sold_out_cards_have_no_add_to_cart_form(client):
    pear = ProductFactory(name="Pear", stock=2)
    ProductFactory(name="Plum", stock=0)
    in_stock = card(page(client), "Pear")
    assert "In stock" in in_stock and 'action="/cart/add/"' in in_stock
    assert f'<input type="hidden" name="product" value="{pear.pk}">' in in_stock
    sold_out = card(page(client), "Plum")
    assert "Sold out" in sold_out and "<form" not in sold_out


def test_add_to_cart_forms_carry_the_shoppers_own_csrf_token():
    pear, plum = ProductFactory(name="Pear"), ProductFactory(name="Plum")
    ann, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    put_cart(ann, {pear.pk: 3})
    put_cart(bob, {plum.pk: 1})
    token = {}
    for shopper, count in ((ann, 3), (bob, 1)):
        html = page(shopper)
        assert f'data-testid="cart-count">{count}</span>' in html
        [token[shopper]] = tokens(html)  # one token for every form of the page
        assert _unmask_cipher_token(token[shopper]) == shopper.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": token[bob], "quantity": 1, "next": "/"}
    assert bob.post(f"/cart/add/{pear.pk}/", form).status_code == 302  # bob's token works
    assert ann.post(f"/cart/add/{pear.pk}/", form).status_code == 403  # not for ann


def test_add_to_cart_returns_to_the_page_it_came_from_escaped(client):
    ProductFactory(name="Pear")
    html = page(client, "/?q=pear&x=%22%3E%3Cscript%3E")
    assert 'name="next" value="/?q=pear&amp;x=%22%3E%3Cscript%3E"' in html


def test_product_page_and_404s(client):
    product = ProductFactory(name="Pear", description="Juicy.")
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Pear" in html and "Juicy." in html
    hidden = ProductFactory(active=False)
    missing = client.get(hidden.get_absolute_url())
    assert missing.status_code == 404
    assert "couldn’t find that page" in missing.content.decode()


def test_product_page_shows_the_current_stock_price_and_category(client):
    pear = ProductFactory(name="Pear", stock=5, category=CategoryFactory(name="Fruit"))
    url = pear.get_absolute_url()
    html = page(client, url)
    assert "5 in stock" in html and ">Fruit</a>" in html
    Product.objects.filter(pk=pear.pk).update(stock=4, price=Decimal("3.10"))
    Category.objects.filter(pk=pear.category_id).update(name="Fresh fruit")
    html = page(client, url)
    assert "4 in stock" in html and "3.10 USD" in html and ">Fresh fruit</a>" in html
    Product.objects.filter(pk=pear.pk).update(stock=0)
    html = page(client, url)
    assert "Sold out" in html and 'class="buy"' not in html


def test_product_page_form_carries_a_token_and_the_page_url(client):
    pear = ProductFactory(name="Pear")
    path = pear.get_absolute_url() + "?a=1&b=2"
    html = page(client, path)
    [token] = tokens(html)
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value
    assert f'name="next" value="{path.replace("&", "&amp;")}"' in html


def test_admin_is_for_staff_only(client, staff, user):
    client.force_login(user)
    assert client.get("/admin/catalog/product/").status_code == 302
    client.force_login(staff)
    staff.is_superuser = True
    staff.save()
    ProductFactory(sku="apple")
    for path in (
        "/admin/",
        "/admin/catalog/product/",
        "/admin/catalog/product/?q=apple",
        "/admin/catalog/category/",
        "/admin/catalog/product/add/",
    ):
        assert client.get(path).status_code == 200


def test_load_demo_is_idempotent(capsys):
    call_command("load_demo")
    assert "created product apple" in capsys.readouterr().out
    assert Product.objects.count() >= 20 and Category.objects.count() >= 4
    assert Product.objects.filter(sku__in=["apple", "banana"]).count() == 2
    before = list(Product.objects.values_list("sku", "stock", "price", "images__file"))
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert list(Product.objects.values_list("sku", "stock", "price", "images__file")) == before


def _sql_sent(client, path):
    """The response to GET path, and the SQL it ran (with its parameters)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, " ".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("q", ["%00", "pe%00ar", "%00pear%00", "pe%C2%85ar"])
def test_control_characters_are_stripped_from_the_search(client, q):
    """PostgreSQL refuses NUL in any query: none reaches the database, on either one."""
    ProductFactory(name="Pear")
    ProductFactory(name="Plum")

    response, sql = _sql_sent(client, f"/?q={q}")

    assert response.status_code == 200
    assert "\x00" not in sql
    names = {c.name for c in response.context["page"]}
    assert names == ({"Pear", "Plum"} if q == "%00" else {"Pear"})
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize("category", ["%00", "fruit%00", "fr%C2%85uit"])
def test_a_category_with_control_characters_lists_nothing(client, category):
    fruit = CategoryFactory(slug="fruit")
    ProductFactory(name="Pear", category=fruit)

    response, sql = _sql_sent(client, f"/?category={category}")

    assert response.status_code == 200
    assert "\x00" not in sql
    assert list(response.context["page"]) == []
