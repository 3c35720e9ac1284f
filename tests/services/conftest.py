"""Tests against real PostgreSQL and Redis: they skip without them, and fail CI instead.

Every test in this folder is marked `services` (so `make test` deselects it) and needs
PostgreSQL; `make test-services` starts both servers and runs the whole suite on them.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
HERE = Path(__file__).parent
HOW = "start them with `make test-services` (scripts/services.sh start; eval $(… env))"

_skipped_in_ci: list[str] = []


def _missing(reason: str) -> None:
    """Skip a test whose service is absent; in CI that is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}: CI must run the services tests.", pytrace=False)
    pytest.skip(f"{reason}; {HOW}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark this folder's tests `services` before `-m` deselects by marker."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.services)


def pytest_runtest_logreport(report):
    if IN_CI and report.skipped and "services" in report.keywords:
        _skipped_in_ci.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """Belt and braces: a `services` test skipped in CI fails the run."""
    if _skipped_in_ci and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _skipped_in_ci:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped_in_ci)} services test(s) skipped with CI=true: "
            + ", ".join(_skipped_in_ci),
            red=True,
        )


@pytest.fixture(scope="session")
def postgres():
    """The test database is PostgreSQL (DATABASE_URL=postgres://…)."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        _missing(f"DATABASE_URL is not PostgreSQL (engine {engine})")


@pytest.fixture(autouse=True)
def _needs_postgres(postgres):
    """Every services test needs PostgreSQL."""


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL, checked to answer PING."""
    if not settings.REDIS_URL:
        _missing("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as err:
        _missing(f"Redis at {settings.REDIS_URL} does not answer ({err})")
    return settings.REDIS_URL
