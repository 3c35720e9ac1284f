"""Order reads, always through the owner, with related rows prefetched."""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from orders.errors import OrderNotFound
from orders.models import Order, OrderLine, Payment, Refund
from orders.ownership import Owner

RELATED = ("lines", "payments", "refunds")  # what an order is shown with


def orders_for(owner: Owner, *, related: bool = True) -> QuerySet[Order]:
    """The owner's orders, newest first, with lines, payments and refunds prefetched."""
    q = owner.orders_q()
    if q is None:
        return Order.objects.none()
    orders = Order.objects.filter(q)
    return orders.prefetch_related(*RELATED) if related else orders


def order_for(
    owner: Owner, *, order_id: int | None = None, number: str | None = None, related: bool = True
) -> Order:
    """One of the owner's orders (related rows prefetched). Raises OrderNotFound (404) otherwise.

    `related=False` reads the order row alone, for actions that answer with the order as
    it is afterwards (`with_related`): its related rows would be read twice.
    """
    if order_id is None:
        orders = orders_for(owner, related=related).filter(number=number)
    elif (q := owner.order_q(order_id)) is None:
        raise OrderNotFound()
    else:
        orders = Order.objects.filter(q)
        orders = orders.prefetch_related(*RELATED) if related else orders
    try:
        return orders.get()
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def any_order(
    *, order_id: int | None = None, number: str | None = None, related: bool = True
) -> Order:
    """Any order, for staff. Raises OrderNotFound (404) if there is none."""
    lookup = {"pk": order_id} if order_id is not None else {"number": number}
    orders = Order.objects.prefetch_related(*RELATED) if related else Order.objects
    try:
        return orders.get(**lookup)
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def with_related(order: Order) -> Order:
    """The order with its lines, payments and refunds loaded to show it (those not loaded yet).

    One raw() query per relation, in each model's own order: for a single order, building
    and compiling the ORM queries (and prefetch_related()'s machinery) costs several times
    the CPU of running them.
    """
    loaded = getattr(order, "_prefetched_objects_cache", {})
    if all(name in loaded for name in RELATED):
        return order
    rows = {name: loaded[name] if name in loaded else _rows_of(order, name) for name in RELATED}
    return attach_related(order, **rows)


def _rows_of(order: Order, name: str) -> list:
    """`order.<name>.all()` in raw SQL: every column, ordered by the model's Meta.ordering."""
    model = Order._meta.get_field(name).related_model
    quote = connection.ops.quote_name
    order_by = ", ".join(quote(model._meta.get_field(f).column) for f in model._meta.ordering)
    sql = f"SELECT * FROM {quote(model._meta.db_table)} WHERE order_id = %s ORDER BY {order_by}"
    return list(model.objects.raw(sql, [order.pk]))


def attach_related(
    order: Order,
    *,
    lines: Iterable[OrderLine],
    payments: Iterable[Payment] = (),
    refunds: Iterable[Refund] = (),
) -> Order:
    """Attach related rows already in hand as if prefetched: a new order is shown without reads.

    Stores what prefetch_related() stores (a queryset whose results are filled in), so
    `order.lines.all()` and `with_related()` use them instead of querying.
    """
    order._prefetched_objects_cache = {}
    for name, rows in zip(RELATED, (lines, payments, refunds), strict=True):
        rows_qs = getattr(order, name).all()
        rows_qs._result_cache, rows_qs._prefetch_done = list(rows), True
        order._prefetched_objects_cache[name] = rows_qs
    return order
