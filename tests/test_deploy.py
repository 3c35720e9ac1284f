"""Production settings: `manage.py check --deploy` is clean with a production-like env."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "shop.example",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example",
    "BEHIND_TLS_PROXY": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    # As in the README; `check --deploy` opens no connection, so nothing needs to listen.
    "DATABASE_URL": "postgres://shop:secret@127.0.0.1:5432/shop",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
}
# Variables a developer's shell (or .env) may set that must not leak into "production".
UNSET = {
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "DJANGO_SETTINGS_MODULE",
    *PRODUCTION,
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with the given environment on top of a clean one."""
    base = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_reports_no_warnings_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_a_weak_key_and_missing_https_settings():
    env = {**PRODUCTION, "SECRET_KEY": "short", "SECURE_SSL_REDIRECT": "0"}
    del env["SECURE_HSTS_SECONDS"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W009"):
        assert warning in result.stderr


def test_production_cookies_are_secure_and_https_is_read_from_the_proxy():
    code = (
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "False True True ('HTTP_X_FORWARDED_PROTO', 'https') 31536000"
    )


def test_server_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_warns_that_throttles_are_per_process_without_redis():
    env = {**PRODUCTION, "REDIS_URL": ""}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 1
    assert "shop.W001" in result.stderr
    assert "per process" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_no_throttle_warning_with_redis_or_in_development():
    with_redis = manage("check", "--deploy", **PRODUCTION)
    in_development = manage("check", DEBUG="1", REDIS_URL="")

    assert with_redis.returncode == 0 and in_development.returncode == 0
    assert "shop.W001" not in with_redis.stdout + with_redis.stderr
    assert "shop.W001" not in in_development.stdout + in_development.stderr
