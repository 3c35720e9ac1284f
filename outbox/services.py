"""Queue emails in the caller's transaction; send each one once, with retries and backoff.

A row is claimed with a conditional UPDATE (pending → sending, with `claimed_at`) before
its message goes to the email backend, so two senders (the send right after commit,
`manage.py send_emails`, a second cron) never send one row twice. A failed send goes back
to pending with an exponential backoff; after OUTBOX_MAX_ATTEMPTS the row is failed, for
staff to retry from the admin. A claim older than OUTBOX_CLAIM_TIMEOUT (its sender died)
is released and sent again: delivery is at least once, so a duplicate needs a process to
die between the mail server accepting a message and the row being marked sent.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox.models import Email

log = logging.getLogger(__name__)
Status = Email.Status
STALE_CLAIM = "Its sender stopped before recording the outcome."


def enqueue(
    *, to: str, subject: str, text_body: str, html_body: str = "", headers: dict | None = None
) -> Email:
    """Write an email to the outbox inside the caller's transaction and send it right after
    the commit (`send_emails` retries it if that fails). A rollback queues nothing.
    `headers` are extra message headers (e.g. List-Unsubscribe)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() belongs inside the transaction of what the email announces.")
    email = Email.objects.create(
        to=to, subject=subject, text_body=text_body, html_body=html_body, headers=headers or {}
    )
    # A lambda, not functools.partial: Django logs a failed robust hook by its __qualname__.
    transaction.on_commit(lambda: send(email.pk), robust=True)
    return email


def message_id(email: Email) -> str:
    """The stable Message-ID of an outbox row."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<outbox-{email.pk}-{int(email.created_at.timestamp())}@{domain}>"


def send(pk: int) -> str | None:
    """Claim one due email and send it; "sent", "pending" (retried later) or "failed", or None
    if it is not due or another sender holds it. A mail server's failure never raises."""
    now = timezone.now()
    claimed = Email.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    email = Email.objects.get(pk=pk)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        # One Message-ID per row: a re-send (the database lost between the mail server's
        # acceptance and the row's update) is the same message, which mail clients show once.
        headers={**email.headers, "Message-ID": message_id(email)},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send()
    except Exception as err:  # whatever the backend raises, the row keeps the email
        return _failed(email, err)
    # Only our claim: a sender that outlived OUTBOX_CLAIM_TIMEOUT still records its success.
    Email.objects.filter(pk=pk, claimed_at=email.claimed_at).update(
        status=Status.SENT, sent_at=timezone.now()
    )
    return Status.SENT


def send_due(*, limit: int = 500) -> Counter:
    """Release stale claims, then send up to `limit` due emails, oldest first; counts of
    the outcomes ("sent", "pending", "failed", and "skipped": taken by another sender)."""
    now = timezone.now()
    _release_stale_claims(now)
    due = Email.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    return _send_each(list(due.values_list("pk", flat=True)[:limit]))


def retry_now(*, pks: Iterable[int]) -> Counter:
    """Make these pending or failed emails due now and send them (one more attempt each)."""
    pks = list(pks)
    Email.objects.filter(pk__in=pks, status__in=(Status.PENDING, Status.FAILED)).update(
        status=Status.PENDING, next_attempt_at=timezone.now()
    )
    return _send_each(sorted(pks))


def _send_each(pks: list[int]) -> Counter:
    return Counter(send(pk) or "skipped" for pk in pks)


def _failed(email: Email, err: Exception) -> str:
    """Put a failed email back for a later attempt (backoff doubling), or give it up."""
    error = f"{type(err).__name__}: {err}"[:2000]
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status, next_at = Status.FAILED, email.next_attempt_at
        log.error("Email %s failed %d times, giving up: %s", email.pk, email.attempts, error)
    else:
        delay = settings.OUTBOX_RETRY_DELAY * 2 ** (email.attempts - 1)
        status, next_at = Status.PENDING, timezone.now() + timedelta(seconds=delay)
        log.warning(
            "Email %s failed (attempt %d), retry in %ss: %s", email.pk, email.attempts, delay, error
        )
    Email.objects.filter(pk=email.pk, claimed_at=email.claimed_at).update(
        status=status, next_attempt_at=next_at, last_error=error
    )
    return status


def _release_stale_claims(now: datetime) -> None:
    """Claims older than OUTBOX_CLAIM_TIMEOUT belong to dead senders: send those again."""
    cutoff = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    stale = Email.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    stale.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error=STALE_CLAIM
    )
    stale.update(status=Status.PENDING, next_attempt_at=now, last_error=STALE_CLAIM)
