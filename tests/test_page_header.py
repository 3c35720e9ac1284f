"""Storefront pages are cached whole, header included (shop/pages.py): every shopper still
sees their own header (account, cart badge, messages) and token, and every change of
what a page shows shows on the next request.

Each test checks that the cache was really hit (no template rendered), so each would fail
if the header were cached without its part of the key.
"""

import re
from decimal import Decimal

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from catalog.models import Product
from tests.factories import CouponFactory, ProductFactory, UserFactory
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response


def badge(html: str) -> int:
    return int(re.search(r'data-testid="cart-count">(\d+)<', html).group(1))


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


@pytest.fixture
def pear():
    return ProductFactory(name="Pear", slug="pear", price=Decimal("1.20"), stock=5)


@pytest.mark.parametrize("path", ["/", "/products/pear/", "/cart/"])
def test_each_shopper_sees_their_own_account_badge_and_token(path, pear):
    ann_user = UserFactory(email="ann@example.com")
    ann, bob = Client(), Client()
    ann.force_login(ann_user)
    put_cart(ann, {pear.pk: 2})
    put_cart(bob, {pear.pk: 2})  # the same cart: the cart page is the same but for the header
    get(ann, path)
    for shopper in (bob, ann, bob):
        response = get(shopper, path)
        html = response.content.decode()
        assert badge(html) == 2
        if shopper is ann:
            assert "ann@example.com" in html and "Sign out" in html and "Sign in" not in html
            assert response.templates == []  # ann's page came from the cache
        else:
            assert "ann@example.com" not in html and "Sign in" in html
        [token] = tokens(html)  # one token for every form, the logout form's included
        assert _unmask_cipher_token(token) == shopper.cookies["csrftoken"].value
    assert response.templates == []  # so did bob's second


def test_the_badge_follows_the_cart(client, pear):
    for quantity in (1, 3, 1):
        put_cart(client, {pear.pk: quantity})
        assert badge(get(client, "/products/pear/").content.decode()) == quantity


def test_a_message_shows_once_on_a_cached_page(client, pear):
    get(client, "/")
    get(client, "/")  # cached without a message
    form = {"quantity": "2", "next": "/"}
    assert client.post(f"/cart/add/{pear.pk}/", form).url == "/"
    html = get(client, "/").content.decode()
    assert "Added 2 × Pear to your cart." in html and badge(html) == 2
    get(client, "/")
    again = get(client, "/")  # cached with this badge and no message
    assert again.templates == [] and "Added 2" not in again.content.decode()


def test_the_cart_page_shows_stock_and_coupon_changes_at_once(client, pear):
    put_cart(client, {pear.pk: 4})
    get(client, "/cart/")
    assert get(client, "/cart/").templates == []  # cached
    Product.objects.filter(pk=pear.pk).update(stock=3, price=Decimal("1.50"))
    html = get(client, "/cart/").content.decode()
    assert "Only 3 of Pear left in stock." in html
    assert 'data-testid="total">6.00 USD' in html  # 4 × 1.50
    CouponFactory(code="TENOFF", kind="percent", value=Decimal("10"))
    put_cart(client, {pear.pk: 4}, coupon="TENOFF")
    html = get(client, "/cart/").content.decode()
    assert "Coupon <strong>TENOFF</strong>" in html
    assert 'data-testid="total">5.40 USD' in html


def test_a_dropped_line_notice_is_not_lost_to_a_cached_page(pear):
    plum = ProductFactory(name="Plum")
    ann, bob = Client(), Client()
    put_cart(bob, {pear.pk: 1})
    get(bob, "/cart/")  # cached: the one pear line, no notice
    put_cart(ann, {pear.pk: 1, plum.pk: 1})
    Product.objects.filter(pk=plum.pk).update(active=False)
    html = get(ann, "/cart/").content.decode()  # the same line and totals, plus a notice
    assert "Plum is no longer sold and was removed from your cart." in html
