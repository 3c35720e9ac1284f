"""Cancel pending orders whose reservation ran out and give their stock back (run from cron)."""

from django.core.management.base import BaseCommand

from orders.expiry import expire_stale


class Command(BaseCommand):
    help = "Cancel unpaid orders past their reservation time and release their stock."

    def handle(self, *args, **options):
        count = expire_stale()
        self.stdout.write(f"Expired {count} order(s).")
