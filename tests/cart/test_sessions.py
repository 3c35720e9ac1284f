"""Session engines and the session test helpers: cookie size, expiry, setting state early."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.utils import timezone

from cart.cart import Cart
from tests.conftest import ApiClient
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingMethodFactory,
    TaxRateFactory,
    UserFactory,
    worst_case_products,
)
from tests.sessions import ENGINES, put_cart, put_in_session, read_session, session_cart

pytestmark = pytest.mark.django_db

SIGNED = ENGINES["signed_cookies"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_full_cart_fits_a_signed_cookie(settings, signed_in):
    """50 lines of the largest ids, a 32-character coupon, a destination, and beside the
    cart the figures shown (cart/quote.py): all in one cookie."""
    settings.SESSION_ENGINE = SIGNED
    client = ApiClient()
    if signed_in:
        client.force_login(UserFactory())
    products = worst_case_products(Cart.MAX_LINES)
    coupon = CouponFactory(code="X" * 32, value=Decimal("1"))
    method = ShippingMethodFactory(pk=2**31 - 1)
    TaxRateFactory(country="DE", rate=Decimal("19.125"))
    items = {p.pk: Cart.MAX_QTY for p in products[:-1]}
    put_cart(client, items, coupon=coupon.code, country="DE", method=method.pk)
    response = client.post(
        "/api/cart/items", {"product_id": products[-1].pk, "quantity": Cart.MAX_QTY}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["item_count"] == Cart.MAX_LINES * Cart.MAX_QTY
    assert (body["coupon"], body["country"], body["shipping"]) == (coupon.code, "DE", 4.9)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert len(cookie.output(header="")) < 4096  # the whole Set-Cookie value, attributes too
    assert len(read_session(client)["cart_quote"]["lines"]) == Cart.MAX_LINES
    full = client.post("/api/cart/items", {"sku": ProductFactory().sku})
    assert full.json()["error"]["code"] == "cart_full"


def _expire(engine: str, client) -> None:
    """Make the client's session expire the way each engine expires one."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    if engine in ("db", "cached_db"):
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    if engine in ("cache", "cached_db"):
        cache.clear()  # the cache's own timeout evicts the entry


def test_an_expired_session_starts_a_fresh_empty_cart(api_client, session_engine, settings):
    product = ProductFactory()
    old = api_client.post("/api/cart/items", {"product_id": product.pk}).json()["cart_id"]
    if session_engine == "signed_cookies":
        settings.SESSION_COOKIE_AGE = -1  # the cookie's signed timestamp is now too old
    else:
        _expire(session_engine, api_client)
    body = api_client.get("/api/cart").json()
    assert body["items"] == [] and body["cart_id"] != old


def test_put_in_session_and_put_cart_work_on_every_engine(api_client, session_engine):
    product = ProductFactory()
    put_in_session(api_client, greeting="hello")
    put_cart(api_client, {product.pk: 4})
    assert read_session(api_client)["greeting"] == "hello"
    body = api_client.get("/api/cart").json()
    assert [(i["product_id"], i["quantity"]) for i in body["items"]] == [(product.pk, 4)]
    # Changing it again between requests works too (the signed cookie changes each time).
    put_cart(api_client, {product.pk: 1})
    assert api_client.get("/api/cart").json()["item_count"] == 1
    assert session_cart(api_client).items == {product.pk: 1}


def test_the_put_in_session_fixture_is_the_helper(client, session_engine, put_in_session):
    put_in_session(client, answer=42)
    assert read_session(client)["answer"] == 42


@override_settings(SESSION_ENGINE=SIGNED)
class SignedCookieSessionSetupTests(TestCase):
    """On signed cookies the cookie *is* the session: set state with the helper."""

    @classmethod
    def setUpTestData(cls):
        cls.apple = ProductFactory(sku="apple", name="Apple", stock=10)

    def test_the_helper_sets_the_cart_before_the_first_request(self):
        put_cart(self.client, {self.apple.pk: 3})
        response = self.client.get("/api/cart")
        self.assertEqual(response.status_code, 200)
        items = response.json()["items"]
        self.assertEqual([(i["sku"], i["quantity"]) for i in items], [("apple", 3)])
        html = self.client.get("/cart/").content.decode()
        self.assertIn('data-testid="cart-count">3<', html)

    def test_without_the_helper_the_saved_session_is_silently_lost(self):
        # The usual recipe: the client's cookie keeps the value of an *empty* session,
        # because on signed cookies save() makes a new cookie value the client never sees.
        session = self.client.session
        cart = Cart(session)
        cart.items = {self.apple.pk: 3}
        cart.save()
        session.save()
        response = self.client.get("/api/cart")
        self.assertEqual(response.json()["items"], [])
        self.assertNotEqual(response.json()["cart_id"], cart.id)
        # The fix: copy the new cookie value into the client (what put_cart/save_session do).
        self.client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        self.assertEqual(self.client.get("/api/cart").json()["cart_id"], cart.id)
