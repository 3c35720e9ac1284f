"""POST /api/orders/{id}/pay: exactly one charge, every test card, retries and idempotency."""

import logging
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import GatewayCharge, Order, OrderEvent, Payment
from tests.factories import ProductFactory
from tests.orders.conftest import api_checkout
from tests.orders.payment_helpers import (
    DECLINED,
    FAILS,
    GOOD,
    LOST_REPLY,
    NEXT_YEAR,
    NO_FUNDS,
    card,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(stock=5)


@pytest.fixture
def order_id(api_client, product):
    response = api_checkout(api_client, {product: 2})
    assert response.status_code == 201
    return response.json()["id"]


def pay(client, order_id, number=GOOD, **headers):
    body = {"method": "credit_card", "card": card(number)}
    return client.post(f"/api/orders/{order_id}/pay", body, **headers)


def order(order_id) -> Order:
    return Order.objects.get(pk=order_id)


def error(response) -> str:
    return response.json()["error"]["code"]


def test_pay_charges_the_total_once_and_marks_the_order_paid(api_client, order_id):
    response = pay(api_client, order_id)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "paid" and body["amount_paid"] == body["total"] == 19.98
    assert body["amount_refunded"] == 0 and body["refunds"] == []
    assert [(p["amount"], p["status"]) for p in body["payments"]] == [(19.98, "succeeded")]
    charge = GatewayCharge.objects.get()
    payment = Payment.objects.get()
    assert (charge.amount, charge.reference) == (order(order_id).total, payment.reference)
    assert (payment.card_brand, payment.card_last4, payment.gateway_charge_id) == (
        "visa",
        "4242",
        charge.charge_id,
    )
    assert order(order_id).payment_claim == ""
    event = OrderEvent.objects.get(order_id=order_id, action="status:paid")
    assert event.actor_label == "guest" and event.data["card"] == "visa 4242"


def test_pay_refund_and_cancel_answer_the_order_exactly_as_it_is_stored(api_client, order_id):
    assert pay(api_client, order_id, DECLINED).status_code == 402
    actions = [
        lambda: pay(api_client, order_id),
        lambda: api_client.post(f"/api/orders/{order_id}/refund", {"amount": "1.50"}),
        lambda: api_client.post(f"/api/orders/{order_id}/cancel", {"reason": "changed my mind"}),
    ]
    for action in actions:
        response = action()
        assert response.status_code == 200
        assert response.content == api_client.get(f"/api/orders/{order_id}").content
    body = response.json()
    assert body["status"] == "cancelled" and len(body["payments"]) == 2
    assert [r["amount"] for r in body["refunds"]] == [1.5, 18.48]
    assert api_client.get("/api/orders").json() == [body]  # the list prefetches; same rows


def test_pay_then_pay_again_is_409_already_paid_with_one_charge(api_client, order_id):
    assert pay(api_client, order_id).status_code == 200
    again = pay(api_client, order_id)
    assert (again.status_code, error(again)) == (409, "already_paid")
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (DECLINED, 402, "card_declined"),
        (NO_FUNDS, 402, "insufficient_funds"),
        (FAILS, 502, "gateway_error"),
    ],
)
def test_failing_cards_charge_nothing_and_leave_the_order_payable(
    api_client, order_id, number, status, code
):
    response = pay(api_client, order_id, number)
    assert (response.status_code, error(response)) == (status, code)
    current = order(order_id)
    assert (current.status, current.amount_paid, current.payment_claim) == ("pending", 0, "")
    assert not GatewayCharge.objects.exists()
    assert Payment.objects.get().status == Payment.Status.FAILED
    assert Payment.objects.get().error_code == code
    retry = pay(api_client, order_id)
    assert retry.status_code == 200 and retry.json()["status"] == "paid"
    assert GatewayCharge.objects.count() == 1


def test_declined_then_good_card_lists_both_attempts(api_client, order_id):
    pay(api_client, order_id, DECLINED)
    body = pay(api_client, order_id).json()
    assert [p["status"] for p in body["payments"]] == ["failed", "succeeded"]


def test_lost_reply_is_504_keeps_the_claim_and_the_charge_exists(api_client, order_id):
    response = pay(api_client, order_id, LOST_REPLY)
    assert (response.status_code, error(response)) == (504, "gateway_timeout")
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.UNKNOWN
    current = order(order_id)
    assert current.status == "pending" and current.payment_claim == payment.reference
    assert GatewayCharge.objects.get().reference == payment.reference


def test_retry_after_a_lost_reply_finishes_the_first_charge_even_with_another_card(
    api_client, order_id
):
    pay(api_client, order_id, LOST_REPLY)
    retry = pay(api_client, order_id, "5555555555554444")
    assert retry.status_code == 200
    assert retry.json()["status"] == "paid" and retry.json()["amount_paid"] == 19.98
    assert GatewayCharge.objects.count() == 1
    succeeded = Payment.objects.get(status=Payment.Status.SUCCEEDED)
    assert succeeded.card_last4 == "0259" and Payment.objects.count() == 1
    assert order(order_id).payment_claim == ""
    again = pay(api_client, order_id)
    assert (again.status_code, error(again)) == (409, "already_paid")
    assert GatewayCharge.objects.count() == 1


