"""Password reset by email: the request and confirm pages, the API, throttles, sign-out."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from outbox.models import Email
from tests.conftest import ApiClient, token_client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-8"
FORM = "application/x-www-form-urlencoded"
LINK = re.compile(r"http://shop\.test/account/password-reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://shop.test"


def _post(client, path, data, **extra):
    return client.post(path, urlencode(data), content_type=FORM, **extra)


def _link(email: Email) -> re.Match:
    match = LINK.search(email.text_body)
    assert match, email.text_body
    assert match.group(0) in email.html_body
    return match


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def _confirm(uid, token, password=NEW_PASSWORD):
    return ApiClient().post(
        "/api/auth/password-reset/confirm", {"uid": uid, "token": token, "new_password": password}
    )


def _error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _set_password_on_page(client, link: str, password=NEW_PASSWORD):
    """Open the emailed link, then post the new password twice, as a browser does."""
    opened = client.get(link)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert form_url.endswith("/set-password/")  # the token leaves the address bar
    page = client.get(form_url)
    assert page.status_code == 200
    return client.post(
        form_url,
        urlencode(
            {
                "new_password1": password,
                "new_password2": password,
                "csrfmiddlewaretoken": page.context["csrf_token"],
            }
        ),
        content_type=FORM,
    )


# The request page.


def test_the_request_page_renders_with_its_email_field():
    response = Client().get("/account/password-reset/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert 'for="id_email"' in html


def test_requesting_a_reset_queues_an_email_with_a_site_url_link(settings, user):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]  # another served name
    client = Client(enforce_csrf_checks=True)
    page = client.get("/account/password-reset/")

    response = _post(
        client,
        "/account/password-reset/",
        {"email": user.email.upper(), "csrfmiddlewaretoken": page.context["csrf_token"]},
        HTTP_HOST="other.example",
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/sent/"
    email = Email.objects.get()
    assert email.to == user.email
    assert email.subject == "Reset your Corner Shop password"
    link = _link(email)  # built from SITE_URL, never from the Host header
    assert link["uid"] == _uid(user)
    assert default_token_generator.check_token(user, link["token"])
    assert "other.example" not in email.text_body + email.html_body
    assert client.get(response["Location"]).status_code == 200


def test_the_request_page_refuses_a_post_without_csrf(user):
    client = Client(enforce_csrf_checks=True)

    response = _post(client, "/account/password-reset/", {"email": user.email})

    assert response.status_code == 403
    assert not Email.objects.exists()


@pytest.mark.parametrize("kind", ["unknown", "inactive", "unusable_password"])
def test_the_answer_is_the_same_for_addresses_that_get_no_email(kind, user):
    known = _post(Client(), "/account/password-reset/", {"email": user.email})
    Email.objects.all().delete()
    if kind == "unknown":
        email = "nobody@example.com"
    else:
        other = UserFactory(is_active=kind != "inactive")
        if kind == "unusable_password":
            other.set_unusable_password()
            other.save()
        email = other.email

    page = _post(Client(), "/account/password-reset/", {"email": email})
    api = ApiClient().post("/api/auth/password-reset", {"email": email})

    assert (page.status_code, page["Location"]) == (known.status_code, known["Location"])
    assert api.status_code == 202
    known_api = ApiClient().post("/api/auth/password-reset", {"email": user.email})
    assert api.json() == known_api.json()
    assert list(Email.objects.values_list("to", flat=True)) == [user.email]  # the known one


def test_the_request_page_shows_a_malformed_address_as_a_field_error():
    response = _post(Client(), "/account/password-reset/", {"email": "not-an-email"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Email.objects.exists()


# Throttles.


def test_requests_per_email_address_are_limited_and_a_refused_one_sends_nothing(settings, user):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    for address in ("10.0.0.1", "10.0.0.2"):
        response = _post(
            Client(), "/account/password-reset/", {"email": user.email}, REMOTE_ADDR=address
        )
        assert response.status_code == 302

    page = _post(
        Client(), "/account/password-reset/", {"email": user.email.upper()}, REMOTE_ADDR="10.0.0.3"
    )
    api = ApiClient().post(
        "/api/auth/password-reset", {"email": user.email}, REMOTE_ADDR="10.0.0.4"
    )

    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Too many password reset requests" in page.content.decode()
    assert _error(api) == (429, "throttled")
    assert 0 < int(api["Retry-After"]) <= 3600
    assert Email.objects.count() == 2
    other = ApiClient().post("/api/auth/password-reset", {"email": "someone@example.com"})
    assert other.status_code == 202  # another address is not held back


def test_requests_per_client_address_are_limited(settings, user):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    for n in range(3):
        response = ApiClient().post(
            "/api/auth/password-reset", {"email": f"probe{n}@example.com"}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 202

    api = ApiClient().post(
        "/api/auth/password-reset", {"email": user.email}, REMOTE_ADDR="10.0.0.9"
    )
    page = _post(
        Client(), "/account/password-reset/", {"email": user.email}, REMOTE_ADDR="10.0.0.9"
    )

    assert _error(api) == (429, "throttled")
    assert page.status_code == 429
    assert not Email.objects.exists()
    elsewhere = ApiClient().post(
        "/api/auth/password-reset", {"email": user.email}, REMOTE_ADDR="10.0.0.10"
    )
    assert elsewhere.status_code == 202
    assert Email.objects.get().to == user.email


# The confirm page.


def test_the_emailed_link_sets_a_new_password_once(user):
    ApiClient().post("/api/auth/password-reset", {"email": user.email})
    link = _link(Email.objects.get()).group(0)
    client = Client(enforce_csrf_checks=True)

    response = _set_password_on_page(client, link)

    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/complete/"
    complete = client.get(response["Location"])
    assert complete.status_code == 200
    assert 'href="/account/login/"' in complete.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = Client().get(link)  # used: the password it was made for is gone
    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert "not valid" in again.content.decode()


def test_the_confirm_page_shows_the_password_validators_errors(user):
    ApiClient().post("/api/auth/password-reset", {"email": user.email})
    link = _link(Email.objects.get()).group(0)
    client = Client()

    response = _set_password_on_page(client, link, password="12345678")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_confirm_page_refuses_two_different_passwords(user):
    client = Client()
    opened = client.get(
        f"/account/password-reset/{_uid(user)}/{default_token_generator.make_token(user)}/"
    )

    response = _post(
        client, opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": "other-one-9"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("MQ", "set-password"),  # the form's address without a token in the session
        ("bm9wZQ", "abc-123"),  # not a user id
        ("OTk5OTk5OTk5OTk5OTk5OTk5OQ", "abc-123"),  # a huge id
        ("%00", "abc-123"),
        ("MQx", "{token}"),  # "1\x0c": int() would read it as 1
        (urlsafe_base64_encode(b"1" * 5000), "{token}"),  # past int()'s digit limit
        ("{uid}", "not-a-token"),
        ("{uid}", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-abc"),
    ],
)
def test_a_bad_link_shows_a_clear_page(user, uid, token):
    values = {"uid": _uid(user), "token": default_token_generator.make_token(user)}
    path = f"/account/password-reset/{uid.format(**values)}/{token.format(**values)}/"

    response = Client().get(path)

    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "Ask for a new link" in response.content.decode()


def test_a_link_dies_once_the_user_signs_in(user):
    token = default_token_generator.make_token(user)
    signed_in = ApiClient().post("/api/auth/login", {"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 200

    response = Client().get(f"/account/password-reset/{_uid(user)}/{token}/")

    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_an_expired_link_is_refused(settings, user, monkeypatch):
    token = default_token_generator.make_token(user)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    page = Client().get(f"/account/password-reset/{_uid(user)}/{token}/")
    api = _confirm(_uid(user), token)

    assert page.context["validlink"] is False
    assert _error(api) == (400, "invalid_reset_token")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_inactive_user_cannot_use_a_link(user):
    token = default_token_generator.make_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert _error(_confirm(_uid(user), token)) == (400, "invalid_reset_token")


# Signed out everywhere.


def test_a_reset_signs_out_every_session_and_token(session_engine, user):
    laptop = ApiClient()
    signed_in = laptop.post("/api/auth/login", {"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 200
    assert laptop.get("/api/auth/me").status_code == 200
    phone = token_client_for(user)
    assert phone.get("/api/auth/me").status_code == 200
    ApiClient().post("/api/auth/password-reset", {"email": user.email})
    link = _link(Email.objects.get()).group(0)

    response = _set_password_on_page(Client(enforce_csrf_checks=True), link)

    assert response.status_code == 302
    assert laptop.get("/api/auth/me").status_code == 401
    assert laptop.get("/account/").status_code == 302  # to the sign-in page: anonymous
    assert _error(phone.get("/api/auth/me")) == (401, "invalid_token")
    user.refresh_from_db()
    assert user.auth_generation == 1


def test_the_new_password_signs_in_and_the_old_one_does_not(user):
    ApiClient().post("/api/auth/password-reset", {"email": user.email})
    link = _link(Email.objects.get())

    assert _confirm(link["uid"], link["token"]).status_code == 200

    old = ApiClient().post("/api/auth/login", {"email": user.email, "password": PASSWORD})
    new = ApiClient().post("/api/auth/login", {"email": user.email, "password": NEW_PASSWORD})
    assert old.status_code == 401
    assert new.status_code == 200


# The API.


def test_the_api_confirms_with_the_emailed_uid_and_token_once(user):
    token_before = token_client_for(user)
    response = ApiClient().post("/api/auth/password-reset", {"email": user.email})
    assert response.status_code == 202
    assert "message" in response.json()
    link = _link(Email.objects.get())

    first = _confirm(link["uid"], link["token"])
    second = _confirm(link["uid"], link["token"], password="yet-another-passphrase-3")

    assert first.status_code == 200
    assert set(first.json()) == {"message"}
    assert _error(second) == (400, "invalid_reset_token")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert token_before.get("/api/auth/me").status_code == 401


def test_the_api_names_new_password_when_the_validators_refuse_it(user):
    token = default_token_generator.make_token(user)

    response = _confirm(_uid(user), token, password=user.email)

    assert _error(response) == (400, "validation_error")
    assert list(response.json()["error"]["fields"]) == ["new_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _confirm(_uid(user), token).status_code == 200  # the link still works


@pytest.mark.parametrize(
    ("uid", "token"),
    [("{uid}", "1-abc"), ("{uid}", "{other}"), ("bm9wZQ", "{token}"), ("{uid}x", "{token}")],
)
def test_the_api_refuses_a_tampered_link(user, uid, token):
    other = UserFactory()
    values = {
        "uid": _uid(user),
        "token": default_token_generator.make_token(user),
        "other": default_token_generator.make_token(other),
    }

    response = _confirm(uid.format(**values), token.format(**values))

    assert _error(response) == (400, "invalid_reset_token")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email"},
        {"email": ""},
        {"email": 5},
        {"email": "a\x00@example.com"},
        {},
    ],
)
def test_the_api_refuses_a_malformed_request(body):
    response = ApiClient().post("/api/auth/password-reset", body)

    assert _error(response) == (400, "validation_error")
    assert "email" in response.json()["error"]["fields"]
    assert not Email.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "MQ", "token": "a-b"},
        {"uid": "MQ", "token": 5, "new_password": NEW_PASSWORD},
        {"uid": "MQ", "token": "a-b", "new_password": "x" * 1025},
        {"uid": "MQ\x00", "token": "a-b", "new_password": NEW_PASSWORD},
    ],
)
def test_the_api_refuses_a_malformed_confirm(user, body):
    response = ApiClient().post("/api/auth/password-reset/confirm", body)

    assert _error(response) == (400, "validation_error")


def test_the_login_page_links_to_the_reset_page():
    html = Client().get("/account/login/").content.decode()

    assert 'href="/account/password-reset/"' in html
