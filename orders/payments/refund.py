"""Refunds that never exceed payments: reserve the amount, call the gateway, record.

The amount is reserved on the order with a conditional UPDATE before the gateway is
called (outside any transaction), so concurrent refunds can never sum past the amount
paid; a refund the gateway refuses gives its reservation back.
"""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Round
from django.utils import timezone

from core.errors import ShopError
from orders.errors import IdempotencyKeyReused
from orders.models import Order, OrderEvent, Payment, Refund
from orders.payments.cards import idempotency_hash, request_hash
from orders.payments.emails import queue_refund_email
from orders.payments.errors import (
    CannotRefund,
    GatewayFailed,
    GatewayTimedOut,
    InvalidRestock,
    NotPaid,
    RefundExceedsPayment,
)
from orders.payments.gateway import GatewayError, GatewayTimeout, get_gateway
from orders.states import move
from orders.stock import release_stock

Status = Order.Status
# Before it ships, an order's owner may refund it, and a cancel refunds all that remains.
NOT_SHIPPED = (Status.PAID, Status.PARTIALLY_REFUNDED)
# Staff may refund a shipped order (a return); it stays shipped, with its amount_refunded.
REFUNDABLE = (*NOT_SHIPPED, Status.SHIPPED)
RETRIES = 5  # "all that remains" is re-read when a concurrent refund took part of it


def refund(
    *,
    order: Order,
    amount: Decimal | None = None,
    restock: bool = False,
    reason: str = "",
    actor=None,
    actor_label: str = "customer",
    idempotency_key: str | None = None,
    allow_shipped: bool = False,
) -> Order:
    """Refund `amount` (default: all that remains) of the order's payment; returns the order.

    `restock` puts the not yet restocked units back on the shelf, and is allowed only
    when this refund leaves nothing to refund; only staff refund shipped orders
    (`allow_shipped`), which stay shipped. Raises NotPaid, RefundExceedsPayment,
    CannotRefund, InvalidRestock (409), IdempotencyKeyReused (422), GatewayFailed (502),
    GatewayTimedOut (504).
    """
    key = idempotency_hash("refund", order.pk, idempotency_key)
    print_ = request_hash(amount=amount, restock=restock, reason=reason)
    if key and (first := Refund.objects.filter(idempotency_key=key).first()):
        return _replay(first, print_)
    statuses = REFUNDABLE if allow_shipped else NOT_SHIPPED
    fields = dict(statuses=statuses, reason=reason, restock=restock, actor=actor)
    try:
        record = _reserve(order, amount, key=key, print_=print_, **fields)
    except IntegrityError:  # the same Idempotency-Key won a moment ago
        if key is None:
            raise
        return _replay(Refund.objects.get(idempotency_key=key), print_)
    return _execute(record, actor, actor_label, set_status=True)


def refund_remaining(
    *, order: Order, actor=None, actor_label: str = "system", reason: str = ""
) -> Refund | None:
    """Refund all that remains before a cancel; the caller moves the status (to cancelled).

    The reservation's conditional UPDATE takes the money only from an order that may still
    be cancelled (paid or partially refunded): never from one shipped meanwhile. Returns the
    refund, or None if nothing remained or the order can no longer be cancelled (the
    caller's cancel then refuses it). Raises GatewayFailed/GatewayTimedOut.
    """
    order.refresh_from_db()
    if order.amount_refundable <= 0:
        return None
    fields = dict(statuses=NOT_SHIPPED, reason=reason, restock=False, actor=actor)
    try:
        record = _reserve(order, None, key=None, print_="", **fields)
    except (RefundExceedsPayment, NotPaid, CannotRefund):
        return None  # a concurrent refund took the rest, or the order shipped or closed
    _execute(record, actor, actor_label, set_status=False)
    return record


def refund_in_flight(order_id: int) -> bool:
    """Whether a refund of the order is at the gateway now (reserved, outcome not recorded).

    One pending for longer than PAYMENT_CLAIM_TIMEOUT lost its reply: it stays reserved
    (never over-refund) for staff to check, and no longer holds the order up.
    """
    since = timezone.now() - timedelta(seconds=settings.PAYMENT_CLAIM_TIMEOUT)
    pending = Refund.objects.filter(order_id=order_id, status=Refund.Status.PENDING)
    return pending.filter(created_at__gt=since).exists()


def _replay(first: Refund, print_: str) -> Order:
    if first.request_fingerprint != print_:
        raise IdempotencyKeyReused()
    if first.status == Refund.Status.FAILED:
        raise GatewayFailed("The payment processor refused the refund; nothing was refunded.")
    return Order.objects.get(pk=first.order_id)


