"""Helpers for the payment tests: test cards, a paid order, a payment in flight, ledger sums."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from orders.models import GatewayCharge, Order, Payment
from orders.payments.cards import fingerprint, idempotency_hash, read_card
from orders.payments.charge import pay

GOOD = "4242424242424242"
DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"
FAILS = "4000000000000119"
LOST_REPLY = "4000000000000259"
NEXT_YEAR = date.today().year + 1


def card(number: str = GOOD, **overrides) -> dict:
    return {"number": number, "exp_month": 12, "exp_year": NEXT_YEAR, "cvv": "123", **overrides}


def paid(order: Order, number: str = GOOD) -> Order:
    """Pay the order through the real service and fake gateway."""
    return pay(order=order, card=card(number))


def open_payment(order: Order, status=Payment.Status.PENDING, *, since=None, key=None) -> Payment:
    """A payment at the gateway since `since` (default now), under the order's claim: claim and
    row written together, as _claim does."""
    when = since or timezone.now()
    reference = f"{order.number}-open"
    Order.objects.filter(pk=order.pk).update(payment_claim=reference, payment_claimed_at=when)
    payment = Payment.objects.create(
        order=order,
        amount=order.total,
        status=status,
        gateway="fake",
        reference=reference,
        card_brand="visa",
        card_last4="4242",
        idempotency_key=idempotency_hash("pay", order.pk, key),
        request_fingerprint=fingerprint(read_card(**card(GOOD))),
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=when)
    order.refresh_from_db()
    return payment


def ledger_net() -> Decimal:
    """What the fake gateway holds: charged minus refunded, over every charge."""
    sums = GatewayCharge.objects.aggregate(charged=Sum("amount"), refunded=Sum("refunded"))
    return (sums["charged"] or Decimal(0)) - (sums["refunded"] or Decimal(0))
