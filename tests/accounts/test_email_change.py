"""Changing the email address: it changes only when the link sent to the new one is opened."""

from urllib.parse import urlencode

import pytest

from accounts.models import User
from accounts.verification import make_token
from outbox.models import Email
from tests.accounts.emails import emails_to, link_in
from tests.conftest import ApiClient
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGE, VERIFY = "/api/account/email", "/api/auth/verify-email"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


def _ask(client, email="moved@example.com", password=PASSWORD):
    return client.post(CHANGE, {"email": email, "password": password})


def _page(client, email="moved@example.com", password=PASSWORD):
    return client.post(
        "/account/email/",
        urlencode({"email": email, "password": password}),
        content_type="application/x-www-form-urlencoded",
    )


def test_asking_sends_a_link_to_the_new_address_and_changes_nothing_yet(user_client, user):
    old = user.email

    response = _ask(user_client, "Moved@Example.com")

    assert response.status_code == 202
    assert response.json() == {
        "email": "moved@example.com",
        "message": "We sent a link to moved@example.com. The address changes when it is opened.",
    }
    user.refresh_from_db()
    assert user.email == old
    [email] = emails_to("moved@example.com")
    assert email.subject == "Confirm your new Corner Shop email address"
    link_in(email)
    assert not emails_to(old)
    login = ApiClient().post("/api/auth/login", {"email": old, "password": PASSWORD})
    assert login.status_code == 200


def test_opening_the_link_moves_the_account_verifies_it_and_tells_the_old_address(
    user_client, user
):
    old = user.email
    _ask(user_client)
    path, _ = link_in(emails_to("moved@example.com")[0])

    shown = user_client.get(path)
    response = user_client.post(path)

    assert b"instead of " + old.encode() in shown.content
    assert response.status_code == 302 and response["Location"] == "/account/"
    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("moved@example.com", True)
    [notice] = emails_to(old)
    assert notice.subject == "Your Corner Shop email address was changed"
    assert "is now moved@example.com" in notice.text_body
    assert user_client.get("/api/auth/me").json()["email"] == "moved@example.com"  # signed in
    new_login = {"email": "moved@example.com", "password": PASSWORD}
    assert ApiClient().post("/api/auth/login", new_login).status_code == 200
    old_login = {"email": old, "password": PASSWORD}
    assert ApiClient().post("/api/auth/login", old_login).status_code == 401


def test_the_api_opens_the_link_too_and_a_second_time_is_harmless(user_client, user, api_client):
    old = user.email
    _ask(user_client)
    _, token = link_in(emails_to("moved@example.com")[0])

    first = api_client.post(VERIFY, {"token": token})
    again = api_client.post(VERIFY, {"token": token})

    assert first.status_code == again.status_code == 200
    assert first.json() == {"email": "moved@example.com", "email_verified": True}
    assert len(emails_to(old)) == 1


def test_a_taken_new_address_gets_the_same_answer_and_its_owner_a_notice(user_client, user):
    owner = UserFactory(email="taken@example.com")

    taken = _ask(user_client, "taken@example.com")
    free = _ask(user_client, "free@example.com")

    assert taken.status_code == free.status_code == 202
    assert taken.json()["message"] == free.json()["message"].replace("free@", "taken@")
    [notice] = emails_to(owner.email)
    assert notice.subject == "Someone tried to move an account to your address"
    assert "/account/verify/" not in notice.text_body
    user.refresh_from_db()
    assert user.email != "taken@example.com"


def test_the_link_is_refused_when_the_new_address_was_taken_meanwhile(user_client, user):
    _ask(user_client)
    _, token = link_in(emails_to("moved@example.com")[0])
    UserFactory(email="moved@example.com")

    response = user_client.post(VERIFY, {"token": token})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    user.refresh_from_db()
    assert user.email != "moved@example.com"


def test_the_link_is_refused_when_the_account_changed_address_meanwhile(user_client, user):
    _ask(user_client, "first@example.com")
    _ask(user_client, "second@example.com")
    _, first = link_in(emails_to("first@example.com")[0])
    _, second = link_in(emails_to("second@example.com")[0])
    assert user_client.post(VERIFY, {"token": second}).status_code == 200

    response = user_client.post(VERIFY, {"token": first})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_changed"
    user.refresh_from_db()
    assert user.email == "second@example.com"


def test_the_old_address_verification_link_is_refused_after_a_change(user_client, user):
    old_link = make_token(user)
    _ask(user_client)
    _, token = link_in(emails_to("moved@example.com")[0])
    user_client.post(VERIFY, {"token": token})

    response = user_client.post(VERIFY, {"token": old_link})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_link"


def test_a_wrong_password_is_400_sends_nothing_and_counts_as_a_failed_sign_in(
    user_client, user, settings
):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 1

    wrong = _ask(user_client, password="not-my-password")
    again = _ask(user_client, password=PASSWORD)

    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert "password" in wrong.json()["error"]["fields"]
    assert again.status_code == 429
    assert not Email.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "SHOPPER-SELF"])
def test_an_invalid_or_unchanged_address_is_400(user_client, user, email):
    email = user.email.upper() if email == "SHOPPER-SELF" else email

    response = _ask(user_client, email)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "email" in response.json()["error"]["fields"]
    assert not Email.objects.exists()


def test_asking_needs_a_signed_in_user(api_client):
    assert _ask(api_client).status_code == 401


def test_asking_is_throttled_per_account(user_client, settings):
    settings.ACCOUNT_EMAIL_LIMIT = 1
    assert _ask(user_client).status_code == 202

    response = _ask(user_client, "other@example.com")

    assert response.status_code == 429
    assert "Retry-After" in response
    assert Email.objects.count() == 1


# The page.


def test_the_page_sends_the_link_and_says_so(client, user):
    client.force_login(user)
    form = client.get("/account/email/")

    response = _page(client)

    assert form.status_code == 200
    assert b'for="id_email"' in form.content and b'for="id_password"' in form.content
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert "We sent a link to moved@example.com." in client.get("/account/").content.decode()
    assert len(emails_to("moved@example.com")) == 1


def test_the_page_shows_a_wrong_password_next_to_the_field(client, user):
    client.force_login(user)

    response = _page(client, password="not-my-password")

    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["The password is not correct."]
    assert not Email.objects.exists()


def test_the_page_answers_429_when_throttled(client, user, settings):
    settings.ACCOUNT_EMAIL_LIMIT = 0
    client.force_login(user)

    response = _page(client)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert not Email.objects.exists()


def test_the_page_needs_a_signed_in_user(client):
    response = client.get("/account/email/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert User.objects.count() == 0
