"""The order state machine: the only code that writes Order.status."""

from orders.models import Order, OrderEvent
from shop.errors import Conflict

Status = Order.Status

ALLOWED = {  # target status: statuses it may come from
    Status.PAID: {Status.PENDING},
    Status.SHIPPED: {Status.PAID},
    Status.PARTIALLY_REFUNDED: {Status.PAID, Status.PARTIALLY_REFUNDED},
    Status.REFUNDED: {Status.PAID, Status.PARTIALLY_REFUNDED},
    Status.CANCELLED: {Status.PENDING, Status.PAID, Status.PARTIALLY_REFUNDED},
}

CONFLICT_CODES = {
    Status.PAID: "already_paid",
    Status.SHIPPED: "cannot_ship",
    Status.PARTIALLY_REFUNDED: "cannot_refund",
    Status.REFUNDED: "cannot_refund",
    Status.CANCELLED: "cannot_cancel",
}


class IllegalTransition(Conflict):
    """The order is not in a status that may move to the target status (409)."""

    def __init__(self, order: Order, to: str):
        super().__init__(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot become "
            f"{Status(to).label.lower()}.",
            code=CONFLICT_CODES[to],
            status_now=order.status,
        )


def move(
    order: Order,
    to: str,
    *,
    actor=None,
    actor_label: str = "system",
    note: str = "",
    data: dict | None = None,
    locked: bool = False,
    **fields,
) -> None:
    """Apply a legal transition with a conditional UPDATE and audit it, or raise IllegalTransition.

    Call inside the caller's transaction; `fields` are written in the same UPDATE, and
    `order` is re-read afterwards. `locked=True` says the caller read `order` with
    select_for_update() in this transaction, so it is current: the new status and plain
    `fields` are set on it instead (one read less).
    """
    from_status = order.status
    rows = Order.objects.filter(pk=order.pk, status__in=ALLOWED[to]).update(status=to, **fields)
    if not rows:
        order.refresh_from_db()
        raise IllegalTransition(order, to)
    if locked and not any(hasattr(v, "resolve_expression") for v in fields.values()):
        order.status = to
        for name, value in fields.items():
            setattr(order, name, value)
    else:
        order.refresh_from_db()
    OrderEvent.objects.create(
        order=order,
        actor=actor,
        actor_label=actor_label,
        action=f"status:{to}",
        from_status=from_status,
        to_status=to,
        note=note[:500],
        data=data or {},
    )
