"""/healthz and /readyz for load balancers: cheap, never cached, no session, no cookie."""

import pytest
from django.contrib.sessions.models import Session
from django.db.utils import OperationalError

from shop import health
from tests.sessions import put_cart, session_cart

pytestmark = pytest.mark.django_db


def assert_plain(response, sessions: int = 0) -> None:
    assert response.cookies == {} and Session.objects.count() == sessions
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_healthz_answers_ok_without_reading_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert_plain(response)


def test_readyz_answers_ok_when_database_and_cache_answer(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert_plain(response)


def test_readyz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health.ContentType.objects, "exists", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failed", "cache": "ok"},
    }
    assert_plain(response)


def test_readyz_is_503_naming_the_cache_when_it_fails(client, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379")

    monkeypatch.setattr(health.cache, "set", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failed"}


def test_health_checks_leave_an_existing_session_alone(client, db_sessions):
    put_cart(client, {1: 2})
    assert_plain(client.get("/healthz"), sessions=1)
    assert_plain(client.get("/readyz"), sessions=1)
    assert session_cart(client).items == {1: 2}


def test_health_checks_answer_head_and_refuse_writes(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_health_checks_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/cart/").status_code == 301
