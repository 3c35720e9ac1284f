"""PostgreSQL or Redis down: 503 + Retry-After (the API's envelope, the friendly page), never a
traceback; selling throttles fail open, account throttles closed; cached_db sessions live on.

The outages are real: Django's cache pointed at a loopback port nobody listens on, the database
connection at a closed port (PostgreSQL) or an unopenable file (SQLite).
"""

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from core.throttle import (
    card_failures,
    checkouts_by_address,
    coupon_failures,
    registrations_by_address,
)
from orders.models import Order
from shop.unavailable import RETRY_AFTER
from tests.conftest import ApiClient
from tests.factories import ProductFactory
from tests.orders.conftest import api_checkout
from tests.services.servers import free_ports

ENVELOPE = {
    "error": {
        "code": "service_unavailable",
        "message": "The shop is briefly unavailable. Please try again in a few seconds.",
    }
}


@pytest.fixture
def redis_down():
    """Django's cache is a Redis that refuses every connection (a closed loopback port).

    Not the `settings` fixture: this must be undone before conftest's `_fresh_cache` clears it.
    """
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_ports(1)[0]}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": down}):
        yield


@pytest.fixture
def database_down(transactional_db):
    """The database refuses connections until `restore()` (called at the end in any case)."""
    db = connection.settings_dict
    saved = {key: db[key] for key in ("NAME", "HOST", "PORT")}
    connection.close()
    if connection.vendor == "sqlite":
        db["NAME"] = "/nonexistent-dir/shop.sqlite3"
    else:
        db["HOST"], db["PORT"] = "127.0.0.1", str(free_ports(1)[0])

    def restore():
        connection.close()
        db.update(saved)

    yield restore
    restore()


