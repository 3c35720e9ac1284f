"""POST /api/auth/login, /logout, /register and GET /api/auth/me."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts.models import User
from accounts.tokens import user_for_token
from tests.factories import UserFactory
from tests.sessions import read_session

pytestmark = pytest.mark.django_db


def test_login_returns_a_bearer_token_and_the_user(api_client, user, password):
    response = api_client.post("/api/auth/login", {"email": user.email, "password": password})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.TOKEN_MAX_AGE
    assert body["user"] == {
        "id": user.pk,
        "email": user.email,
        "is_staff": False,
        "email_verified": False,
    }
    assert user_for_token(body["access_token"]) == user


def test_login_logs_the_session_in_under_a_new_key(api_client, user, password):
    api_client.get("/api/cart")
    before = api_client.cookies[settings.SESSION_COOKIE_NAME].value

    api_client.post("/api/auth/login", {"email": user.email, "password": password})

    assert api_client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert read_session(api_client)[SESSION_KEY] == str(user.pk)
    assert api_client.get("/api/auth/me").json()["email"] == user.email


def test_login_ignores_the_case_of_the_email(api_client, user, password):
    response = api_client.post(
        "/api/auth/login", {"email": user.email.upper(), "password": password}
    )

    assert response.status_code == 200


def test_wrong_password_is_401_invalid_credentials(api_client, user):
    response = api_client.post("/api/auth/login", {"email": user.email, "password": "nope-nope"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert SESSION_KEY not in read_session(api_client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(api_client, user):
    wrong = api_client.post("/api/auth/login", {"email": user.email, "password": "nope-nope"})
    unknown = api_client.post(
        "/api/auth/login", {"email": "nobody@example.com", "password": "nope-nope"}
    )

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_inactive_user_cannot_log_in(api_client, password):
    user = UserFactory(is_active=False)

    response = api_client.post("/api/auth/login", {"email": user.email, "password": password})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"password": "x"},
        {"email": 1, "password": "x"},
        {"email": "a@example.com", "password": None},
        {"email": "a@example.com", "password": True},
        {"email": "a\x00@example.com", "password": "x"},
        {"email": "a" * 250 + "@example.com", "password": "x"},
    ],
)
def test_malformed_login_is_400(api_client, body):
    response = api_client.post("/api/auth/login", body)

    assert response.status_code == 400
    assert "fields" in response.json()["error"]


def test_login_needs_json(api_client):
    response = api_client.post(
        "/api/auth/login", "email=a&password=b", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415


def test_me_is_401_when_anonymous(api_client):
    response = api_client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_me_with_a_session(user_client, user):
    response = user_client.get("/api/auth/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "is_staff": False,
        "email_verified": False,
    }


def test_logout_signs_the_session_out(api_client, user, password):
    api_client.post("/api/auth/login", {"email": user.email, "password": password})

    response = api_client.post("/api/auth/logout")

    assert response.status_code == 200
    assert api_client.get("/api/auth/me").status_code == 401


def test_logout_when_anonymous_is_200(api_client):
    assert api_client.post("/api/auth/logout").status_code == 200


def test_register_creates_an_unverified_user(api_client):
    response = api_client.post(
        "/api/auth/register", {"email": "New@Example.com", "password": "a-long-passphrase-9"}
    )

    assert response.status_code == 202
    assert response.json()["email"] == "new@example.com"
    user = User.objects.get()
    assert user.email == "new@example.com"
    assert user.check_password("a-long-passphrase-9")
    assert not user.is_staff
    assert not user.email_verified


def test_registered_user_can_log_in(api_client):
    credentials = {"email": "new@example.com", "password": "a-long-passphrase-9"}
    api_client.post("/api/auth/register", credentials)

    assert api_client.post("/api/auth/login", credentials).status_code == 200


def test_register_never_takes_is_staff_from_the_request(api_client):
    api_client.post(
        "/api/auth/register",
        {"email": "new@example.com", "password": "a-long-passphrase-9", "is_staff": True},
    )

    assert not User.objects.get().is_staff


def test_register_refuses_a_weak_password(api_client):
    response = api_client.post("/api/auth/register", {"email": "a@example.com", "password": "1234"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"]
    assert not User.objects.exists()


def test_register_of_a_taken_email_in_any_case_creates_nothing(api_client, user):
    response = api_client.post(
        "/api/auth/register", {"email": user.email.upper(), "password": "a-long-passphrase-9"}
    )

    assert response.status_code == 202
    assert response.json()["email"] == user.email
    assert User.objects.count() == 1
    assert not User.objects.get().check_password("a-long-passphrase-9")


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b\x07.com", "a" * 250 + "@example.com", "", 12, None]
)
def test_register_refuses_a_bad_email(api_client, email):
    response = api_client.post(
        "/api/auth/register", {"email": email, "password": "a-long-passphrase-9"}
    )

    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]
    assert not User.objects.exists()