def _reserve(order: Order, amount: Decimal | None, **fields) -> Refund:
    """Add the amount to the order's amount_refunded if it fits, and open a pending Refund."""
    for _ in range(RETRIES):
        wanted = amount
        if wanted is None:  # all that remains, taken exactly
            order.refresh_from_db()
            wanted = order.amount_refundable
            if wanted <= 0:
                raise _refusal(order, order.amount_paid or Decimal("0.01"), False)
        try:
            return _reserve_exactly(order, wanted, exact=amount is None, **fields)
        except RefundExceedsPayment:
            if amount is not None:
                raise
    raise RefundExceedsPayment()


def _reserve_exactly(
    order: Order, amount: Decimal, *, exact: bool, statuses, reason, restock, actor, key, print_
) -> Refund:
    left = Round(F("amount_paid") - F("amount_refunded"), 2)
    fits = {"left": Value(amount)} if exact or restock else {"left__gte": Value(amount)}
    with transaction.atomic():
        rows = (
            Order.objects.alias(left=left)
            .filter(pk=order.pk, status__in=statuses, amount_paid__gt=0, **fits)
            .update(amount_refunded=Round(F("amount_refunded") + Value(amount), 2))
        )
        if not rows:
            raise _refusal(order, amount, restock, exact=exact)
        payment = Payment.objects.get(order_id=order.pk, status=Payment.Status.SUCCEEDED)
        return Refund.objects.create(
            order_id=order.pk,
            payment=payment,
            amount=amount,
            reference=f"{order.number}-r{uuid4().hex[:20]}",
            reason=reason,
            restock=restock,
            actor=actor,
            idempotency_key=key,
            request_fingerprint=print_,
        )


def _refusal(order: Order, amount: Decimal, restock: bool, *, exact: bool = False) -> ShopError:
    """Why a reservation did not fit, read from the order as it is now. All that remains
    (`exact`) having changed meanwhile is RefundExceedsPayment, which `_reserve` reads again."""
    order.refresh_from_db()
    if order.amount_paid <= 0:
        return NotPaid(status_now=order.status)
    left = order.amount_refundable
    if amount > left or (exact and amount != left):
        return RefundExceedsPayment(
            f"At most {left} {order.currency} remains to refund.", remaining=left
        )
    if restock and amount != left:
        return InvalidRestock(remaining=left)
    return CannotRefund(status_now=order.status)


def _execute(record: Refund, actor, actor_label: str, *, set_status: bool) -> Order:
    """Send a reserved refund to the gateway and record the outcome."""
    payment = record.payment
    try:
        refund_id = get_gateway().refund(
            charge_id=payment.gateway_charge_id, amount=record.amount, reference=record.reference
        )
    except GatewayError:
        _give_back(record, actor, actor_label)
        raise GatewayFailed(
            "The payment processor refused the refund; nothing was refunded."
        ) from None
    except GatewayTimeout:
        # It may have happened: keep the amount reserved (never over-refund) for staff to check.
        OrderEvent.objects.create(
            order_id=record.order_id,
            actor=actor,
            actor_label=actor_label,
            action="refund_unknown",
            data=_refund_data(record),
        )
        raise GatewayTimedOut() from None
    with transaction.atomic():
        # The order row first, then the refund: the same lock order as a reservation.
        order = Order.objects.select_for_update(no_key=True).get(pk=record.order_id)
        Refund.objects.filter(pk=record.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUCCEEDED, gateway_refund_id=refund_id
        )
        done = sum(
            r.amount for r in order.refunds.filter(status=Refund.Status.SUCCEEDED).only("amount")
        )
        audit = dict(actor=actor, actor_label=actor_label, note=record.reason)
        if set_status and order.status in (Status.PAID, Status.PARTIALLY_REFUNDED):
            full = done >= order.amount_paid
            to = Status.REFUNDED if full else Status.PARTIALLY_REFUNDED
            move(order, to, data=_refund_data(record), locked=True, **audit)
        else:
            OrderEvent.objects.create(
                order=order, action="refund", data=_refund_data(record), **audit
            )
        if record.restock:
            release_stock(order)
        queue_refund_email(record, order)  # an outbox row: sent right after the commit
    return order


def _give_back(record: Refund, actor, actor_label: str) -> None:
    """The gateway refused: return the reserved amount and close the refund as failed."""
    with transaction.atomic():
        lock_order(record.order_id)
        if not Refund.objects.filter(pk=record.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED
        ):
            return
        Order.objects.filter(pk=record.order_id).update(
            amount_refunded=Round(F("amount_refunded") - Value(record.amount), 2)
        )
        OrderEvent.objects.create(
            order_id=record.order_id,
            actor=actor,
            actor_label=actor_label,
            action="refund_failed",
            data=_refund_data(record),
        )


def lock_order(order_id: int) -> None:
    """Lock the order row (PostgreSQL) before the rows that hang off it, like every writer."""
    Order.objects.select_for_update(no_key=True).only("pk").get(pk=order_id)


def _refund_data(record: Refund) -> dict:
    return {"reference": record.reference, "amount": str(record.amount), "restock": record.restock}
