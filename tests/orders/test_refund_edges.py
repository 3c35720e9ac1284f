"""Refund edges that mutation testing found untested (issue 24): a refused refund fails only
itself; a key that won a moment ago is replayed; the key's stored form; refund_remaining's
defaults; and what "all that remains" answers when another refund's reservation is taken or
given back between the read and the reservation.

The races run in one thread: `meanwhile` runs the other request in the gap between two steps
of the refund service, so each case is deterministic (and runs in the mutation run, which
leaves out the tests racing real threads).
"""

from decimal import Decimal

import pytest

import orders.payments.refund as refunds
from orders.models import GatewayCharge, Order, Refund
from orders.payments.cards import idempotency_hash
from orders.payments.errors import (
    CannotRefund,
    GatewayFailed,
    GatewayTimedOut,
    RefundExceedsPayment,
)
from orders.payments.gateway import GatewayError, GatewayTimeout, get_gateway
from orders.payments.refund import refund, refund_remaining
from outbox.models import Email
from tests.factories import ProductFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

Status = Order.Status


def paid_order() -> Order:
    """An order of 2 × 10.00, paid."""
    return paid(place({ProductFactory(price=Decimal("10.00"), stock=5): 2}))


def next_refund_raises(monkeypatch, error: type[Exception]) -> None:
    """The gateway's next refund raises `error` (refused, or its reply lost); later ones work."""
    gateway = type(get_gateway())
    real = gateway.refund

    def refund_once(self, **kwargs):
        monkeypatch.setattr(gateway, "refund", real)
        raise error(kwargs["reference"])

    monkeypatch.setattr(gateway, "refund", refund_once)


def meanwhile(monkeypatch, step: str, other_request) -> None:
    """Run `other_request` once, just before the refund service's `step` function runs."""
    real = getattr(refunds, step)

    def other_request_first(*args, **kwargs):
        monkeypatch.setattr(refunds, step, real)
        other_request()
        return real(*args, **kwargs)

    monkeypatch.setattr(refunds, step, other_request_first)


def set_refunded(order: Order, amount: str) -> None:
    """Another refund's reservation taken (or given back): the order's amount_refunded."""
    Order.objects.filter(pk=order.pk).update(amount_refunded=Decimal(amount))


def test_a_refund_the_gateway_refuses_fails_only_itself_not_another_orders_refund_in_flight(
    monkeypatch,
):
    other = paid_order()
    next_refund_raises(monkeypatch, GatewayTimeout)
    with pytest.raises(GatewayTimedOut):
        refund(order=other, amount=Decimal("1.00"))
    order = paid_order()
    next_refund_raises(monkeypatch, GatewayError)
    with pytest.raises(GatewayFailed):
        refund(order=order, amount=Decimal("5.00"))
    assert Refund.objects.get(order=order).status == Refund.Status.FAILED
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.00")
    assert Refund.objects.get(order=other).status == Refund.Status.PENDING
    assert Order.objects.get(pk=other.pk).amount_refunded == Decimal("1.00")


def test_a_key_that_won_a_moment_ago_is_answered_like_the_winner_and_refunds_once(monkeypatch):
    order = paid_order()

    def same_key_first():  # between this request's key lookup and its reservation
        refund(order=Order.objects.get(pk=order.pk), amount=Decimal("3.00"), idempotency_key="r-1")

    meanwhile(monkeypatch, "_reserve", same_key_first)
    answer = refund(order=order, amount=Decimal("3.00"), idempotency_key="r-1")
    assert (answer.pk, answer.status, answer.amount_refunded) == (
        order.pk,
        Status.PARTIALLY_REFUNDED,
        Decimal("3.00"),
    )
    (record,) = Refund.objects.all()
    assert (record.amount, record.status) == (Decimal("3.00"), Refund.Status.SUCCEEDED)
    assert GatewayCharge.objects.get().refunded == Decimal("3.00")
    assert Email.objects.filter(subject__startswith="Refund of").count() == 1


def test_a_refund_key_is_stored_hashed_in_the_refund_scope_of_its_order():
    # The stored form outlives a release: a retry after a deploy must find the refund it made.
    order = paid_order()
    refund(order=order, amount=Decimal("1.00"), idempotency_key="r-1")
    assert Refund.objects.get().idempotency_key == idempotency_hash("refund", order.pk, "r-1")


def test_refund_remaining_by_default_is_the_systems_with_no_reason():
    order = paid_order()
    record = Refund.objects.get(pk=refund_remaining(order=order).pk)
    assert (record.amount, record.reason, record.actor, record.status) == (
        Decimal("20.00"),
        "",
        None,
        Refund.Status.SUCCEEDED,
    )
    order.refresh_from_db()  # the caller (a cancel) moves the status
    assert (order.status, order.amount_refunded) == (Status.PAID, Decimal("20.00"))
    event = order.events.latest("id")
    assert (event.action, event.actor, event.actor_label, event.note) == (
        "refund",
        None,
        "system",
        "",
    )


def test_all_that_remains_is_read_again_when_a_reservation_comes_back_meanwhile(monkeypatch):
    order = paid_order()
    set_refunded(order, "5.00")  # a 5.00 refund at the gateway: 15.00 remain when read
    meanwhile(monkeypatch, "_reserve_exactly", lambda: set_refunded(order, "0.00"))  # refused
    order = refund(order=order)  # all that remains: 15.00 read, 20.00 by the reservation
    assert (order.status, order.amount_refunded) == (Status.REFUNDED, Decimal("20.00"))
    (record,) = Refund.objects.all()
    assert record.amount == GatewayCharge.objects.get().refunded == Decimal("20.00")


def test_a_refusal_of_all_that_remains_says_what_remains_now(monkeypatch):
    order = refund(order=paid_order(), amount=Decimal("5.00"))
    set_refunded(order, "20.00")  # the other 15.00 at the gateway: nothing remains when read
    meanwhile(monkeypatch, "_refusal", lambda: set_refunded(order, "5.00"))  # refused meanwhile
    with pytest.raises(RefundExceedsPayment) as caught:
        refund(order=order)
    assert caught.value.message == "At most 15.00 USD remains to refund."
    assert caught.value.extra == {"remaining": Decimal("15.00")}
    assert Refund.objects.count() == 1 and GatewayCharge.objects.get().refunded == Decimal("5.00")


def test_all_of_an_order_paid_meanwhile_is_refused_as_it_is_now_never_for_a_restock(monkeypatch):
    order = place({ProductFactory(price=Decimal("10.00"), stock=5): 2})
    meanwhile(monkeypatch, "_refusal", lambda: paid(Order.objects.get(pk=order.pk)))
    with pytest.raises(CannotRefund) as caught:
        refund(order=order)  # read unpaid: nothing to refund; paid before the refusal
    assert caught.value.extra == {"status_now": "paid"}
    order.refresh_from_db()
    assert (order.status, order.amount_paid, order.amount_refunded) == (
        Status.PAID,
        Decimal("20.00"),
        Decimal("0.00"),
    )
    assert not Refund.objects.exists()


def test_refund_remaining_of_an_order_with_nothing_left_reads_it_once_and_does_nothing(
    django_assert_num_queries,
):
    order = refund(order=paid_order())
    with django_assert_num_queries(1):  # the order, read again: nothing remains, so no refund
        assert refund_remaining(order=order) is None
    assert Refund.objects.count() == 1 and GatewayCharge.objects.get().refunded == Decimal("20.00")
