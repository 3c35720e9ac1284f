"""Registration answers the same whether or not the address is taken (no enumeration)."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from outbox.models import Email
from tests.accounts.emails import emails_to, link_in
from tests.factories import ProductFactory
from tests.orders.conftest import api_checkout

pytestmark = pytest.mark.django_db

PASSPHRASE = "a-long-passphrase-9"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def products():
    return [ProductFactory(stock=10)]


def _register(client, email, password=PASSPHRASE):
    return client.post("/api/auth/register", {"email": email, "password": password})


def _sign_up(client, email, password=PASSPHRASE):
    data = {"email": email, "password1": password, "password2": password}
    return client.post(
        "/account/signup/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def test_a_new_address_gets_an_unverified_account_and_a_verification_link(api_client):
    response = _register(api_client, "New@Example.com")

    assert response.status_code == 202
    assert response.json() == {
        "email": "new@example.com",
        "message": "We sent an email to new@example.com. "
        "Open the link in it to confirm your address.",
    }
    user = User.objects.get()
    assert (user.email, user.email_verified) == ("new@example.com", False)
    [email] = emails_to("new@example.com")
    assert email.subject == "Confirm your Corner Shop email address"
    path, _ = link_in(email)
    assert path.startswith("/account/verify/")


def test_a_taken_address_gets_the_same_answer_and_its_owner_an_email(api_client, user):
    first = _register(api_client, "someone@example.com")
    again = _register(api_client, "SOMEONE@example.com")  # taken now, in another case
    taken = _register(api_client, user.email.upper(), password="another-long-passphrase-3")

    assert again.status_code == first.status_code == taken.status_code == 202
    assert again.json() == first.json()
    assert taken.json()["email"] == user.email
    assert set(taken.json()) == set(first.json())
    assert User.objects.count() == 2
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")  # the owner's password is unchanged
    [notice] = emails_to(user.email)
    assert notice.subject == "Someone tried to sign up with your address"
    assert "you already have one, so nothing was created" in notice.text_body
    assert "/account/verify/" not in notice.text_body  # no link that verifies anything
    assert len(emails_to("someone@example.com")) == 2  # the link, then the notice


def test_the_taken_notice_links_the_password_reset_page_when_there_is_one(api_client, user):
    _register(api_client, user.email)

    [notice] = emails_to(user.email)
    try:
        reset = "http://127.0.0.1:8000" + reverse("password_reset:request")
    except NoReverseMatch:
        pytest.skip("the password reset pages are not installed")
    assert reset in notice.text_body
    assert reset in notice.html_body


@pytest.mark.parametrize("taken", [False, True])
def test_a_weak_password_is_400_before_the_address_is_looked_up(api_client, user, taken):
    email = user.email if taken else "new@example.com"

    response = _register(api_client, email, password="1234")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"password"}
    assert User.objects.count() == 1
    assert not Email.objects.exists()


def test_an_invalid_address_is_400_and_sends_nothing(api_client):
    response = _register(api_client, "not-an-email")

    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]
    assert not Email.objects.exists()


def test_the_new_account_signs_in_at_once_and_may_check_out_unverified(api_client, products):
    _register(api_client, "new@example.com")

    login = api_client.post("/api/auth/login", {"email": "new@example.com", "password": PASSPHRASE})
    placed = api_checkout(api_client, {products[0]: 1}, email=None)

    assert login.status_code == 200
    assert login.json()["user"]["email_verified"] is False
    assert placed.status_code == 201
    assert placed.json()["email"] == "new@example.com"


def test_the_sign_up_page_shows_the_same_page_for_a_taken_address(client, user):
    new = _sign_up(client, "new@example.com")
    taken = _sign_up(client, user.email)

    for response in (new, taken):
        assert response.status_code == 200
        assert b"<h1>Check your inbox</h1>" in response.content
        assert SESSION_KEY not in client.session  # signing up does not sign in
    assert new.content.replace(b"new@example.com", user.email.encode()) == taken.content
    assert [e.subject for e in emails_to(user.email)] == [
        "Someone tried to sign up with your address"
    ]
    assert len(emails_to("new@example.com")) == 1
    assert User.objects.count() == 2