def assert_api_503(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert response["Content-Type"] == "application/json"
    assert response.json() == ENVELOPE


def assert_page_503(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER)
    body = response.content.decode()
    assert "Back in a moment" in body and f"try again in {RETRY_AFTER} seconds" in body
    assert "Traceback" not in body and "Error" not in body


def assert_logged_once(caplog, service: str):
    """One warning line of shop.unavailable, no traceback, and no error from Django."""
    lines = [r for r in caplog.records if r.name == "shop.unavailable"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert f"({service} down: " in lines[0].getMessage() and lines[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# The database is down.


def test_api_answers_503_envelope_while_the_database_is_down_then_recovers(database_down, caplog):
    client = ApiClient()
    assert_api_503(client.get("/api/categories"))
    assert_logged_once(caplog, "database")
    database_down()  # the database is back: the same connection object reconnects
    assert client.get("/api/categories").status_code == 200


def test_page_answers_the_friendly_503_while_the_database_is_down(database_down, client, caplog):
    assert_page_503(client.get(reverse("catalog:list")))
    assert_logged_once(caplog, "database")
    database_down()
    assert client.get(reverse("catalog:list")).status_code == 200


# Redis is down.


def test_sign_in_throttle_fails_closed_api_503(redis_down, api_client, user, password, caplog):
    response = api_client.post("/api/auth/login", {"email": user.email, "password": password})
    assert_api_503(response)
    assert_logged_once(caplog, "cache")


def test_sign_in_page_answers_the_friendly_503(redis_down, client, user, password, caplog):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": password}
    )
    assert_page_503(response)
    assert "_auth_user_id" not in client.session
    assert_logged_once(caplog, "cache")


def test_checkout_keeps_selling_while_redis_is_down(redis_down, db, api_client, caplog):
    product = ProductFactory(price=Decimal("5.00"), stock=3)
    response = api_checkout(api_client, {product: 1})
    assert response.status_code == 201, response.content
    assert Order.objects.get().lines.get().quantity == 1
    assert any("Throttle checkout-address not counted" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_selling_throttles_fail_open_and_account_throttles_fail_closed(redis_down):
    ran = []
    with coupon_failures.attempt("cart-1"):
        ran.append("coupon")
    card_failures.check(1)
    checkouts_by_address.hit("192.0.2.1")
    assert ran == ["coupon"]
    with pytest.raises(RedisConnectionError):
        registrations_by_address.hit("192.0.2.1")


def test_a_session_that_cannot_be_saved_is_503_from_the_middleware(redis_down, db, settings):
    """The cache engine saves after the view, in SessionMiddleware: handler500 maps it."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    product = ProductFactory(sku="apple", stock=5)
    client = ApiClient(raise_request_exception=False)
    assert_api_503(client.post("/api/cart/items", {"sku": product.sku, "quantity": 1}))
    page = client.post(reverse("cart:add", args=[product.pk]), {"quantity": 1})
    assert_page_503(page)


@pytest.mark.parametrize(
    "engine, statuses",
    [
        ("shop.sessions", (200, 200)),  # what SESSION_ENGINE=…cached_db gives (settings.py)
        ("django.contrib.sessions.backends.cached_db", (503, 503)),  # why shop.sessions exists
    ],
)
def test_cached_db_sessions_live_on_in_the_database_while_redis_is_down(
    redis_down, db, settings, engine, statuses
):
    settings.SESSION_ENGINE = engine
    product = ProductFactory(sku="apple", stock=5)
    client = ApiClient(raise_request_exception=False)
    added = client.post("/api/cart/items", {"sku": product.sku, "quantity": 2})
    read = client.get("/api/cart")
    assert (added.status_code, read.status_code) == statuses
    if statuses[0] == 200:
        assert [(i["sku"], i["quantity"]) for i in read.json()["items"]] == [("apple", 2)]
        assert Session.objects.count() == 1


def test_cached_db_engine_setting_names_the_tolerant_subclass():
    assert settings_in(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")["session"] == (
        "shop.sessions"
    )
    assert settings_in(SESSION_ENGINE="django.contrib.sessions.backends.db")["session"] == (
        "django.contrib.sessions.backends.db"
    )


# Timeouts in the settings.

PG = "postgres://shop:shop@127.0.0.1:5432/shop"


def settings_in(**env) -> dict:
    """Read the settings in a fresh process with this environment (nothing connects)."""
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'db': s.DATABASES['default'], 'caches': s.CACHES, 'session': s.SESSION_ENGINE,"
        "'gateway': [s.PAYMENT_GATEWAY_TIMEOUT, s.FAKE_GATEWAY_HANG_FILE]}, default=str))"
    )
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "shop.settings"}
    base.update(SECRET_KEY="x", DEBUG="0")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgres_gets_connect_statement_and_lock_timeouts_with_env_overrides():
    options = settings_in(DATABASE_URL=PG)["db"]["OPTIONS"]
    assert options == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=30000 -c lock_timeout=10000",
    }
    env = dict(DB_CONNECT_TIMEOUT="2", DB_STATEMENT_TIMEOUT="7", DB_LOCK_TIMEOUT="0")
    options = settings_in(DATABASE_URL=PG, **env)["db"]["OPTIONS"]
    assert options == {
        "connect_timeout": 2,
        "options": "-c statement_timeout=7000 -c lock_timeout=0",
    }
    assert settings_in(DATABASE_URL=PG)["db"]["CONN_HEALTH_CHECKS"] is True


def test_redis_gets_socket_timeouts_and_the_gateway_its_timeout():
    read = settings_in(REDIS_URL="redis://127.0.0.1:6379/0")
    assert read["caches"]["default"]["OPTIONS"] == {
        "socket_connect_timeout": 2.0,
        "socket_timeout": 2.0,
    }
    assert read["gateway"] == [10.0, ""]
    read = settings_in(REDIS_URL="redis://x:1/0", REDIS_TIMEOUT="0.5", PAYMENT_GATEWAY_TIMEOUT="3")
    assert read["caches"]["default"]["OPTIONS"]["socket_timeout"] == 0.5
    assert read["gateway"][0] == 3.0


# What the fault test found: an outage met after the view, where Django wraps it.


def _session_lost_with_its_database():
    """The chain Django raises when the session save after a view loses the database."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.db import OperationalError

    try:
        try:
            try:
                raise OperationalError("server closed the connection unexpectedly")
            except OperationalError:
                raise UpdateError()  # noqa: B904 (Django raises it so, chained)
        except UpdateError:
            raise SessionInterrupted("The request's session was deleted") from None
    except SessionInterrupted as err:
        return err


@pytest.mark.parametrize("path", ["/api/cart/items", "/cart/"])
def test_a_session_save_that_lost_the_database_is_503_not_400(rf, path):
    from shop.views import bad_request

    err = _session_lost_with_its_database()
    try:
        raise err
    except type(err):
        response = bad_request(rf.post(path), err)
    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER)
    if path.startswith("/api/"):
        assert json.loads(response.content)["error"]["code"] == "service_unavailable"


def test_a_bad_request_to_the_api_answers_the_error_envelope(client):
    response = client.get("/api/products", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "bad_request", "message": "The request could not be handled."}
    }


@pytest.mark.django_db(transaction=True)
def test_an_email_whose_send_loses_the_database_after_the_commit_fails_nothing(monkeypatch):
    from django.db import OperationalError, transaction

    from outbox import services
    from outbox.models import Email

    def lost(pk):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(services, "send", lost)
    with transaction.atomic():
        services.enqueue(to="a@example.com", subject="Hello", text_body="Hi")
    # The commit held and the robust hook logged the failure: send_emails sends it later.
    assert Email.objects.get().status == Email.Status.PENDING
