"""Verifying an address: the signed link (page and API), the reminder and its throttles."""

import time
from unittest import mock

import pytest
from django.test import Client

from accounts.models import User
from accounts.verification import make_token
from outbox.models import Email
from tests.accounts.emails import emails_to, link_in
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

VERIFY, RESEND = "/api/auth/verify-email", "/api/auth/verify-email/resend"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def registered(api_client):
    """A new account and the path and token of the link its verification email carries."""
    api_client.post(
        "/api/auth/register", {"email": "new@example.com", "password": "a-long-passphrase-9"}
    )
    path, token = link_in(emails_to("new@example.com")[0])
    return User.objects.get(email="new@example.com"), path, token


def _verified(user) -> bool:
    user.refresh_from_db()
    return user.email_verified


def test_opening_the_link_shows_a_button_and_verifies_nothing(client, registered):
    user, path, _ = registered

    response = client.get(path)

    assert response.status_code == 200
    assert b"Confirm new@example.com</button>" in response.content
    assert not _verified(user)


def test_posting_the_confirmation_verifies_the_address(client, registered):
    user, path, _ = registered

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert _verified(user)
    assert "new@example.com is confirmed" in client.get("/account/login/").content.decode()


def test_a_signed_in_owner_goes_back_to_the_account_page_which_shows_it(client, registered):
    user, path, _ = registered
    client.force_login(user)
    before = client.get("/account/").content.decode()

    response = client.post(path)

    assert response["Location"] == "/account/"
    after = client.get("/account/").content.decode()
    assert 'data-testid="email-state">not confirmed yet' in before
    assert 'data-testid="email-state">confirmed' in after


def test_the_api_verifies_with_the_token_and_me_says_so(api_client, registered):
    user, _, token = registered

    response = api_client.post(VERIFY, {"token": token})

    assert response.status_code == 200
    assert response.json() == {"email": "new@example.com", "email_verified": True}
    assert _verified(user)
    api_client.force_login(user)
    assert api_client.get("/api/auth/me").json()["email_verified"] is True


def test_a_used_link_is_harmless(api_client, registered):
    user, _, token = registered
    api_client.post(VERIFY, {"token": token})
    first = User.objects.get(pk=user.pk).email_verified_at

    again = api_client.post(VERIFY, {"token": token})

    assert again.status_code == 200
    assert User.objects.get(pk=user.pk).email_verified_at == first


def test_an_expired_link_is_refused(api_client, client, registered, settings):
    user, path, token = registered
    later = time.time() + settings.EMAIL_LINK_MAX_AGE + 5

    with mock.patch("django.core.signing.time.time", return_value=later):
        api = api_client.post(VERIFY, {"token": token})
        page = client.post(path)

    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_link"
    assert page.status_code == 400
    assert b"invalid or has expired" in page.content
    assert not _verified(user)


def test_a_link_still_works_just_before_it_expires(api_client, registered, settings):
    user, _, token = registered
    later = time.time() + settings.EMAIL_LINK_MAX_AGE - 60

    with mock.patch("django.core.signing.time.time", return_value=later):
        assert api_client.post(VERIFY, {"token": token}).status_code == 200

    assert _verified(user)


@pytest.mark.parametrize(
    "change",
    [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x" + t, lambda t: "nope"],
)
def test_a_tampered_link_is_refused(api_client, client, registered, change):
    user, _, token = registered

    api = api_client.post(VERIFY, {"token": change(token)})
    page = client.get(f"/account/verify/{change(token)}/")

    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_link"
    assert page.status_code == 400
    assert not _verified(user)


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(api_client, user):
    token = make_token(user)
    User.objects.filter(pk=user.pk).update(email="renamed@example.com")

    response = api_client.post(VERIFY, {"token": token})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_link"
    assert not _verified(user)


def test_a_link_of_another_user_verifies_only_that_user(api_client, user, registered):
    other, _, token = registered

    api_client.force_login(user)
    api_client.post(VERIFY, {"token": token})

    assert _verified(other) and not _verified(user)


# The reminder.


def test_a_signed_in_unverified_user_sees_the_reminder_on_every_page(user_client, user):
    html = user_client.get("/").content.decode()

    assert f"Confirm your email address: we sent a link to {user.email}." in html
    assert 'action="/account/verify/resend/"' in html


def test_verified_users_and_guests_see_no_reminder(client, user):
    assert b"verify-reminder" not in client.get("/").content
    User.objects.filter(pk=user.pk).update(email_verified_at="2026-01-01T00:00Z")
    client.force_login(user)
    assert b"verify-reminder" not in client.get("/").content


def test_send_it_again_queues_a_new_link_and_comes_back(user_client, user):
    response = user_client.post(
        "/account/verify/resend/",
        "next=/cart/",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    [email] = emails_to(user.email)
    _, token = link_in(email)
    assert ApiClient().post(VERIFY, {"token": token}).status_code == 200
    assert _verified(user)
    page = user_client.get("/cart/").content.decode()
    assert f"We sent a new link to {user.email}." in page
    assert "verify-reminder" not in page


def test_send_it_again_is_throttled_per_account(user_client, user, settings):
    settings.ACCOUNT_EMAIL_LIMIT = 2
    for _ in range(3):
        response = user_client.post("/account/verify/resend/")

    assert response.status_code == 302
    assert len(emails_to(user.email)) == 2
    page = user_client.get("/account/").content.decode()
    assert "We sent several links already. Try again in 60 minutes." in page


def test_send_it_again_is_throttled_per_client_address(settings):
    settings.REGISTER_LIMIT_PER_ADDRESS = 2
    users = User.objects.bulk_create(User(email=f"u{n}@example.com") for n in range(3))
    for user in users:
        client = Client(REMOTE_ADDR="10.0.0.9")
        client.force_login(user)
        client.post("/account/verify/resend/", REMOTE_ADDR="10.0.0.9")

    assert Email.objects.count() == 2
    assert not emails_to("u2@example.com")


def test_the_api_resend_answers_202_then_409_once_verified(user_client, user):
    response = user_client.post(RESEND)

    assert response.status_code == 202
    assert response.json() == {
        "email": user.email,
        "message": f"We sent a new link to {user.email}.",
    }
    _, token = link_in(emails_to(user.email)[0])
    user_client.post(VERIFY, {"token": token})
    again = user_client.post(RESEND)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_verified"
    assert len(emails_to(user.email)) == 1


def test_the_api_resend_needs_a_signed_in_user(api_client):
    response = api_client.post(RESEND)

    assert response.status_code == 401
    assert not Email.objects.exists()


def test_the_api_resend_is_429_past_the_limit(user_client, user, settings):
    settings.ACCOUNT_EMAIL_LIMIT = 1
    assert user_client.post(RESEND).status_code == 202

    response = user_client.post(RESEND)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert len(emails_to(user.email)) == 1
