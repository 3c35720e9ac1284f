"""Edges of charging an order (orders/payments/charge.py) that mutation testing left open: a
payment settled twice or settled while its own reply is on the way, a charge recorded on its
own payment only, a claim exactly at its timeout, an idempotent replay waiting on the clock,
and a dead claim freed while another request takes the order. Concurrent requests are played
in one thread, at the moment they would interleave."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import GatewayCharge, Order, OrderEvent, Payment
from orders.payments import charge as charging
from orders.payments.cards import read_card
from orders.payments.charge import pay, settle
from orders.payments.errors import GatewayTimedOut, PaymentInProgress
from orders.payments.gateway import GatewayTimeout, get_gateway
from orders.payments.reconcile import reconcile_payments
from outbox.models import Email
from tests.concurrency import before_statement
from tests.factories import ProductFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import GOOD, LOST_REPLY, card, open_payment

pytestmark = pytest.mark.django_db

NOTHING_TO_DO = {"paid": 0, "failed": 0, "voided": 0, "errors": 0, "released": 0}


def order_of() -> Order:
    return place({ProductFactory(stock=10): 1})


def events(order: Order) -> list[str]:
    outcomes = ["status:paid", "payment_failed", "payment_voided", "payment_unknown"]
    rows = OrderEvent.objects.filter(order=order, action__in=outcomes).order_by("id")
    return list(rows.values_list("action", flat=True))


# Settling


@pytest.mark.parametrize("charged", [True, False], ids=["charged", "never-charged"])
def test_a_payment_settled_twice_is_recorded_once(charged):
    # reconcile_payments and a retried pay can both read the payment while it is open.
    order = order_of()
    if charged:
        with pytest.raises(GatewayTimedOut):
            pay(order=order, card=card(LOST_REPLY))
    else:
        open_payment(order, Payment.Status.UNKNOWN)
    first_read, second_read = Payment.objects.get(), Payment.objects.get()
    settle(first_read)
    settled = settle(second_read)
    order.refresh_from_db()
    if charged:
        assert (settled.status, order.status, order.amount_paid) == (
            "succeeded",
            "paid",
            order.total,
        )
        assert GatewayCharge.objects.get().refunded == 0
        assert events(order) == ["payment_unknown", "status:paid"]
        assert Email.objects.filter(subject__startswith="Payment received").count() == 1
    else:
        assert (settled.status, settled.error_code) == ("failed", "no_charge")
        assert (order.status, order.payment_claim) == ("pending", "")
        assert events(order) == ["payment_failed"]


def test_a_reply_lost_after_a_concurrent_settle_paid_the_order_leaves_it_paid(monkeypatch):
    gateway = type(get_gateway())
    real_charge = gateway.charge

    def charge_settled_meanwhile_then_reply_lost(self, **kwargs):
        real_charge(self, **kwargs)
        settle(Payment.objects.get(reference=kwargs["reference"]))  # e.g. reconcile_payments
        raise GatewayTimeout(kwargs["reference"])

    monkeypatch.setattr(gateway, "charge", charge_settled_meanwhile_then_reply_lost)
    order = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=order, card=card(GOOD))
    monkeypatch.undo()
    payment = Payment.objects.get()
    assert (payment.status, payment.error_code) == ("succeeded", "")
    assert reconcile_payments() == NOTHING_TO_DO  # nothing left open, so nothing given back
    order.refresh_from_db()
    assert (order.status, order.amount_paid, order.payment_claim) == ("paid", order.total, "")
    assert GatewayCharge.objects.get().refunded == 0
    assert not order.events.filter(action="payment_unknown").exists()  # its history: paid


def test_a_charge_is_recorded_on_its_own_payment_only():
    waiting = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=waiting, card=card(LOST_REPLY))
    order = pay(order=order_of(), card=card(GOOD))
    mine = Payment.objects.get(order=order)
    assert (order.status, mine.status) == ("paid", "succeeded")
    other = Payment.objects.get(order=waiting)
    assert (other.status, other.error_code, other.gateway_charge_id) == (
        "unknown",
        "gateway_timeout",
        "",
    )
    assert Order.objects.get(pk=waiting.pk).status == "pending"
    settled = settle(other)  # and it still settles by its own charge
    assert (
        settled.gateway_charge_id == GatewayCharge.objects.get(reference=other.reference).charge_id
    )
    assert settled.gateway_charge_id != mine.gateway_charge_id
    assert Order.objects.get(pk=waiting.pk).status == "paid"


# Claims


def test_a_claim_is_in_flight_until_its_timeout_has_passed(monkeypatch, settings):
    order = order_of()
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    timeout = timedelta(seconds=settings.PAYMENT_CLAIM_TIMEOUT)
    payment = open_payment(order, since=now - timeout)
    with pytest.raises(PaymentInProgress):  # exactly as old as the timeout: still in flight
        pay(order=order, card=card(GOOD))
    payment.refresh_from_db()
    assert (payment.status, payment.error_code) == ("pending", "")
    assert not GatewayCharge.objects.exists()
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(microseconds=1))
    pay(order=order, card=card(GOOD))  # a moment later the claim is stale: settled, then paid
    payment.refresh_from_db()
    assert (payment.status, payment.error_code) == ("failed", "no_charge")
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert GatewayCharge.objects.count() == 1


def test_a_dead_claim_is_not_freed_from_a_payment_that_took_the_order_meanwhile():
    order = order_of()
    dead = open_payment(order, since=timezone.now() - timedelta(hours=1))  # died before charging

    def others():
        settle(dead)  # reconcile_payments: no charge, so the payment failed and the claim freed
        with pytest.raises(GatewayTimedOut):  # another tab pays: charged, reply lost
            pay(order=Order.objects.get(pk=order.pk), card=card(LOST_REPLY))

    def reading_the_claims_payment(sql, params):
        return 'FROM "orders_payment"' in sql and dead.reference in params

    with before_statement(reading_the_claims_payment, others), pytest.raises(PaymentInProgress):
        pay(order=order, card=card(GOOD))
    other = Payment.objects.get(order=order, status=Payment.Status.UNKNOWN)
    order.refresh_from_db()
    assert (order.status, order.payment_claim) == ("pending", other.reference)
    assert GatewayCharge.objects.get().reference == other.reference  # one charge: the other's
    assert Payment.objects.get(pk=dead.pk).status == Payment.Status.FAILED


# Idempotent replays


class Clock:
    """charge.py's monotonic clock and sleep, in fake time; `land` runs as it passes `lands_at`."""

    def __init__(self, lands_at: float, land):
        self.now, self.lands_at, self.land = 0.0, lands_at, land

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        before, self.now = self.now, self.now + seconds
        if before < self.lands_at <= self.now:
            self.land()


@pytest.mark.parametrize(
    ("wait", "lands_at"),
    [(1, 0.12), (0.05, 0.07)],
    ids=["well-within-the-wait", "after-the-look-at-the-deadline"],
)
def test_a_replay_answers_at_the_first_look_after_the_payment_in_flight_lands(
    monkeypatch, settings, wait, lands_at
):
    # A replay looks every 50 ms, and once more at its deadline before giving up.
    settings.PAYMENT_IDEMPOTENT_WAIT = wait
    order = order_of()
    payment = open_payment(order, key="k-1")

    def first_request_lands():
        get_gateway().charge(
            reference=payment.reference,
            amount=payment.amount,
            currency=order.currency,
            card=read_card(**card(GOOD)),
        )
        settle(payment)

    clock = Clock(lands_at, first_request_lands)
    monkeypatch.setattr(charging, "time", clock)
    answer = pay(order=order, card=card(GOOD), idempotency_key="k-1")
    assert (answer.status, answer.amount_paid) == ("paid", order.total)
    assert lands_at <= clock.now < lands_at + 0.05
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1
