"""After checkout: cancel (refunding a paid order first) and ship."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.address import REASON_MAX, invalid, text_problem
from orders.errors import OrderBusy
from orders.models import Order
from orders.payments.refund import refund_in_flight, refund_remaining
from orders.states import ALLOWED, IllegalTransition, move
from orders.stock import give_coupon_back, release_stock

Status = Order.Status

# A paid order's money goes back before the order is cancelled.
REFUND_FIRST = {Status.PAID, Status.PARTIALLY_REFUNDED}


def _hold(order: Order, to: str, **conditions) -> None:
    """Lock the order row (on PostgreSQL) if it may move to `to` with no payment in flight.

    Raises OrderBusy or IllegalTransition. The conditional UPDATE re-checks the
    row after any concurrent writer commits, so a charge claimed meanwhile is never missed.
    """
    rows = Order.objects.filter(
        pk=order.pk, status__in=ALLOWED[to], payment_claim="", **conditions
    ).update(updated_at=timezone.now())
    if not rows:
        order.refresh_from_db()
        if order.status not in ALLOWED[to]:
            raise IllegalTransition(order, to)
        raise OrderBusy(code=IllegalTransition(order, to).code)


def _refund_before_cancel(order: Order, actor, actor_label: str, reason: str) -> None:
    """The hook into payments: refund all that remains, leaving the status to cancel()."""
    if refund_in_flight(order.pk):  # its outcome decides what remains: wait for it
        raise OrderBusy(code="cannot_cancel")
    # Outside any transaction: the gateway is called in there. The reservation re-checks
    # the status, so an order shipped since it was read is not refunded.
    refund_remaining(order=order, actor=actor, actor_label=actor_label, reason=reason)
    order.refresh_from_db()


def cancel(*, order: Order, actor=None, actor_label: str = "customer", reason: str = "") -> Order:
    """Cancel an order and restock it; a paid order is refunded in full first.

    Raises IllegalTransition (409 cannot_cancel) for shipped, refunded or cancelled orders
    (also when staff shipped it since `order` was read), OrderBusy (409 cannot_cancel) while
    a payment or another refund of it is in flight.
    """
    reason = reason.strip()
    if problem := text_problem(reason, REASON_MAX, required=False):
        raise invalid({"reason": [problem]})
    if order.status not in ALLOWED[Status.CANCELLED]:
        raise IllegalTransition(order, Status.CANCELLED)
    if order.status in REFUND_FIRST and order.amount_refundable > 0:
        _refund_before_cancel(order, actor, actor_label, reason or "Order cancelled.")
    try:
        with transaction.atomic():
            # Nothing may be left to refund: an order paid since the check above is refused.
            _hold(order, Status.CANCELLED, amount_refunded=F("amount_paid"))
            move(order, Status.CANCELLED, actor=actor, actor_label=actor_label, note=reason)
            # Under the row lock: a refund still at the gateway may fail and give its
            # reservation back, so it must not count as refunded yet.
            if order.amount_paid > 0 and refund_in_flight(order.pk):
                raise OrderBusy(code="cannot_cancel")  # rolls the cancel back
            give_coupon_back(order)  # the coupon row before product rows, as checkout does
            release_stock(order)
    except OrderBusy:
        order.refresh_from_db()
        raise
    return order


def ship(*, order: Order, actor=None, actor_label: str = "staff", note: str = "") -> Order:
    """Mark a paid order shipped. Raises IllegalTransition (409 cannot_ship) otherwise."""
    with transaction.atomic():
        _hold(order, Status.SHIPPED, amount_refunded=0)
        move(order, Status.SHIPPED, actor=actor, actor_label=actor_label, note=note)
    return order