def test_a_lost_reply_still_finishes_after_the_reservation_ran_out(api_client, order_id):
    pay(api_client, order_id, LOST_REPLY)
    Order.objects.filter(pk=order_id).update(expires_at=timezone.now() - timedelta(minutes=1))
    retry = pay(api_client, order_id)
    assert retry.status_code == 200 and retry.json()["status"] == "paid"
    assert GatewayCharge.objects.count() == 1


def test_reconcile_payments_finishes_a_lost_reply(api_client, order_id, capsys):
    pay(api_client, order_id, LOST_REPLY)
    call_command("reconcile_payments")
    assert "1 paid" in capsys.readouterr().out
    current = order(order_id)
    assert (current.status, current.amount_paid, current.payment_claim) == (
        "paid",
        Decimal("19.98"),
        "",
    )
    assert GatewayCharge.objects.count() == 1
    call_command("reconcile_payments")  # nothing left to do: still one charge, still paid
    assert "0 paid" in capsys.readouterr().out
    assert order(order_id).status == "paid" and GatewayCharge.objects.count() == 1


def test_an_order_with_a_payment_in_flight_cannot_be_cancelled(api_client, order_id):
    pay(api_client, order_id, LOST_REPLY)
    response = api_client.post(f"/api/orders/{order_id}/cancel")
    assert response.status_code == 409
    assert order(order_id).status == "pending"


def test_a_fresh_pending_claim_is_payment_in_progress(api_client, order_id):
    Order.objects.filter(pk=order_id).update(
        payment_claim="someone-else", payment_claimed_at=timezone.now()
    )
    Payment.objects.create(
        order_id=order_id, amount=19.98, gateway="fake", reference="someone-else"
    )
    response = pay(api_client, order_id)
    assert (response.status_code, error(response)) == (409, "payment_in_progress")
    assert not GatewayCharge.objects.exists()


def test_a_stale_claim_without_a_charge_is_released_and_the_order_paid(api_client, order_id):
    long_ago = timezone.now() - timedelta(hours=1)
    Order.objects.filter(pk=order_id).update(payment_claim="dead", payment_claimed_at=long_ago)
    Payment.objects.create(order_id=order_id, amount=19.98, gateway="fake", reference="dead")
    response = pay(api_client, order_id)
    assert response.status_code == 200
    assert Payment.objects.get(reference="dead").error_code == "no_charge"
    assert GatewayCharge.objects.count() == 1


def test_reconcile_finishes_a_stale_claim_whose_process_died_after_charging(
    api_client, order_id, capsys
):
    # The process claimed, the gateway charged, then the process died before recording.
    long_ago = timezone.now() - timedelta(hours=1)
    current = order(order_id)
    Order.objects.filter(pk=order_id).update(payment_claim="died", payment_claimed_at=long_ago)
    Payment.objects.create(order=current, amount=current.total, gateway="fake", reference="died")
    Payment.objects.filter(reference="died").update(created_at=long_ago)
    GatewayCharge.objects.create(
        charge_id="ch_died",
        reference="died",
        amount=current.total,
        currency="USD",
        card_brand="visa",
        card_last4="4242",
    )
    call_command("reconcile_payments")
    assert "1 paid" in capsys.readouterr().out
    assert order(order_id).status == "paid"
    assert Payment.objects.get().gateway_charge_id == "ch_died"


