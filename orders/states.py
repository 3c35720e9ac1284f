"""The order state machine: the only code that writes Order.status."""

from orders.errors import IllegalTransition
from orders.models import Order, OrderEvent

Status = Order.Status

ALLOWED = {  # target status: statuses it may come from
    Status.PAID: {Status.PENDING},
    Status.SHIPPED: {Status.PAID},
    Status.PARTIALLY_REFUNDED: {Status.PAID, Status.PARTIALLY_REFUNDED},
    Status.REFUNDED: {Status.PAID, Status.PARTIALLY_REFUNDED},
    Status.CANCELLED: {Status.PENDING, Status.PAID, Status.PARTIALLY_REFUNDED},
}


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
