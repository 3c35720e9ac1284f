"""Settling payments whose reply was lost or whose process died (`manage.py reconcile_payments`)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from orders.models import Order, Payment
from orders.payments.charge import OPEN, settle
from orders.payments.errors import GatewayFailed, GatewayTimedOut, NotPayable


def reconcile_payments(*, now=None) -> dict[str, int]:
    """Settle payments whose reply was lost or whose process died, and free orphaned claims."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PAYMENT_CLAIM_TIMEOUT)
    counts = {"paid": 0, "failed": 0, "voided": 0, "errors": 0, "released": 0}
    open_payments = Payment.objects.filter(
        Q(status=Payment.Status.UNKNOWN) | Q(status=Payment.Status.PENDING, created_at__lt=cutoff)
    ).order_by("pk")
    for payment in open_payments:
        try:
            settled = settle(payment)
        except (GatewayFailed, GatewayTimedOut):
            counts["errors"] += 1
        except NotPayable:
            counts["voided"] += 1
        else:
            counts["paid" if settled.status == Payment.Status.SUCCEEDED else "failed"] += 1
    orphans = Order.objects.exclude(payment_claim="").filter(payment_claimed_at__lt=cutoff)
    for order in orphans.order_by("pk"):
        if not Payment.objects.filter(reference=order.payment_claim, status__in=OPEN).exists():
            counts["released"] += Order.objects.filter(
                pk=order.pk, payment_claim=order.payment_claim
            ).update(payment_claim="", payment_claimed_at=None)
    return counts
