"""manage.py send_emails: send the outbox's due emails (cron, e.g. every minute)."""

from django.core.management.base import BaseCommand

from outbox.services import send_due


class Command(BaseCommand):
    help = (
        "Send the outbox's due emails, oldest first, and retry those whose sender died. "
        "Safe to run at any time and in parallel: each email is claimed before it is sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many emails.")

    def handle(self, *args, limit: int, **options):
        counts = send_due(limit=limit)
        self.stdout.write(
            f"Emails: {counts['sent']} sent, {counts['pending']} to retry later, "
            f"{counts['failed']} given up, {counts['skipped']} taken by another sender."
        )
