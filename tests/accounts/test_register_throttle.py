"""Registration is limited per client address (each one sends an email)."""

from urllib.parse import urlencode

import pytest

from accounts.models import User
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

PASSPHRASE = "a-Long-enough-passphrase-7"


@pytest.fixture(autouse=True)
def limit(settings):
    settings.REGISTER_LIMIT_PER_ADDRESS = 3
    settings.REGISTER_WINDOW = 3600


def _api(email, address="10.0.0.1"):
    return ApiClient().post(
        "/api/auth/register", {"email": email, "password": PASSPHRASE}, REMOTE_ADDR=address
    )


def _page(email, address="10.0.0.1"):
    data = {"email": email, "password1": PASSPHRASE, "password2": PASSPHRASE}
    return ApiClient().post(
        "/account/signup/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=address,
    )


def test_registering_a_taken_email_again_and_again_is_429_after_the_limit(user):
    for _ in range(3):
        assert _api(user.email).status_code == 202

    response = _api(user.email)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert "already exists" not in response.content.decode()


def test_every_registration_counts_and_the_limit_refuses_before_creating():
    for n in range(3):
        assert _api(f"new{n}@example.com").status_code == 202

    assert _api("one-more@example.com").status_code == 429
    assert not User.objects.filter(email="one-more@example.com").exists()


def test_another_address_may_still_register(user):
    for _ in range(3):
        _api(user.email)

    assert _api("other@example.com", address="10.0.0.2").status_code == 202


def test_the_sign_up_page_is_limited_too_and_shares_the_count(user):
    _api(user.email)
    _page(user.email)
    _page(user.email)

    response = _page("fresh@example.com")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert b"Too many sign-ups" in response.content
    assert not User.objects.filter(email="fresh@example.com").exists()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_invalid_sign_up_form_is_not_counted():
    for _ in range(5):
        response = ApiClient().post(
            "/account/signup/",
            urlencode({"email": "not-an-email", "password1": "x", "password2": "y"}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200

    assert _page("fine@example.com").status_code == 200
    assert User.objects.filter(email="fine@example.com").exists()
