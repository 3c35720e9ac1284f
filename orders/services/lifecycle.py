"""After checkout: cancel, ship and expire orders, giving reserved stock back exactly once."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cart.models import Coupon
from catalog.models import Product
from orders.address import REASON_MAX, invalid, text_problem
from orders.models import Order, OrderLine
from orders.services.states import ALLOWED, IllegalTransition, move
from shop.errors import Conflict

Status = Order.Status

# A paid order's money goes back before the order is cancelled.
REFUND_FIRST = {Status.PAID, Status.PARTIALLY_REFUNDED}


class OrderBusy(Conflict):
    message = "A payment or refund of this order is under way; try again in a moment."


def release_stock(order: Order) -> bool:
    """Give the order's reserved units back to stock, exactly once; False if already released.

    The `stock_released` flip is a conditional UPDATE, so concurrent callers cannot both
    release; units a refund already restocked (`OrderLine.restocked`) are not given twice.
    """
    with transaction.atomic():
        if not Order.objects.filter(pk=order.pk, stock_released=False).update(stock_released=True):
            return False
        order.stock_released = True
        lines = OrderLine.objects.select_for_update().filter(order=order, product__isnull=False)
        for line in sorted(lines, key=lambda ln: (ln.product_id, ln.pk)):
            units = line.quantity - line.restocked
            if units > 0:
                OrderLine.objects.filter(pk=line.pk).update(restocked=F("quantity"))
                Product.objects.filter(pk=line.product_id).update(stock=F("stock") + units)
    return True


def _give_coupon_back(order: Order) -> None:
    """A cancelled order did not use its coupon: count the use off (called once per cancel)."""
    if order.coupon_id:
        Coupon.objects.filter(pk=order.coupon_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )


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
    try:
        from orders.services.payments import refund_remaining
    except ImportError:
        raise Conflict(
            f"Order {order.number} is paid: refund it before cancelling.", code="cannot_cancel"
        ) from None
    # Outside any transaction: the gateway is called in there.
    refund_remaining(order=order, actor=actor, actor_label=actor_label, reason=reason)
    order.refresh_from_db()


def cancel(*, order: Order, actor=None, actor_label: str = "customer", reason: str = "") -> Order:
    """Cancel an order and restock it; a paid order is refunded in full first.

    Raises IllegalTransition (409 cannot_cancel) for shipped, refunded or cancelled orders.
    """
    reason = reason.strip()
    if problem := text_problem(reason, REASON_MAX, required=False):
        raise invalid({"reason": [problem]})
    if order.status not in ALLOWED[Status.CANCELLED]:
        raise IllegalTransition(order, Status.CANCELLED)
    if order.status in REFUND_FIRST and order.amount_refundable > 0:
        _refund_before_cancel(order, actor, actor_label, reason or "Order cancelled.")
    with transaction.atomic():
        # Nothing may be left to refund: an order paid since the check above is refused.
        _hold(order, Status.CANCELLED, amount_refunded=F("amount_paid"))
        move(order, Status.CANCELLED, actor=actor, actor_label=actor_label, note=reason)
        _give_coupon_back(order)  # the coupon row before product rows, as checkout locks them
        release_stock(order)
    return order


def ship(*, order: Order, actor=None, actor_label: str = "staff", note: str = "") -> Order:
    """Mark a paid order shipped. Raises IllegalTransition (409 cannot_ship) otherwise."""
    with transaction.atomic():
        _hold(order, Status.SHIPPED, amount_refunded=0)
        move(order, Status.SHIPPED, actor=actor, actor_label=actor_label, note=note)
    return order


def is_due(order: Order, now=None) -> bool:
    """Whether a pending order's reservation has run out."""
    return order.status == Status.PENDING and order.expires_at <= (now or timezone.now())


def expire(*, order: Order, now=None) -> bool:
    """Cancel one pending order whose reservation ran out and restock it; False if not due.

    An order with a payment in flight is left alone (the payment decides its fate).
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = Order.objects.filter(
            pk=order.pk, status=Status.PENDING, payment_claim="", expires_at__lte=now
        ).update(updated_at=now)
        if not rows:
            return False
        move(
            order,
            Status.CANCELLED,
            actor_label="system",
            note="Reservation expired: the order was not paid in time.",
            data={"reason": "expired"},
        )
        _give_coupon_back(order)  # the coupon row before product rows, as checkout locks them
        release_stock(order)
    return True


def expire_if_due(*, order: Order) -> bool:
    """Lazy expiry when an order is read or acted upon; True if it was just cancelled."""
    return is_due(order) and expire(order=order)


def expire_stale(*, now=None, orders=None) -> int:
    """Expire every due pending order (or only those in `orders`), one transaction each."""
    now = now or timezone.now()
    due = (orders if orders is not None else Order.objects.all()).filter(
        status=Status.PENDING, expires_at__lte=now, payment_claim=""
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    return sum(expire(order=order, now=now) for order in Order.objects.filter(pk__in=ids))
