"""Logging out and changing the password revoke sessions and tokens, on every engine."""

from urllib.parse import urlencode

import pytest
from django.conf import settings

from accounts.tokens import issue_token
from tests.conftest import ApiClient, token_client_for
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-7"
FORM = "application/x-www-form-urlencoded"


def _signed_in(user, password) -> ApiClient:
    client = ApiClient()
    response = client.post("/api/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 200
    return client


def _replay(cookie_value: str) -> ApiClient:
    client = ApiClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie_value
    return client


def test_a_replayed_session_cookie_is_anonymous_after_logout(session_engine, user, password):
    client = _signed_in(user, password)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _replay(stolen).get("/api/auth/me").status_code == 200

    assert client.post("/api/auth/logout").status_code == 200

    assert _replay(stolen).get("/api/auth/me").status_code == 401


def test_a_replayed_cookie_is_anonymous_after_a_page_logout(session_engine, user, password):
    client = _signed_in(user, password)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert _replay(stolen).get("/account/").status_code == 302  # to the sign-in page
    assert _replay(stolen).get("/api/auth/me").status_code == 401


def test_logout_signs_out_every_other_session_and_token(session_engine, user, password):
    laptop, phone = _signed_in(user, password), _signed_in(user, password)
    token = issue_token(user)

    laptop.post("/api/auth/logout")

    assert phone.get("/api/auth/me").status_code == 401
    assert (
        ApiClient(headers={"Authorization": f"Bearer {token}"}).get("/api/auth/me").status_code
        == 401
    )
    user.refresh_from_db()
    assert user.auth_generation == 1


def test_logout_with_a_token_revokes_the_token(user):
    client = token_client_for(user)

    assert client.post("/api/auth/logout").status_code == 200

    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_signing_in_again_after_logout_works(session_engine, user, password):
    client = _signed_in(user, password)
    client.post("/api/auth/logout")

    again = _signed_in(user, password)

    assert again.get("/api/auth/me").status_code == 200


def test_password_change_keeps_this_session_and_revokes_the_rest(session_engine, user, password):
    browser, other = _signed_in(user, password), _signed_in(user, password)
    stolen = browser.cookies[settings.SESSION_COOKIE_NAME].value
    token_client = token_client_for(user)

    response = browser.post(
        "/account/password/",
        urlencode(
            {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        ),
        content_type=FORM,
    )

    assert response.status_code == 302
    assert browser.get("/api/auth/me").status_code == 200
    assert other.get("/api/auth/me").status_code == 401
    assert _replay(stolen).get("/api/auth/me").status_code == 401
    assert token_client.get("/api/auth/me").status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(user_client, user, password):
    token_client = token_client_for(user)

    response = user_client.post(
        "/account/password/",
        urlencode(
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        ),
        content_type=FORM,
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert token_client.get("/api/auth/me").status_code == 200
    user.refresh_from_db()
    assert user.check_password(password)
    assert user.auth_generation == 0


def test_an_admin_can_sign_a_user_out_everywhere(user, password):
    admin = ApiClient()
    admin.force_login(StaffFactory(is_superuser=True))
    shopper = _signed_in(user, password)
    token_client = token_client_for(user)

    response = admin.post(
        "/admin/accounts/user/",
        urlencode({"action": "sign_out_everywhere", "_selected_action": user.pk}),
        content_type=FORM,
    )

    assert response.status_code == 302
    assert shopper.get("/api/auth/me").status_code == 401
    assert token_client.get("/api/auth/me").status_code == 401
    assert admin.get("/admin/").status_code == 200
    user.refresh_from_db()
    assert user.auth_generation == 1
