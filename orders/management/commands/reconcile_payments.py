"""manage.py reconcile_payments: settle payments whose reply was lost or whose process died."""

from django.core.management.base import BaseCommand

from orders.payments.reconcile import reconcile_payments


class Command(BaseCommand):
    help = (
        "Look up payments with a lost reply (and stale claims) at the gateway by reference: "
        "mark the order paid exactly once if the charge exists, release the claim if not. "
        "Safe to run at any time, e.g. every few minutes from cron."
    )

    def handle(self, *args, **options):
        counts = reconcile_payments()
        self.stdout.write(
            "Reconciled payments: {paid} paid, {failed} failed (no charge), "
            "{voided} voided (order closed), {errors} gateway errors, "
            "{released} orphaned claims released.".format(**counts)
        )
