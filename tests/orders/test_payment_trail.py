"""What every payment and refund path leaves behind: the payment, refund and order rows, the
audit events whole (who, what, note, data) and the gateway calls, and only on its own order.
Written from the survivors of mutation testing (docs/MUTATION.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import ShopError
from orders.errors import OrderBusy
from orders.models import GatewayCharge, Order, OrderEvent, Payment, Refund
from orders.payments.charge import pay, settle
from orders.payments.errors import (
    GatewayFailed,
    GatewayTimedOut,
    NotPayable,
    OrderExpired,
    PaymentDeclined,
    PaymentInProgress,
    RefundExceedsPayment,
)
from orders.payments.gateway import GatewayError, GatewayTimeout, get_gateway
from orders.payments.refund import refund
from orders.services.lifecycle import cancel, ship
from orders.states import move
from outbox.models import Email
from tests.factories import ProductFactory, StaffFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import (
    DECLINED,
    FAILS,
    GOOD,
    LOST_REPLY,
    card,
    open_payment,
    paid,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def order_of(price: str = "10.00", quantity: int = 2) -> Order:
    return place({ProductFactory(price=Decimal(price), stock=10): quantity})


def trail(order: Order, *actions: str) -> list[tuple]:
    """The order's events of these actions, whole, oldest first."""
    events = OrderEvent.objects.filter(order=order, action__in=actions).order_by("id")
    return [(e.action, e.actor, e.actor_label, e.note, e.data) for e in events]


def payment_data(payment: Payment, **extra) -> dict:
    card_ = f"{payment.card_brand} {payment.card_last4}"
    return {"reference": payment.reference, "amount": str(payment.amount), "card": card_, **extra}


def refund_data(record: Refund) -> dict:
    return {"reference": record.reference, "amount": str(record.amount), "restock": record.restock}


class GatewaySpy:
    """Records the gateway's refund calls; `fails` makes them raise instead."""

    def __init__(self, monkeypatch, fails: type[Exception] | None = None):
        self.calls = []
        gateway = type(get_gateway())
        real = gateway.refund

        def refund_(gateway_self, **kwargs):
            self.calls.append(kwargs)
            if fails is not None:
                raise fails(kwargs["reference"])
            return real(gateway_self, **kwargs)

        monkeypatch.setattr(gateway, "refund", refund_)


# Payments


def test_a_declined_payment_is_closed_and_recorded_whole_and_frees_the_claim(staff):
    order = order_of()
    with pytest.raises(PaymentDeclined):
        pay(order=order, card=card(DECLINED), actor=staff, actor_label="staff")
    payment = Payment.objects.get()
    assert (payment.status, payment.error_code) == ("failed", "card_declined")
    assert payment.gateway == get_gateway().name
    order.refresh_from_db()
    assert (order.payment_claim, order.payment_claimed_at) == ("", None)
    assert trail(order, "payment_failed") == [
        (
            "payment_failed",
            staff,
            "staff",
            "card_declined",
            payment_data(payment, code="card_declined"),
        )
    ]


def test_a_lost_reply_is_recorded_whole_and_touches_no_other_payment(staff):
    waiting = order_of()
    other = open_payment(waiting, Payment.Status.PENDING)
    order = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=order, card=card(LOST_REPLY), actor=staff, actor_label="staff")
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.error_code) == ("unknown", "gateway_timeout")
    order.refresh_from_db()  # the claim stays, with its time, until the charge is looked up
    assert order.payment_claim == payment.reference and order.payment_claimed_at is not None
    assert Payment.objects.get(pk=other.pk).status == Payment.Status.PENDING
    note = "The gateway's reply was lost; the charge will be looked up."
    assert trail(order, "payment_unknown") == [
        ("payment_unknown", staff, "staff", note, payment_data(payment))
    ]


def test_settling_a_lost_reply_records_who_settled_it(staff):
    order = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=order, card=card(LOST_REPLY))
    payment = settle(Payment.objects.get(), actor=staff, actor_label="staff")
    order.refresh_from_db()
    assert (order.status, order.amount_paid) == ("paid", Decimal("20.00"))
    assert (order.payment_claim, order.payment_claimed_at) == ("", None)
    charge = GatewayCharge.objects.get()
    assert (payment.status, payment.error_code, payment.gateway_charge_id) == (
        "succeeded",
        "",
        charge.charge_id,
    )
    data = payment_data(payment, charge_id=charge.charge_id)
    assert trail(order, "status:paid") == [("status:paid", staff, "staff", "", data)]
    (receipt,) = Email.objects.filter(subject__startswith="Payment received")
    assert payment.card_last4 in receipt.text_body


