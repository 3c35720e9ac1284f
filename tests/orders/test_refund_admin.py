"""Refunds from the admin: read-only payment and refund inlines, the action, the refund form."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import GatewayCharge, Order, Refund
from tests.factories import ProductFactory, StaffFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    """A paid order of 2 × 10.00."""
    return paid(place({ProductFactory(stock=5, price=Decimal("10.00")): 2}))


def refund_url(order) -> str:
    return f"/admin/orders/order/{order.pk}/refund/"


def test_change_page_shows_payments_refunds_and_the_refund_link(admin_client, order):
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "4242" in page and "succeeded" in page
    assert refund_url(order) in page and "20.00 USD remaining" in page
    assert "4242424242424242" not in page


def test_partial_refund_from_the_form(admin_client, order, admin_user):
    response = admin_client.post(refund_url(order), {"amount": "7.50", "reason": "Late"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("7.50"))
    record = Refund.objects.get()
    assert (record.reason, record.actor, record.restock) == ("Late", admin_user, False)
    assert GatewayCharge.objects.get().refunded == Decimal("7.50")


def test_empty_amount_with_restock_refunds_all_and_restocks(admin_client, order):
    response = admin_client.post(refund_url(order), {"amount": "", "restock": "on"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("refunded", Decimal("20.00"))
    assert Product.objects.get().stock == 5


@pytest.mark.parametrize("amount", ["1.005", "-1", "0", "abc", "1e2"])
def test_bad_amounts_are_form_errors(admin_client, order, amount):
    response = admin_client.post(refund_url(order), {"amount": amount})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    order.refresh_from_db()
    assert order.amount_refunded == 0 and not Refund.objects.exists()


def test_more_than_remains_is_refused_on_the_form(admin_client, order):
    response = admin_client.post(refund_url(order), {"amount": "20.01"})
    assert "remains to refund" in response.content.decode()
    order.refresh_from_db()
    assert order.amount_refunded == 0


def test_refund_what_remains_action(admin_client, order):
    unpaid = place({ProductFactory(): 1})
    data = {"action": "refund_what_remains", "_selected_action": [order.pk, unpaid.pk]}
    page = admin_client.post("/admin/orders/order/", data, follow=True).content.decode()
    assert "1 order(s) refunded." in page and "has not been paid" in page
    assert Order.objects.get(pk=order.pk).status == "refunded"
    assert Order.objects.get(pk=unpaid.pk).amount_refunded == 0


def test_the_refund_page_is_for_staff_only(client, user, order):
    client.force_login(user)
    response = client.post(refund_url(order), {"amount": "1"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    order.refresh_from_db()
    assert order.amount_refunded == 0


def test_unknown_order_is_404(admin_client):
    assert admin_client.get("/admin/orders/order/999999/refund/").status_code == 404


def test_the_refund_page_is_403_without_the_refund_permission(client, order):
    client.force_login(StaffFactory(permissions=["orders.view_order", "orders.change_order"]))
    change_page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert refund_url(order) not in change_page
    assert client.get(refund_url(order)).status_code == 403
    assert client.post(refund_url(order), {"amount": "1"}).status_code == 403
    order.refresh_from_db()
    assert order.amount_refunded == 0 and not Refund.objects.exists()


def test_staff_with_the_refund_permission_refund_from_the_form(client, order):
    client.force_login(StaffFactory(permissions=["orders.view_order", "orders.refund_order"]))
    change_page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert refund_url(order) in change_page
    assert client.post(refund_url(order), {"amount": "1"}).status_code == 302
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("1.00")
