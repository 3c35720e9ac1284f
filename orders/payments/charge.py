"""Paying an order exactly once: claim it, charge outside any transaction, record the outcome.

The claim is a conditional UPDATE of `Order.payment_claim` (the new payment's reference),
so concurrent pays cannot both charge. The gateway is called with no transaction open.
A declined or failed charge releases the claim; a lost reply keeps it, and the next pay of
the order or `reconcile_payments` looks the charge up at the gateway by reference.
"""

import time
from contextlib import suppress
from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.throttle import card_failures
from orders.errors import IdempotencyKeyReused
from orders.expiry import expire_if_due
from orders.models import Order, OrderEvent, Payment
from orders.payments.cards import (
    fingerprint,
    idempotency_hash,
    read_card,
)
from orders.payments.emails import queue_payment_receipt
from orders.payments.errors import (
    AlreadyPaid,
    GatewayFailed,
    GatewayTimedOut,
    InvalidCard,
    NotPayable,
    OrderExpired,
    PaymentDeclined,
    PaymentInProgress,
)
from orders.payments.gateway import Charge, GatewayError, GatewayTimeout, get_gateway
from orders.payments.refund import lock_order
from orders.states import move

Status = Order.Status
OPEN = (Payment.Status.PENDING, Payment.Status.UNKNOWN)
PAID_STATUSES = {Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.SHIPPED}


@sensitive_variables()  # never the card in error reports
def pay(
    *,
    order: Order,
    card: dict,
    idempotency_key: str | None = None,
    actor=None,
    actor_label: str = "customer",
) -> Order:
    """Charge the order's total exactly once and mark it paid; returns the order.

    `card` holds the raw number, exp_month, exp_year and cvv. Raises InvalidCard (400),
    PaymentDeclined (402), AlreadyPaid, PaymentInProgress, NotPayable, OrderExpired (409),
    IdempotencyKeyReused (422), Throttled (429), GatewayFailed (502), GatewayTimedOut (504).
    Declined and invalid cards count against the order's failure throttle.
    """
    with card_failures.attempt(order.pk, counts=(InvalidCard, PaymentDeclined)):
        return _pay(order, card, idempotency_key, actor, actor_label)


@sensitive_variables()
def _pay(order: Order, card: dict, idempotency_key, actor, actor_label: str) -> Order:
    details = read_card(**card)
    key = idempotency_hash("pay", order.pk, idempotency_key)
    print_ = fingerprint(details)
    if key and (first := Payment.objects.filter(idempotency_key=key).first()):
        return _replay(first, print_)
    try:
        return _pay_once(order, details, key, print_, actor, actor_label)
    except (PaymentInProgress, AlreadyPaid):
        # A request with the same key may be the one in flight (or done): answer like it.
        if key and (first := _wait_for(key)):
            return _replay(first, print_)
        raise


@sensitive_variables()
def _pay_once(order: Order, details, key, print_: str, actor, actor_label: str) -> Order:
    # The claim's conditional UPDATE checks that the order is payable, so it goes first: only
    # a refused claim needs the order re-read to tell why (one read less per payment).
    payment = _claim(order, details, key, print_) if order.total > 0 else None
    if payment is None:
        _ensure_payable(order)
        if order.payment_claim:
            if _resolve_claim(order):
                return order
            _ensure_payable(order)
        if order.total <= 0:
            return _pay_nothing(order, actor, actor_label)
        payment = _claim(order, details, key, print_)
        if payment is None:  # someone else holds the claim (or just paid)
            _ensure_payable(order)
            raise PaymentInProgress()
    try:
        charge = get_gateway().charge(
            reference=payment.reference,
            amount=payment.amount,
            currency=order.currency,
            card=details,
        )
    except GatewayError:
        _fail(payment, "gateway_error", actor, actor_label)
        raise GatewayFailed() from None
    except GatewayTimeout:
        _mark_unknown(payment, actor, actor_label)
        raise GatewayTimedOut() from None
    if not charge.succeeded:
        _fail(payment, charge.decline_code, actor, actor_label)
        raise PaymentDeclined(charge.decline_code)
    return _succeed(payment, charge, actor, actor_label)