def test_same_idempotency_key_and_body_replays_the_first_answer(api_client, order_id):
    first = pay(api_client, order_id, HTTP_IDEMPOTENCY_KEY="k-1")
    again = pay(api_client, order_id, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_same_idempotency_key_replays_a_decline_without_a_new_attempt(api_client, order_id):
    pay(api_client, order_id, DECLINED, HTTP_IDEMPOTENCY_KEY="k-1")
    again = pay(api_client, order_id, DECLINED, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, error(again)) == (402, "card_declined")
    assert Payment.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_422(api_client, order_id):
    pay(api_client, order_id, DECLINED, HTTP_IDEMPOTENCY_KEY="k-1")
    other = pay(api_client, order_id, GOOD, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (other.status_code, error(other)) == (422, "idempotency_key_reused")
    assert order(order_id).status == "pending" and not GatewayCharge.objects.exists()


def test_same_idempotency_key_after_a_lost_reply_answers_paid(api_client, order_id):
    pay(api_client, order_id, LOST_REPLY, HTTP_IDEMPOTENCY_KEY="k-1")
    again = pay(api_client, order_id, LOST_REPLY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["status"] == "paid"
    assert GatewayCharge.objects.count() == 1


@pytest.mark.parametrize(
    "bad_card",
    [
        card("4242424242424241"),
        card(exp_month=13),
        card(exp_year=NEXT_YEAR - 3),
        card(cvv="12"),
        card(cvv=123),
        card(4242424242424242),
        card(exp_month="12"),
        card(exp_year=True),
    ],
)
def test_invalid_cards_are_400_invalid_card_and_change_nothing(api_client, order_id, bad_card):
    response = api_client.post(
        f"/api/orders/{order_id}/pay", {"method": "credit_card", "card": bad_card}
    )
    assert (response.status_code, error(response)) == (400, "invalid_card")
    assert response.json()["error"]["fields"]
    assert not Payment.objects.exists() and order(order_id).status == "pending"


@pytest.mark.parametrize(
    "body",
    [
        {"card": card()},
        {"method": "paypal", "card": card()},
        {"method": "credit_card"},
        {"method": "credit_card", "card": "4242424242424242"},
        {"method": "credit_card", "card": {"number": GOOD}},
    ],
)
def test_malformed_pay_bodies_are_400(api_client, order_id, body):
    response = api_client.post(f"/api/orders/{order_id}/pay", body)
    assert response.status_code == 400 and "error" in response.json()
    assert not Payment.objects.exists()


def test_card_numbers_and_cvv_are_never_stored_or_logged(api_client, order_id, caplog):
    caplog.set_level(logging.DEBUG)
    secret = {"number": "4000000000000002", "exp_month": 12, "exp_year": NEXT_YEAR, "cvv": "987"}
    api_client.post(f"/api/orders/{order_id}/pay", {"method": "credit_card", "card": secret})
    pay(api_client, order_id, LOST_REPLY)
    pay(api_client, order_id, GOOD)
    stored = " ".join(
        str(row)
        for model in (Payment, OrderEvent, GatewayCharge)
        for row in model.objects.values_list()
    )
    stored = re.sub(r"datetime\.datetime\([^)]*\)", "", stored)  # microseconds could hold 987
    for number in ("4000000000000002", "4000000000000259", "4242424242424242"):
        assert number not in stored and number not in caplog.text
    # References are random hex: "987" inside one is not the cvv.
    assert not re.search(r"(?<![0-9a-f])987(?![0-9a-f])", stored) and "'987'" not in caplog.text


def test_an_expired_order_cannot_be_paid_and_gives_its_stock_back(api_client, order_id, product):
    Order.objects.filter(pk=order_id).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = pay(api_client, order_id)
    assert (response.status_code, error(response)) == (409, "order_expired")
    assert order(order_id).status == "cancelled"
    product.refresh_from_db()
    assert product.stock == 5 and not GatewayCharge.objects.exists()


def test_a_cancelled_order_cannot_be_paid(api_client, order_id):
    assert api_client.post(f"/api/orders/{order_id}/cancel").status_code == 200
    response = pay(api_client, order_id)
    assert (response.status_code, error(response)) == (409, "cannot_pay")
    assert not GatewayCharge.objects.exists()


def test_someone_elses_order_is_404(api_client, order_id, user_client):
    response = pay(user_client, order_id)
    assert (response.status_code, error(response)) == (404, "order_not_found")
    from tests.conftest import ApiClient

    assert pay(ApiClient(), order_id).status_code == 404
    assert not Payment.objects.exists()


def test_too_many_declined_cards_are_throttled(api_client, order_id, settings):
    settings.PAYMENT_FAILURE_LIMIT = 3
    for _ in range(3):
        assert pay(api_client, order_id, DECLINED).status_code == 402
    throttled = pay(api_client, order_id, GOOD)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert Payment.objects.count() == 3 and order(order_id).status == "pending"


def test_successful_payments_do_not_use_up_the_throttle(api_client, product, settings):
    settings.PAYMENT_FAILURE_LIMIT = 1
    ids = [api_checkout(api_client, {product: 1}).json()["id"] for _ in range(2)]
    assert pay(api_client, ids[0]).status_code == 200
    assert pay(api_client, ids[0]).status_code == 409  # already paid is not a card failure
    assert pay(api_client, ids[1]).status_code == 200


def test_a_charge_that_lands_on_a_closed_order_is_given_back(api_client, order_id, capsys):
    from orders.states import move

    pay(api_client, order_id, LOST_REPLY)
    move(order(order_id), Order.Status.CANCELLED, note="closed by hand meanwhile")
    call_command("reconcile_payments")
    assert "1 voided" in capsys.readouterr().out
    charge = GatewayCharge.objects.get()
    assert charge.refunded == charge.amount  # the money went back
    payment = Payment.objects.get()
    assert (payment.status, payment.error_code) == ("failed", "order_not_payable")
    assert payment.gateway_charge_id == charge.charge_id  # which charge went back
    assert order(order_id).amount_paid == 0
    assert OrderEvent.objects.filter(order_id=order_id, action="payment_voided").exists()
