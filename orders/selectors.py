"""Order reads through the owner (staff: any order), related rows loaded in one query each."""

from collections.abc import Iterable

from django.db.models import QuerySet, prefetch_related_objects

from orders.errors import OrderNotFound
from orders.models import Order, OrderLine
from orders.ownership import Owner

RELATED = ("lines", "payments", "refunds")  # what an order is shown with


def orders_for(owner: Owner, *, related: bool = True) -> QuerySet[Order]:
    """The owner's orders, newest first, with lines, payments and refunds prefetched."""
    q = owner.orders_q()
    if q is None:
        return Order.objects.none()
    orders = Order.objects.filter(q)
    return orders.prefetch_related(*RELATED) if related else orders


def order_for(owner: Owner, *, order_id: int | None = None, number: str | None = None) -> Order:
    """One of the owner's orders, the row alone. Raises OrderNotFound (404) otherwise.

    Callers that show it load its related rows with `with_related()` once they have acted.
    """
    if order_id is None:
        orders = orders_for(owner, related=False).filter(number=number)
    elif (q := owner.order_q(order_id)) is None:
        raise OrderNotFound()
    else:
        orders = Order.objects.filter(q)
    try:
        return orders.get()
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def any_order(*, order_id: int) -> Order:
    """Any order, the row alone, for staff. Raises OrderNotFound (404) if there is none."""
    try:
        return Order.objects.get(pk=order_id)
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def with_related(order: Order) -> Order:
    """The order with its lines, payments and refunds loaded to show it.

    One query per relation not loaded yet, in each model's Meta.ordering.
    """
    prefetch_related_objects([order], *RELATED)
    return order


def attach_related(order: Order, *, lines: Iterable[OrderLine]) -> Order:
    """Attach a new order's lines, and no payments or refunds, as prefetch_related() does.

    Checkout has the rows in hand: the new order is shown and emailed without reads.
    """
    order._prefetched_objects_cache = {}
    for name, rows in zip(RELATED, (lines, (), ()), strict=True):
        rows_qs = getattr(order, name).all()
        rows_qs._result_cache, rows_qs._prefetch_done = list(rows), True
        order._prefetched_objects_cache[name] = rows_qs
    return order