def _ensure_payable(order: Order) -> None:
    order.refresh_from_db()
    if order.status in PAID_STATUSES:
        raise AlreadyPaid(status_now=order.status)
    if order.status != Status.PENDING:
        raise NotPayable(
            f"Order {order.number} is {order.get_status_display().lower()}.",
            status_now=order.status,
        )
    # A claimed order first settles the payment in flight, which may have charged in time.
    if not order.payment_claim and order.expires_at <= timezone.now():
        expire_if_due(order=order)  # lazily cancel it and give its stock back
        raise OrderExpired()


def _claim(order: Order, card, key: str | None, print_: str) -> Payment | None:
    """Take the order's payment claim and open a pending Payment, or None if it is taken."""
    reference = f"{order.number}-{uuid4().hex[:20]}"
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = Order.objects.filter(
                pk=order.pk, status=Status.PENDING, payment_claim="", expires_at__gt=now
            ).update(payment_claim=reference, payment_claimed_at=now)
            if not claimed:
                return None
            return Payment.objects.create(
                order=order,
                amount=order.total,
                gateway=get_gateway().name,
                reference=reference,
                card_brand=card.brand,
                card_last4=card.last4,
                idempotency_key=key,
                request_fingerprint=print_,
            )
    except IntegrityError:  # the same Idempotency-Key won a moment ago; the claim rolled back
        return None


def _wait_for(key: str) -> Payment | None:
    """The payment made under this key, once it has an outcome (waits a little if in flight)."""
    deadline = time.monotonic() + settings.PAYMENT_IDEMPOTENT_WAIT
    while True:
        first = Payment.objects.filter(idempotency_key=key).first()
        if first is None or first.status != Payment.Status.PENDING:
            return first
        if time.monotonic() > deadline:
            raise PaymentInProgress()
        time.sleep(0.05)


def _replay(first: Payment, print_: str) -> Order:
    """Answer a repeated request like the first one (or refuse a different body, 422)."""
    if first.request_fingerprint != print_:
        raise IdempotencyKeyReused()
    if first.status == Payment.Status.PENDING:
        first = _wait_for(first.idempotency_key) if not _is_stale(first.created_at) else first
    if first.status in OPEN:
        first = settle(first)
    if first.status == Payment.Status.SUCCEEDED:
        return Order.objects.get(pk=first.order_id)
    raise _error_for(first.error_code)


def _error_for(code: str) -> Exception:
    if code in PaymentDeclined.MESSAGES:
        return PaymentDeclined(code)
    if code == "order_not_payable":
        return NotPayable()
    return GatewayFailed()


def _is_stale(when) -> bool:
    limit = timezone.now() - timedelta(seconds=settings.PAYMENT_CLAIM_TIMEOUT)
    return when is None or when < limit


def _resolve_claim(order: Order) -> bool:
    """Finish a claim left by a lost reply or a dead process; True if the order is now paid.

    Raises PaymentInProgress if the claim belongs to a charge still in flight.
    """
    payment = Payment.objects.filter(reference=order.payment_claim).first()
    if payment is not None and payment.status in OPEN:
        if payment.status == Payment.Status.PENDING and not _is_stale(order.payment_claimed_at):
            raise PaymentInProgress()
        payment = settle(payment)
        order.refresh_from_db()
        return payment.status == Payment.Status.SUCCEEDED
    # A claim with no open payment behind it (claim and payment are written together): free it.
    Order.objects.filter(pk=order.pk, payment_claim=order.payment_claim).update(
        payment_claim="", payment_claimed_at=None
    )
    order.refresh_from_db()
    return False


