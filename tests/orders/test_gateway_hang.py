"""A gateway that hangs (FAKE_GATEWAY_HANG_FILE): the money is taken, the reply never comes.

The pay answers 504 after PAYMENT_GATEWAY_TIMEOUT, the payment stays `unknown` with its one
charge, and reconcile_payments settles it to paid exactly once once the gateway answers.
"""

import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from orders.models import GatewayCharge, Order, OrderEvent, Payment, Refund
from outbox.models import Email
from tests.factories import ProductFactory
from tests.orders.conftest import api_checkout
from tests.orders.payment_helpers import DECLINED, GOOD, card

pytestmark = pytest.mark.django_db

TIMEOUT = 0.3  # seconds: PAYMENT_GATEWAY_TIMEOUT in these tests


@pytest.fixture
def hang_file(settings, tmp_path):
    """The hang window's file, open (created); the test removes it to close the window."""
    path = tmp_path / "gateway-hangs"
    path.touch()
    settings.FAKE_GATEWAY_HANG_FILE = str(path)
    settings.PAYMENT_GATEWAY_TIMEOUT = TIMEOUT
    return path


@pytest.fixture
def order_id(api_client):
    response = api_checkout(api_client, {ProductFactory(price=Decimal("10.00"), stock=5): 2})
    assert response.status_code == 201
    return response.json()["id"]


def pay(client, order_id, number=GOOD, **headers):
    body = {"method": "credit_card", "card": card(number)}
    return client.post(f"/api/orders/{order_id}/pay", body, **headers)


def timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def test_a_hanging_gateway_takes_the_money_and_the_pay_answers_504_after_the_timeout(
    api_client, order_id, hang_file
):
    response, took = timed(lambda: pay(api_client, order_id, HTTP_IDEMPOTENCY_KEY="k1"))
    assert (response.status_code, response.json()["error"]["code"]) == (504, "gateway_timeout")
    assert TIMEOUT <= took < TIMEOUT + 5
    payment = Payment.objects.get()
    assert (payment.status, payment.error_code) == (Payment.Status.UNKNOWN, "gateway_timeout")
    charge = GatewayCharge.objects.get()
    assert (charge.reference, charge.amount) == (payment.reference, Decimal("20.00"))
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.payment_claim) == ("pending", payment.reference)


def test_reconcile_settles_the_hung_charge_to_paid_exactly_once(
    api_client, order_id, hang_file, capsys
):
    pay(api_client, order_id)
    hang_file.unlink()  # the gateway answers again
    call_command("reconcile_payments")
    assert "1 paid" in capsys.readouterr().out
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.amount_paid, order.payment_claim) == ("paid", Decimal("20"), "")
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    call_command("reconcile_payments")  # nothing left: still one charge, one receipt
    assert "0 paid" in capsys.readouterr().out
    assert GatewayCharge.objects.count() == 1
    assert OrderEvent.objects.filter(order_id=order_id, action="status:paid").count() == 1
    assert Email.objects.filter(subject__startswith="Payment received").count() == 1


def test_a_retry_with_the_same_key_after_the_window_is_paid_by_the_first_charge(
    api_client, order_id, hang_file
):
    assert pay(api_client, order_id, HTTP_IDEMPOTENCY_KEY="k1").status_code == 504
    hang_file.unlink()
    retry, took = timed(lambda: pay(api_client, order_id, HTTP_IDEMPOTENCY_KEY="k1"))
    assert (retry.status_code, retry.json()["status"]) == (200, "paid")
    assert took < TIMEOUT  # the lookup answers at once
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_a_declined_card_in_the_window_is_504_and_reconciles_to_failed(
    api_client, order_id, hang_file
):
    assert pay(api_client, order_id, DECLINED).status_code == 504
    assert not GatewayCharge.objects.exists()
    hang_file.unlink()
    call_command("reconcile_payments")
    payment = Payment.objects.get()
    assert (payment.status, payment.error_code) == (Payment.Status.FAILED, "no_charge")
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.payment_claim) == ("pending", "")  # payable again


def test_a_refund_in_the_window_is_done_504_and_stays_reserved(
    api_client, order_id, settings, tmp_path
):
    assert pay(api_client, order_id).status_code == 200
    path = tmp_path / "gateway-hangs"
    path.touch()
    settings.FAKE_GATEWAY_HANG_FILE, settings.PAYMENT_GATEWAY_TIMEOUT = str(path), TIMEOUT
    response, took = timed(lambda: api_client.post(f"/api/orders/{order_id}/refund", {}))
    assert (response.status_code, response.json()["error"]["code"]) == (504, "gateway_timeout")
    assert took >= TIMEOUT
    assert GatewayCharge.objects.get().refunded == Decimal("20.00")  # the worst case
    assert Refund.objects.get().status == Refund.Status.PENDING
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.amount_refunded) == ("paid", Decimal("20.00"))  # never twice
    path.unlink()
    again = api_client.post(f"/api/orders/{order_id}/refund", {"amount": "0.01"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "refund_exceeds_payment")
    assert GatewayCharge.objects.get().refunded == Decimal("20.00")


def test_without_the_file_the_gateway_answers_at_once(api_client, order_id, settings, tmp_path):
    settings.FAKE_GATEWAY_HANG_FILE = str(tmp_path / "absent")
    settings.PAYMENT_GATEWAY_TIMEOUT = 30
    response, took = timed(lambda: pay(api_client, order_id))
    assert response.status_code == 200 and took < 5
