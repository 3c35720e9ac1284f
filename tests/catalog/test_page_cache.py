"""The catalog page's cached content is exact: every change shows on the next request.

The content is cached per process under the data it shows (shop/fragments.py), so each of
these would fail if it were keyed on anything less (a timestamp that a queryset UPDATE does
not touch, a category list read once) or if per-shopper values were cached with it.
"""

import re
from decimal import Decimal

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from catalog import selectors
from catalog.models import Category, Product
from orders.services.lifecycle import cancel
from shop import fragments
from tests.factories import CategoryFactory, ProductFactory
from tests.orders.conftest import place
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db

CONTENT = "catalog/_products.html"


def card(html: str, name: str) -> str:
    """The card of the product called name."""
    cards = re.findall(r'<li class="card">.*?</li>', html, re.S)
    [found] = [c for c in cards if f">{name}</h2>" in c]
    return found


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_unchanged_catalog_is_served_from_the_cache(client):
    ProductFactory(name="Pear")
    first = client.get("/")
    again = client.get("/")
    assert CONTENT in [t.name for t in first.templates]
    assert CONTENT not in [t.name for t in again.templates]  # not rendered again
    assert "Pear" in again.content.decode()


def test_cached_page_is_the_page_rendered_afresh(client):
    ProductFactory.create_batch(3, stock=0)
    ProductFactory.create_batch(25)
    for path in ("/", "/?page=2", "/?q=product&page=2", "/?page=0"):
        cached = page(client, path)
        fragments.clear()
        fresh = page(client, path)
        assert re.sub(r'value="\w{64}"', "", cached) == re.sub(r'value="\w{64}"', "", fresh)


def test_staff_price_and_name_edits_show_at_once(client, staff_client):
    pear = ProductFactory(name="Pear", price=Decimal("1.50"))
    assert "1.50 USD" in card(page(client), "Pear")
    body = {"price": "2.25", "name": "Green pear"}
    assert staff_client.patch(f"/api/products/{pear.pk}", body).status_code == 200
    assert "2.25 USD" in card(page(client), "Green pear")


def test_a_price_change_without_a_new_timestamp_shows_at_once(client):
    pear = ProductFactory(name="Pear", price=Decimal("1.50"))
    page(client)
    Product.objects.filter(pk=pear.pk).update(price=Decimal("1.75"))  # updated_at unchanged
    assert "1.75 USD" in card(page(client), "Pear")


def test_selling_out_and_restocking_through_orders_shows_at_once(client):
    pear = ProductFactory(name="Pear", stock=2)
    assert "In stock" in card(page(client), "Pear")
    order = place({pear: 2})  # checkout's conditional UPDATE of the stock
    sold_out = card(page(client), "Pear")
    assert "Sold out" in sold_out and "<form" not in sold_out
    cancel(order=order)  # gives the stock back with an UPDATE too
    back = card(page(client), "Pear")
    assert "In stock" in back and f'action="/cart/add/{pear.pk}/"' in back


def test_new_and_deactivated_products_show_at_once(client, staff_client):
    ProductFactory(name="Pear")
    page(client)
    plum = ProductFactory(name="Plum")
    html = page(client)
    assert "Plum" in html and "2 products" in html
    assert staff_client.delete(f"/api/products/{plum.pk}").status_code == 204
    html = page(client)
    assert "Plum" not in html and "1 product<" in html


def test_category_rename_and_new_category_show_at_once(client):
    fruit = CategoryFactory(slug="fruit", name="Fruit")
    ProductFactory(name="Pear", category=fruit)
    assert ">Fruit</a>" in page(client)
    Category.objects.filter(pk=fruit.pk).update(name="Fresh fruit")
    CategoryFactory(slug="bread", name="Bread")
    html = page(client)
    assert ">Fresh fruit</a>" in html and ">Bread</a>" in html and ">Fruit</a>" not in html


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


def test_shoppers_get_their_own_csrf_token_and_badge():
    pear, plum = ProductFactory(name="Pear"), ProductFactory(name="Plum")
    ann, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    put_cart(ann, {pear.pk: 3})
    put_cart(bob, {plum.pk: 1})
    token = {}
    for shopper, count in ((ann, 3), (bob, 1), (ann, 3)):
        html = page(shopper)
        assert f'data-testid="cart-count">{count}</span>' in html
        [token[shopper]] = tokens(html)  # one token for every form of the page
        assert _unmask_cipher_token(token[shopper]) == shopper.cookies["csrftoken"].value
    assert ann.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": token[bob], "quantity": 1, "next": "/"}
    assert bob.post(f"/cart/add/{pear.pk}/", form).status_code == 302  # bob's token works
    assert ann.post(f"/cart/add/{pear.pk}/", form).status_code == 403  # not for ann


def test_each_request_gets_its_own_next_url_escaped(client):
    ProductFactory(name="Pear")
    page(client, "/?q=pear")
    html = page(client, "/?q=pear&x=%22%3E%3Cscript%3E")
    assert 'name="next" value="/?q=pear&amp;x=%22%3E%3Cscript%3E"' in html
    assert 'value="/?q=pear"' not in html


def test_data_cannot_fill_a_slot(client):
    ProductFactory(name="<!--slot:next-->", description="")
    html = page(client, "/?q=slot")
    assert "&lt;!--slot:next--&gt;</h2>" in html


@pytest.mark.parametrize(
    "price", ["0.00", "0.10", "0.30", "1.50", "9.99", "10.00", "1234.56", "99999999.99"]
)
def test_card_prices_are_what_the_orm_reads(price):
    ProductFactory(price=Decimal(price))
    _, [shown] = selectors.product_cards(per_page=20)
    stored = Product.objects.get().price
    assert str(shown.price) == str(stored) == price


def test_fragment_cache_is_bounded_and_renders_only_on_a_miss(monkeypatch):
    monkeypatch.setattr(fragments, "MAX_FRAGMENTS", 3)
    calls = []

    def render(key):
        def context():
            calls.append(key)
            return {"page": None, "cards": [], "categories": [], "q": key, "category": ""}

        return fragments.render(CONTENT, key=key, context=context)

    for key in ("a", "b", "a", "c", "d", "a", "b"):
        render(key)
    # "a" stays (recently used) while "b" is evicted by "c" and "d".
    assert calls == ["a", "b", "c", "d", "b"]


def test_product_page_shows_stock_price_and_category_changes_at_once(client):
    pear = ProductFactory(name="Pear", stock=5, category=CategoryFactory(name="Fruit"))
    url = pear.get_absolute_url()
    assert "5 in stock" in page(client, url) and ">Fruit</a>" in page(client, url)
    Product.objects.filter(pk=pear.pk).update(stock=4, price=Decimal("3.10"))
    Category.objects.filter(pk=pear.category_id).update(name="Fresh fruit")
    html = page(client, url)
    assert "4 in stock" in html and "3.10 USD" in html and ">Fresh fruit</a>" in html
    Product.objects.filter(pk=pear.pk).update(stock=0)
    html = page(client, url)
    assert "Sold out" in html and 'class="buy"' not in html


def test_product_page_gives_each_shopper_their_own_token_and_next_url():
    pear = ProductFactory(name="Pear")
    ann, bob = Client(), Client()
    for shopper, path in (
        (ann, pear.get_absolute_url()),
        (bob, pear.get_absolute_url() + "?a=1&b=2"),
    ):
        html = page(shopper, path)
        [token] = tokens(html)
        assert _unmask_cipher_token(token) == shopper.cookies["csrftoken"].value
        assert f'name="next" value="{path.replace("&", "&amp;")}"' in html
