"""Storefront account pages: sign up, sign in, sign out, password change, account."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import StaffFactory
from tests.sessions import put_in_session

pytestmark = pytest.mark.django_db

PASSPHRASE = "a-long-passphrase-9"


def _post(client, path, data, **extra):
    return client.post(
        path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra
    )


@pytest.fixture
def client():
    return Client()


def test_sign_up_creates_the_account_and_does_not_sign_in(client):
    response = _post(
        client,
        "/account/signup/",
        {"email": "New@Example.com", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )

    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert response.context["email"] == "new@example.com"
    user = User.objects.get()
    assert user.email == "new@example.com"
    assert user.check_password(PASSPHRASE)
    assert not user.email_verified
    assert "_auth_user_id" not in client.session
    signed_in = _post(client, "/account/login/", {"username": user.email, "password": PASSPHRASE})
    assert signed_in.status_code == 302
    assert client.get("/account/").context["user"] == user


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "a@example.com", "password1": "12345678", "password2": "12345678"}, "password1"),
        ({"email": "a@example.com", "password1": PASSPHRASE, "password2": "other"}, "password2"),
        ({"email": "not-an-email", "password1": PASSPHRASE, "password2": PASSPHRASE}, "email"),
    ],
)
def test_sign_up_shows_field_errors(client, data, field):
    response = _post(client, "/account/signup/", data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_sign_up_of_a_taken_email_shows_the_same_page_and_creates_nothing(client, user):
    response = _post(
        client,
        "/account/signup/",
        {"email": user.email.upper(), "password1": PASSPHRASE, "password2": PASSPHRASE},
    )

    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert response.context["email"] == user.email
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_sign_in_page_renders_with_labels(client):
    response = client.get("/account/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert 'for="id_username"' in html
    assert 'for="id_password"' in html


def test_sign_in_cycles_the_session_key_no_fixation(client, user, password):
    planted = put_in_session(client, planted=True).session_key  # a key an attacker knows

    response = _post(client, "/account/login/", {"username": user.email, "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.cookies["sessionid"].value != planted
    assert client.get("/account/").status_code == 200
    attacker = Client()
    attacker.cookies["sessionid"] = planted
    assert attacker.get("/account/").status_code == 302


def test_sign_in_follows_a_safe_next(client, user, password):
    response = _post(
        client,
        "/account/login/",
        {"username": user.email, "password": password, "next": "/cart/"},
    )

    assert response["Location"] == "/cart/"


def test_sign_in_ignores_an_offsite_next(client, user, password):
    response = _post(
        client,
        "/account/login/?next=https://evil.example/",
        {"username": user.email, "password": password},
    )

    assert response["Location"] == "/account/"


def test_wrong_password_on_the_page_says_so_without_signing_in(client, user):
    response = _post(client, "/account/login/", {"username": user.email, "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.wsgi_request.user.is_authenticated


def test_sign_out_needs_post(user_client):
    assert user_client.get("/account/logout/").status_code == 405
    assert user_client.get("/api/auth/me").status_code == 200


def test_sign_out_signs_out(user_client):
    response = user_client.post("/account/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert user_client.get("/api/auth/me").status_code == 401


def test_the_account_page_needs_sign_in(client):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/account/")


def test_the_account_page_shows_the_user(user_client, user):
    response = user_client.get("/account/")

    assert response.status_code == 200
    assert user.email in response.content.decode()


def test_the_password_page_needs_sign_in(client):
    assert client.get("/account/password/").status_code == 302


def test_the_header_offers_sign_in_or_sign_out(client, user_client):
    anonymous = client.get("/").content.decode()
    signed_in = user_client.get("/").content.decode()

    assert 'href="/account/login/"' in anonymous and 'href="/account/signup/"' in anonymous
    assert 'action="/account/logout/"' in signed_in and 'href="/account/login/"' not in signed_in


def test_only_staff_reach_the_admin(user_client, staff_client):
    assert user_client.get("/admin/").status_code == 302
    assert staff_client.get("/admin/").status_code == 200


def test_a_shopper_cannot_sign_in_to_the_admin(client, user, password):
    response = _post(client, "/admin/login/", {"username": user.email, "password": password})

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_to_the_admin(client, password):
    staff = StaffFactory()

    _post(client, "/admin/login/", {"username": staff.email, "password": password})

    assert client.get("/admin/").status_code == 200