def test_settling_a_payment_the_gateway_never_saw_fails_it_as_the_system_by_default(staff):
    order = order_of()
    payment = open_payment(order, Payment.Status.UNKNOWN)
    assert settle(payment).status == Payment.Status.FAILED
    assert trail(order, "payment_failed") == [
        ("payment_failed", None, "system", "no_charge", payment_data(payment, code="no_charge"))
    ]
    other = order_of()
    settle(open_payment(other, Payment.Status.UNKNOWN), actor=staff, actor_label="staff")
    ((_, actor, label, _, _),) = trail(other, "payment_failed")
    assert (actor, label) == (staff, "staff")


@pytest.mark.parametrize("failure", [None, GatewayError, GatewayTimeout])
def test_a_charge_landing_on_a_cancelled_order_is_voided_and_recorded(monkeypatch, failure):
    order = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=order, card=card(LOST_REPLY))
    move(order, Order.Status.CANCELLED, note="closed by hand meanwhile")
    spy = GatewaySpy(monkeypatch, fails=failure)
    payment = Payment.objects.get()
    with pytest.raises(NotPayable) as caught:
        settle(payment)
    assert caught.value.message == (
        "This order was closed while it was being paid; the charge was refunded."
    )
    charge = GatewayCharge.objects.get()
    assert spy.calls == [
        {
            "charge_id": charge.charge_id,
            "amount": charge.amount,
            "reference": f"void-{payment.reference}",
        }
    ]
    payment.refresh_from_db()
    assert (payment.status, payment.error_code, payment.gateway_charge_id) == (
        "failed",
        "order_not_payable",
        charge.charge_id,
    )
    data = payment_data(payment, charge_id=charge.charge_id)
    assert trail(order, "payment_voided") == [("payment_voided", None, "system", "", data)]


def test_a_replay_answers_like_the_first_request():
    voided = order_of()
    with pytest.raises(GatewayTimedOut):
        pay(order=voided, card=card(LOST_REPLY), idempotency_key="k-1")
    move(voided, Order.Status.CANCELLED)
    with pytest.raises(NotPayable):
        settle(Payment.objects.get(order=voided))
    with pytest.raises(NotPayable):
        pay(order=voided, card=card(LOST_REPLY), idempotency_key="k-1")
    failed = order_of()
    for _ in range(2):
        with pytest.raises(GatewayFailed) as caught:
            pay(order=failed, card=card(FAILS), idempotency_key="k-2")
        assert caught.value.code == "gateway_error"
    assert Payment.objects.filter(order=failed).count() == 1


def test_a_replay_waits_for_a_payment_in_flight_and_leaves_it_alone(settings):
    settings.PAYMENT_IDEMPOTENT_WAIT = 0.2
    order = order_of()
    payment = open_payment(order, Payment.Status.PENDING, key="k-1")
    with pytest.raises(PaymentInProgress):
        pay(order=order, card=card(GOOD), idempotency_key="k-1")
    payment.refresh_from_db()
    assert (payment.status, payment.error_code) == ("pending", "")
    assert not OrderEvent.objects.filter(order=order, action="payment_failed").exists()


def test_a_replay_of_a_payment_stale_in_flight_settles_it_at_once(settings):
    settings.PAYMENT_IDEMPOTENT_WAIT = 1  # were it waited for: PaymentInProgress after a second
    order = order_of()
    payment = open_payment(order, since=timezone.now() - timedelta(minutes=60), key="k-1")
    with pytest.raises(GatewayFailed):  # the gateway never saw it: no charge
        pay(order=order, card=card(GOOD), idempotency_key="k-1")
    payment.refresh_from_db()
    assert (payment.status, payment.error_code) == ("failed", "no_charge")


def test_a_stale_claim_without_a_payment_on_an_expired_order_is_freed_when_it_expires():
    order = order_of()
    Order.objects.filter(pk=order.pk).update(
        payment_claim="CS-DEAD-PROCESS",
        payment_claimed_at=timezone.now() - timedelta(hours=2),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    order.refresh_from_db()
    with pytest.raises(OrderExpired):
        pay(order=order, card=card(GOOD))
    order.refresh_from_db()
    assert (order.status, order.payment_claim, order.payment_claimed_at) == ("cancelled", "", None)
    assert not GatewayCharge.objects.exists()


# Refunds


def test_a_refund_the_gateway_refuses_gives_back_exactly_its_amount_and_is_recorded(
    monkeypatch, staff
):
    order = paid(order_of())
    refund(order=order, amount=Decimal("0.10"), actor=staff, actor_label="staff")
    GatewaySpy(monkeypatch, fails=GatewayError)
    with pytest.raises(GatewayFailed) as caught:
        refund(order=order, amount=Decimal("5.00"), actor=staff, actor_label="staff")
    assert caught.value.message == "The payment processor refused the refund; nothing was refunded."
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("0.10"))
    record = Refund.objects.get(status=Refund.Status.FAILED)
    assert trail(order, "refund_failed") == [
        ("refund_failed", staff, "staff", "", refund_data(record))
    ]


