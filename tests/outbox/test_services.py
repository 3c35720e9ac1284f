"""The outbox: written in the transaction, sent once after it, retried with backoff."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from outbox.models import Email
from outbox.services import enqueue, send, send_due

pytestmark = pytest.mark.django_db
Status = Email.Status


def queue(n: int = 1, **fields) -> list[Email]:
    """n emails in the outbox, as if their transactions had committed (nothing sent yet)."""
    with transaction.atomic():
        rows = [
            enqueue(to=f"shopper{i}@example.com", subject=f"Email {i}", text_body="Hi")
            for i in range(n)
        ]
    if fields:
        Email.objects.filter(pk__in=[r.pk for r in rows]).update(**fields)
    return rows


def row(email: Email) -> Email:
    return Email.objects.get(pk=email.pk)


def test_enqueue_sends_right_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = enqueue(
            to="ada@example.com", subject="Hello", text_body="Plain", html_body="<p>Rich</p>"
        )
        assert mail.outbox == []  # not before the commit
    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == (["ada@example.com"], "Hello", "Plain")
    assert message.alternatives[0] == ("<p>Rich</p>", "text/html")
    email = row(email)
    assert (email.status, email.attempts) == (Status.SENT, 1) and email.sent_at is not None


def test_a_rolled_back_transaction_leaves_no_email(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(to="ada@example.com", subject="Never", text_body="-")
        raise RuntimeError("what the email announces failed")
    assert callbacks == [] and mail.outbox == [] and not Email.objects.exists()


def test_an_smtp_failure_keeps_the_email_pending_with_a_backoff(smtp_down, settings):
    settings.OUTBOX_RETRY_DELAY = 60
    (email,) = queue()
    before = timezone.now()
    assert send(email.pk) == Status.PENDING
    email = row(email)
    assert (email.status, email.attempts) == (Status.PENDING, 1)
    assert "SMTPServerDisconnected" in email.last_error
    assert before + timedelta(seconds=59) < email.next_attempt_at < before + timedelta(seconds=62)


def test_backoff_doubles_until_the_email_is_given_up(smtp_down, settings):
    settings.OUTBOX_RETRY_DELAY, settings.OUTBOX_MAX_ATTEMPTS = 10, 3
    (email,) = queue()
    delays = []
    for _ in range(3):
        start = timezone.now()
        assert send_due()["skipped"] == 0
        email = row(email)
        delays.append(round((email.next_attempt_at - start).total_seconds()))
        Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())  # time passes
    assert delays[:2] == [10, 20]
    assert (email.status, email.attempts) == (Status.FAILED, 3)
    assert send_due() == {}  # a failed email waits for staff
    assert row(email).attempts == 3


def test_send_emails_sends_the_due_emails_once():
    due, later = queue(2)
    Email.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    out = io.StringIO()
    call_command("send_emails", stdout=out)
    call_command("send_emails", stdout=io.StringIO())
    assert [m.subject for m in mail.outbox] == [due.subject]
    assert row(due).status == Status.SENT and row(later).status == Status.PENDING
    assert "1 sent, 0 to retry later, 0 given up" in out.getvalue()


def test_a_claimed_email_is_not_sent_again():
    (email,) = queue()
    assert send(email.pk) == Status.SENT
    assert send(email.pk) is None
    assert len(mail.outbox) == 1


def test_an_email_being_sent_is_left_to_its_sender():
    (email,) = queue(status=Status.SENDING, claimed_at=timezone.now(), attempts=1)
    assert send_due() == {}
    assert mail.outbox == [] and row(email).status == Status.SENDING


def test_send_emails_sends_again_an_email_whose_sender_died(settings):
    settings.OUTBOX_CLAIM_TIMEOUT = 600
    claimed = timezone.now() - timedelta(seconds=601)
    (email,) = queue(status=Status.SENDING, claimed_at=claimed, attempts=1)
    assert send_due()["sent"] == 1
    email = row(email)
    assert (email.status, email.attempts, len(mail.outbox)) == (Status.SENT, 2, 1)


def test_a_dead_senders_email_past_its_attempts_is_failed(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    claimed = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT + 1)
    (email,) = queue(status=Status.SENDING, claimed_at=claimed, attempts=2)
    assert send_due() == {}
    email = row(email)
    assert email.status == Status.FAILED and "stopped" in email.last_error and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        enqueue(to="ada@example.com", subject="Orphan", text_body="-")
    assert not Email.objects.exists()


def test_a_re_sent_row_is_the_same_message_by_its_message_id(mailoutbox):
    with transaction.atomic():
        email = enqueue(to="a@example.com", subject="Hi", text_body="Hello")
    assert send(email.pk) == Status.SENT
    # The row's update was lost (the database went away): the next sender sends it again.
    Email.objects.filter(pk=email.pk).update(status=Status.PENDING)
    assert send(email.pk) == Status.SENT
    expected = f"<outbox-{email.pk}-{int(email.created_at.timestamp())}@example.com>"
    assert [m.message()["Message-ID"] for m in mailoutbox] == [expected, expected]
