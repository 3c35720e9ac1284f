"""Helpers for the payment tests: test cards, a paid order, ledger sums."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from orders.models import GatewayCharge, Order
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


def ledger_net() -> Decimal:
    """What the fake gateway holds: charged minus refunded, over every charge."""
    sums = GatewayCharge.objects.aggregate(charged=Sum("amount"), refunded=Sum("refunded"))
    return (sums["charged"] or Decimal(0)) - (sums["refunded"] or Decimal(0))
