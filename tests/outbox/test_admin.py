"""The outbox in the admin: read-only for staff who may view it; "Retry now" needs change."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from outbox.models import Email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/outbox/email/"


def staff_with(*codenames: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="outbox", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def failed() -> Email:
    return Email.objects.create(
        to="ada@example.com",
        subject="Your order CS-1",
        text_body="Hi",
        status=Email.Status.FAILED,
        attempts=8,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


def retry(client: Client, email: Email):
    return client.post(LIST, {"action": "retry_selected", "_selected_action": [email.pk]})


def test_staff_see_status_recipient_subject_attempts_and_error(failed):
    page = staff_with("view_email").get(LIST).content.decode()
    for text in ["ada@example.com", "Your order CS-1", "Failed", "SMTPServerDisconnected"]:
        assert text in page
    assert "retry_selected" not in page  # the action needs the change permission


def test_an_email_cannot_be_changed_added_or_deleted(failed):
    client = staff_with("view_email", "change_email", "add_email", "delete_email")
    page = client.get(f"{LIST}{failed.pk}/change/").content.decode()
    assert "Your order CS-1" in page and 'name="_save"' not in page
    assert client.post(f"{LIST}{failed.pk}/change/", {"subject": "Changed"}).status_code == 403
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.get(f"{LIST}{failed.pk}/delete/").status_code == 403
    assert Email.objects.get(pk=failed.pk).subject == "Your order CS-1"


def test_retry_now_sends_a_failed_email(failed):
    client = staff_with("view_email", "change_email")
    assert "retry_selected" in client.get(LIST).content.decode()
    response = retry(client, failed)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Email.Status.SENT, 9)
    assert [m.subject for m in mail.outbox] == ["Your order CS-1"]


def test_retry_now_needs_the_change_permission(failed):
    retry(staff_with("view_email"), failed)
    failed.refresh_from_db()
    assert failed.status == Email.Status.FAILED and mail.outbox == []
