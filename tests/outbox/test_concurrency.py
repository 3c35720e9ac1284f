"""Real threads on the file SQLite database: concurrent senders never send one email twice."""

from collections import Counter

import pytest
from django.core import mail

from outbox.models import Email
from outbox.services import send_due
from tests.concurrency import errors, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_senders_send_each_email_exactly_once(settings):
    settings.EMAIL_BACKEND = "tests.outbox.backends.SlowBackend"
    Email.objects.bulk_create(
        Email(to=f"shopper{i}@example.com", subject=f"Email {i}", text_body="Hi") for i in range(20)
    )

    results = run_concurrently(lambda i: send_due(), 4)

    assert errors(results) == []
    assert sum(r["sent"] for r in results) == 20
    assert Counter(m.subject for m in mail.outbox) == {f"Email {i}": 1 for i in range(20)}
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.SENT, 1)}
