"""The storefront header: every shopper sees their own account links, cart badge, messages
and CSRF token, and a change of the cart shows on the next page."""

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
    ann, bob = Client(), Client()
    ann.force_login(UserFactory(email="ann@example.com"))
    put_cart(ann, {pear.pk: 2})
    put_cart(bob, {pear.pk: 3})
    for shopper, count in ((ann, 2), (bob, 3), (ann, 2)):
        html = get(shopper, path).content.decode()
        assert badge(html) == count
        if shopper is ann:
            assert "ann@example.com" in html and "Sign out" in html and "Sign in" not in html
        else:
            assert "ann@example.com" not in html and "Sign in" in html
        [token] = tokens(html)  # one token for every form, the logout form's included
        assert _unmask_cipher_token(token) == shopper.cookies["csrftoken"].value


def test_the_badge_follows_the_cart(client, pear):
    for quantity in (1, 3, 1):
        put_cart(client, {pear.pk: quantity})
        assert badge(get(client, "/products/pear/").content.decode()) == quantity


def test_a_message_shows_once(client, pear):
    get(client, "/")
    form = {"quantity": "2", "next": "/"}
    assert client.post(f"/cart/add/{pear.pk}/", form).url == "/"
    html = get(client, "/").content.decode()
    assert "Added 2 × Pear to your cart." in html and badge(html) == 2
    again = get(client, "/").content.decode()
    assert "Added 2" not in again and badge(again) == 2


def test_the_cart_page_shows_stock_price_and_coupon_changes_at_once(client, pear):
    put_cart(client, {pear.pk: 4})
    assert 'data-testid="total">4.80 USD' in get(client, "/cart/").content.decode()
    Product.objects.filter(pk=pear.pk).update(stock=3, price=Decimal("1.50"))
    html = get(client, "/cart/").content.decode()
    assert "Only 3 of Pear left in stock." in html
    assert 'data-testid="total">6.00 USD' in html  # 4 × 1.50
    CouponFactory(code="TENOFF", kind="percent", value=Decimal("10"))
    put_cart(client, {pear.pk: 4}, coupon="TENOFF")
    html = get(client, "/cart/").content.decode()
    assert "Coupon <strong>TENOFF</strong>" in html
    assert 'data-testid="total">5.40 USD' in html


def test_a_dropped_line_shows_its_notice_once_and_leaves_the_badge(client, pear):
    plum = ProductFactory(name="Plum")
    put_cart(client, {pear.pk: 1, plum.pk: 2})
    Product.objects.filter(pk=plum.pk).update(active=False)
    html = get(client, "/cart/").content.decode()
    assert "Plum is no longer sold and was removed from your cart." in html
    assert badge(html) == 1
    again = get(client, "/cart/").content.decode()
    assert "Plum" not in again and badge(again) == 1
