"""Order reads, always through the owner, with related rows prefetched."""

from django.db.models import QuerySet

from orders.models import Order
from orders.ownership import Owner
from shop.errors import NotFound


class OrderNotFound(NotFound):
    code, message = "order_not_found", "No such order."


def orders_for(owner: Owner) -> QuerySet[Order]:
    """The owner's orders, newest first, with lines, payments and refunds prefetched."""
    q = owner.orders_q()
    if q is None:
        return Order.objects.none()
    return Order.objects.filter(q).prefetch_related("lines", "payments", "refunds")


def order_for(owner: Owner, *, order_id: int | None = None, number: str | None = None) -> Order:
    """One of the owner's orders (related rows prefetched). Raises OrderNotFound (404) otherwise."""
    lookup = {"pk": order_id} if order_id is not None else {"number": number}
    try:
        return orders_for(owner).get(**lookup)
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def any_order(*, order_id: int | None = None, number: str | None = None) -> Order:
    """Any order, for staff. Raises OrderNotFound (404) if there is none."""
    lookup = {"pk": order_id} if order_id is not None else {"number": number}
    try:
        return Order.objects.prefetch_related("lines", "payments", "refunds").get(**lookup)
    except Order.DoesNotExist:
        raise OrderNotFound() from None
