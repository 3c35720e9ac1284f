"""Unpaid orders whose reservation ran out: cancelled, their stock and coupon given back."""

from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.states import move
from orders.stock import give_coupon_back, release_stock

Status = Order.Status


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
        give_coupon_back(order)  # the coupon row before product rows, as checkout locks them
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