def settle(payment: Payment, actor=None, actor_label: str = "system") -> Payment:
    """Decide an open payment by looking its reference up at the gateway."""
    try:
        charge = get_gateway().find_charge(payment.reference)
    except GatewayError:
        raise GatewayFailed() from None
    except GatewayTimeout:
        raise GatewayTimedOut() from None
    if charge is not None and charge.succeeded:
        _succeed(payment, charge, actor, actor_label)
    else:
        _fail(payment, "no_charge", actor, actor_label)
    payment.refresh_from_db()
    return payment


def _succeed(payment: Payment, charge: Charge, actor, actor_label: str) -> Order:
    """Record a charge and mark the order paid, if the order still waits for this payment."""
    with transaction.atomic():
        order = Order.objects.select_for_update(no_key=True).get(pk=payment.order_id)
        ours = order.status == Status.PENDING and order.payment_claim == payment.reference
        if ours and Payment.objects.filter(pk=payment.pk, status__in=OPEN).update(
            status=Payment.Status.SUCCEEDED, gateway_charge_id=charge.charge_id, error_code=""
        ):
            move(
                order,
                Status.PAID,
                actor=actor,
                actor_label=actor_label,
                data=_payment_data(payment, charge_id=charge.charge_id),
                locked=True,
                amount_paid=payment.amount,
                payment_claim="",
                payment_claimed_at=None,
            )
            queue_payment_receipt(order, payment)  # an outbox row: sent right after the commit
            return order
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCEEDED:  # recorded by a concurrent settle
        return Order.objects.get(pk=payment.order_id)
    _void(payment, charge)
    raise NotPayable("This order was closed while it was being paid; the charge was refunded.")


def _void(payment: Payment, charge: Charge) -> None:
    """Give back a charge the order can no longer take (it was cancelled meanwhile)."""
    # A concurrent settle may have voided it already: the ledger then refuses a second refund.
    with suppress(GatewayError, GatewayTimeout):
        get_gateway().refund(
            charge_id=charge.charge_id, amount=charge.amount, reference=f"void-{payment.reference}"
        )
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).exclude(status=Payment.Status.SUCCEEDED).update(
            status=Payment.Status.FAILED,
            error_code="order_not_payable",
            gateway_charge_id=charge.charge_id,
        )
        OrderEvent.objects.create(
            order_id=payment.order_id,
            actor_label="system",
            action="payment_voided",
            data=_payment_data(payment, charge_id=charge.charge_id),
        )


def _fail(payment: Payment, code: str, actor, actor_label: str) -> None:
    """Close an open payment as failed and release the order's claim."""
    with transaction.atomic():
        lock_order(payment.order_id)
        if not Payment.objects.filter(pk=payment.pk, status__in=OPEN).update(
            status=Payment.Status.FAILED, error_code=code
        ):
            return
        Order.objects.filter(pk=payment.order_id, payment_claim=payment.reference).update(
            payment_claim="", payment_claimed_at=None
        )
        OrderEvent.objects.create(
            order_id=payment.order_id,
            actor=actor,
            actor_label=actor_label,
            action="payment_failed",
            note=code,
            data=_payment_data(payment, code=code),
        )


def _mark_unknown(payment: Payment, actor, actor_label: str) -> None:
    """The reply was lost: keep the claim until the charge is looked up (unless a concurrent
    settle has closed the payment meanwhile, and with it the question)."""
    with transaction.atomic():
        if not Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.UNKNOWN, error_code="gateway_timeout"
        ):
            return
        OrderEvent.objects.create(
            order_id=payment.order_id,
            actor=actor,
            actor_label=actor_label,
            action="payment_unknown",
            note="The gateway's reply was lost; the charge will be looked up.",
            data=_payment_data(payment),
        )


def _pay_nothing(order: Order, actor, actor_label: str) -> Order:
    """An order whose total is zero is paid without a charge."""
    with transaction.atomic():
        move(order, Status.PAID, actor=actor, actor_label=actor_label, note="Nothing to charge.")
        queue_payment_receipt(order, None)
    return order


def _payment_data(payment: Payment, **extra) -> dict:
    card = f"{payment.card_brand} {payment.card_last4}".strip()
    return {"reference": payment.reference, "amount": str(payment.amount), "card": card, **extra}
