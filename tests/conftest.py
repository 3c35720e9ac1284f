"""Shared fixtures: API clients, users and catalog rows."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.sessions import put_in_session_fixture, session_engine  # noqa: F401


class ApiClient(Client):
    """Django's test client speaking JSON to /api by default."""

    def _json(self, method, path, data=None, **extra):
        if data is not None and not isinstance(data, str | bytes):
            data = json.dumps(data)
        extra.setdefault("content_type", "application/json")
        return getattr(super(), method)(path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._json("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._json("patch", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._json("put", path, data, **extra)


@pytest.fixture
def db_sessions(settings):
    """The database session engine, whatever SESSION_ENGINE the run uses (`make test-services`
    runs on cached_db): for tests that pin the session's SQL. List it before client fixtures."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _query_counts_on_database_sessions(request):
    """Pinned query counts are the db session engine's; `session_engine` tests pick their own."""
    if {"django_assert_num_queries", "django_assert_max_num_queries"} & set(request.fixturenames):
        request.getfixturevalue("db_sessions")


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so use unhashed static file names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached sessions never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client():
    return ApiClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def staff_client(staff):
    client = ApiClient()
    client.force_login(staff)
    return client


@pytest.fixture
def user_client(user):
    client = ApiClient()
    client.force_login(user)
    return client


@pytest.fixture
def password():
    return PASSWORD


def token_client_for(user) -> ApiClient:
    """A JSON client that sends `Authorization: Bearer <token>` for the user."""
    from accounts.tokens import issue_token

    return ApiClient(headers={"Authorization": f"Bearer {issue_token(user)}"})


@pytest.fixture
def token_client(user):
    """The `user` fixture's token client (Bearer header; cookies it gets are ignored)."""
    return token_client_for(user)


@pytest.fixture
def staff_token_client(staff):
    return token_client_for(staff)