def test_a_refund_failing_twice_under_one_key_answers_the_same(monkeypatch):
    order = paid(order_of())
    GatewaySpy(monkeypatch, fails=GatewayError)
    for _ in range(2):
        with pytest.raises(GatewayFailed) as caught:
            refund(order=order, amount=Decimal("5.00"), idempotency_key="r-1")
        assert caught.value.message == (
            "The payment processor refused the refund; nothing was refunded."
        )
    assert Refund.objects.count() == 1


def test_a_refund_whose_reply_is_lost_stays_reserved_and_is_recorded(monkeypatch, staff):
    other = paid(order_of())
    GatewaySpy(monkeypatch, fails=GatewayTimeout)
    with pytest.raises(GatewayTimedOut):
        refund(order=other, amount=Decimal("1.00"), actor=staff, actor_label="staff")
    monkeypatch.undo()
    (lost,) = Refund.objects.filter(order=other)
    assert trail(other, "refund_unknown") == [
        ("refund_unknown", staff, "staff", "", refund_data(lost))
    ]
    order = paid(order_of())
    cancel(order=order)  # another order's refund in flight holds up no one else
    refund(order=paid(order_of()), amount=Decimal("2.00"))
    other.refresh_from_db()
    assert other.amount_refunded == Decimal("1.00")
    assert Refund.objects.get(pk=lost.pk).status == Refund.Status.PENDING


def test_a_refund_is_sent_with_its_reference_and_recorded_whole(monkeypatch, staff):
    order = paid(order_of())
    spy = GatewaySpy(monkeypatch)
    refund(order=order, amount=Decimal("5.00"), reason="Too late", actor=staff, actor_label="staff")
    record = Refund.objects.get()
    payment = Payment.objects.get()
    assert spy.calls == [
        {
            "charge_id": payment.gateway_charge_id,
            "amount": Decimal("5.00"),
            "reference": record.reference,
        }
    ]
    assert record.status == Refund.Status.SUCCEEDED and record.gateway_refund_id.startswith("re_")
    assert trail(order, "status:partially_refunded") == [
        ("status:partially_refunded", staff, "staff", "Too late", refund_data(record))
    ]


def test_a_refund_of_a_shipped_order_is_recorded_as_a_refund_and_it_stays_shipped(staff):
    order = ship(order=paid(order_of()), actor=staff)
    refund(
        order=order,
        amount=Decimal("3.00"),
        reason="Returned one",
        actor=staff,
        actor_label="staff",
        allow_shipped=True,
    )
    record = Refund.objects.get()
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("shipped", Decimal("3.00"))
    assert trail(order, "refund") == [
        ("refund", staff, "staff", "Returned one", refund_data(record))
    ]


def test_cancelling_a_paid_order_refunds_the_rest_as_whoever_cancels(staff):
    order = paid(order_of())
    order = refund(order=order, amount=Decimal("19.60"))  # less than one unit remains
    assert order.amount_refundable == Decimal("0.40")
    cancel(order=order, actor=staff, actor_label="staff", reason="Out of stock")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("cancelled", Decimal("20.00"))
    last = Refund.objects.latest("id")
    assert (last.amount, last.restock, last.reason, last.actor) == (
        Decimal("0.40"),
        False,
        "Out of stock",
        staff,
    )
    assert trail(order, "refund") == [("refund", staff, "staff", "Out of stock", refund_data(last))]


def test_refunding_all_that_remains_of_a_refunded_order_is_refused():
    order = refund(order=paid(order_of()))
    with pytest.raises(RefundExceedsPayment):
        refund(order=order)
    assert Refund.objects.count() == 1


def test_a_cancel_by_default_is_the_customers_and_its_refund_says_why():
    order = paid(order_of())
    cancel(order=order)
    (refunded,) = Refund.objects.all()
    assert refunded.reason == "Order cancelled."
    moved = order.events.latest("id")
    assert (moved.action, moved.actor_label, moved.note) == ("status:cancelled", "customer", "")


def test_a_cancel_with_a_reason_too_long_is_refused_naming_the_field():
    order = order_of()
    with pytest.raises(ShopError) as caught:
        cancel(order=order, reason="x" * 1001)
    assert list(caught.value.fields) == ["reason"]
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_a_cancel_waits_for_a_refund_of_the_rest_still_at_the_gateway(monkeypatch):
    order = paid(order_of("0.50", 1))
    GatewaySpy(monkeypatch, fails=GatewayTimeout)
    with pytest.raises(GatewayTimedOut):
        order = refund(order=order)
    order.refresh_from_db()
    assert order.amount_refundable == 0
    with pytest.raises(OrderBusy) as caught:
        cancel(order=order)
    assert caught.value.code == "cannot_cancel"
    assert Order.objects.get(pk=order.pk).status == "paid"
