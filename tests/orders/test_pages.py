"""Storefront order pages: checkout with field errors and a one-time token, detail, history."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from catalog.models import Product
from orders.models import Order
from tests.factories import ProductFactory, UserFactory
from tests.orders.conftest import ADDRESS, place
from tests.orders.payment_helpers import paid
from tests.sessions import put_cart, session_cart

pytestmark = pytest.mark.django_db

FORM = {**ADDRESS, "email": "ada@example.com"}


def token_of(client) -> str:
    page = client.get("/orders/checkout/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_checkout_page_shows_the_form_and_the_summary(client):
    product = ProductFactory(name="Pear", price=Decimal("1.25"))
    put_cart(client, {product.pk: 2})
    response = client.get("/orders/checkout/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1>") == 1
    for field in ("name", "street", "city", "zip", "country", "email"):
        assert f'for="id_{field}"' in page and f'id="id_{field}"' in page
    assert 'name="token" value="' in page and "csrfmiddlewaretoken" in page
    assert "Pear" in page and "2.50" in page


def test_signed_in_checkout_page_has_no_email_field(client):
    user = UserFactory()
    client.force_login(user)
    put_cart(client, {ProductFactory().pk: 1})
    page = client.get("/orders/checkout/").content.decode()
    assert 'id="id_email"' not in page and 'id="id_street"' in page


def test_checkout_page_with_an_empty_cart_redirects_to_the_cart(client):
    response = client.get("/orders/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_placing_an_order_redirects_to_the_confirmation(client, django_capture_on_commit_callbacks):
    product = ProductFactory(stock=5)
    put_cart(client, {product.pk: 2})
    token = token_of(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/checkout/", {**FORM, "token": token})
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/thanks/"
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "Thank you" in page
    assert Product.objects.get(pk=product.pk).stock == 3
    assert session_cart(client).items == {}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.com"]


def test_double_submitted_form_places_one_order(client):
    product = ProductFactory(stock=5)
    put_cart(client, {product.pk: 2})
    token = token_of(client)
    first = client.post("/orders/checkout/", {**FORM, "token": token})
    second = client.post("/orders/checkout/", {**FORM, "token": token})
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Product.objects.get(pk=product.pk).stock == 3


def test_field_errors_are_shown_next_to_the_fields(client):
    product = ProductFactory(stock=5)
    put_cart(client, {product.pk: 1})
    bad = {**FORM, "street": "", "country": "ZZ", "email": "nope", "token": token_of(client)}
    response = client.post("/orders/checkout/", bad)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_street_error"' in page and 'id="id_country_error"' in page
    assert 'id="id_email_error"' in page
    assert Order.objects.count() == 0 and Product.objects.get(pk=product.pk).stock == 5


def test_missing_token_asks_to_submit_again(client):
    put_cart(client, {ProductFactory().pk: 1})
    page = client.post("/orders/checkout/", FORM).content.decode()
    assert "The form expired" in page and Order.objects.count() == 0


def test_short_stock_shows_a_message_and_keeps_the_cart(client):
    product = ProductFactory(name="Rare Fig", stock=1)
    put_cart(client, {product.pk: 3})
    response = client.post("/orders/checkout/", {**FORM, "token": token_of(client)}, follow=True)
    page = response.content.decode()
    assert "Not enough stock" in page and "Rare Fig: 1 left, 3 wanted" in page
    assert session_cart(client).items == {product.pk: 3} and Order.objects.count() == 0


def test_a_checkout_past_the_largest_amount_or_the_guest_limit_says_why(client, settings):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 10
    yacht = ProductFactory(name="Yacht", price=Decimal("60000000.00"), stock=50)
    fig = ProductFactory(name="Fig", stock=50)
    for items, why in [
        ({yacht.pk: 2}, "An order can come to at most 99999999.99"),
        ({fig.pk: 11}, "at most 10 of one product"),
    ]:
        put_cart(client, items)
        response = client.post(
            "/orders/checkout/", {**FORM, "token": token_of(client)}, follow=True
        )
        assert why in response.content.decode()
        assert session_cart(client).items == items and Order.objects.count() == 0
    assert Product.objects.get(pk=fig.pk).stock == 50


def test_checkout_form_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    put_cart(client, {ProductFactory().pk: 1})
    response = client.post("/orders/checkout/", {**FORM, "token": "x" * 32})
    assert response.status_code == 403 and Order.objects.count() == 0


def test_order_detail_shows_lines_address_and_history(client):
    product = ProductFactory(name="Quince")
    put_cart(client, {product.pk: 1})
    client.post("/orders/checkout/", {**FORM, "token": token_of(client)})
    order = Order.objects.get()
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert page.count("<h1>") == 1 and order.number in page
    assert "Quince" in page and ADDRESS["street"] in page
    assert "Placed" in page and "Cancel order" in page
    assert 'for="id_reason"' in page


def test_order_page_of_an_expired_order_shows_it_cancelled_and_restocked(client):
    user = UserFactory()
    client.force_login(user)
    product = ProductFactory(name="Quince", stock=4)
    order = place({product: 3}, user=user)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "Cancelled" in page and "Quince" in page and "Cancel order" not in page
    assert Order.objects.get().status == "cancelled"
    assert Product.objects.get(pk=product.pk).stock == 4


def test_cancel_from_the_detail_page(client):
    product = ProductFactory(stock=4)
    put_cart(client, {product.pk: 2})
    client.post("/orders/checkout/", {**FORM, "token": token_of(client)})
    order = Order.objects.get()
    response = client.post(f"/orders/{order.number}/cancel/", {"reason": "oops"}, follow=True)
    page = response.content.decode()
    assert "was cancelled" in page and "Cancel order" not in page
    assert Order.objects.get().status == "cancelled"
    assert Product.objects.get(pk=product.pk).stock == 4
    again = client.post(f"/orders/{order.number}/cancel/", follow=True).content.decode()
    assert "cannot become cancelled" in again


def test_history_lists_the_signed_in_users_orders(client):
    user = UserFactory()
    client.force_login(user)
    mine = [place({ProductFactory(): 1}, user=user) for _ in range(2)]
    theirs = place({ProductFactory(): 1}, user=UserFactory())
    page = client.get("/orders/").content.decode()
    assert all(order.number in page for order in mine) and theirs.number not in page
    assert page.index(mine[1].number) < page.index(mine[0].number)
    assert 'href="/orders/"' in page  # the Orders link in the header


def test_history_of_a_guest_without_orders_offers_sign_in(client):
    page = client.get("/orders/").content.decode()
    assert "No orders yet" in page and "/account/login/" in page


def test_detail_of_a_paid_order_shows_the_payment(client):
    user = UserFactory()
    client.force_login(user)
    order = paid(place({ProductFactory(price=Decimal("3.00")): 1}, user=user))
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "Paid" in page and "3.00" in page
