"""Request logs: one line per request, its id in every line and in the X-Request-ID header."""

import io
import ipaddress
import json
import logging
import os
import subprocess
import sys

import pytest

from shop import health
from shop.requestlog import JsonFormatter, RequestIdFilter, request_id

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.5"


@pytest.fixture
def proxy(settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="shop.requests")
    return lambda: [r for r in caplog.records if r.name == "shop.requests"]


def test_a_request_id_is_made_and_returned(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and int(first["X-Request-ID"], 16) >= 0
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_trusted_proxys_request_id_is_kept(client, proxy):
    response = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_REQUEST_ID="lb-4f2a.17")
    assert response["X-Request-ID"] == "lb-4f2a.17"


def test_anyone_elses_request_id_is_replaced(client, proxy):
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="forged")
    assert response["X-Request-ID"] != "forged" and len(response["X-Request-ID"]) == 32


def test_a_trusted_proxys_malformed_request_id_is_replaced(client, proxy):
    response = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_REQUEST_ID="a b\nfake line")
    assert len(response["X-Request-ID"]) == 32


def test_one_line_per_request_with_method_path_status_duration_and_id(client, request_lines):
    response = client.get("/healthz?token=secret")
    (line,) = request_lines()
    assert (line.method, line.path, line.status) == ("GET", "/healthz", 200)
    assert line.request_id == response["X-Request-ID"] and line.duration_ms >= 0
    assert line.getMessage().startswith("GET /healthz 200 ") and "secret" not in line.getMessage()


def test_errors_and_not_found_are_logged_too(client, request_lines):
    assert client.get("/no-such-page/").status_code == 404
    assert [line.status for line in request_lines()] == [404]


def test_every_log_line_of_a_request_carries_its_id(client, caplog, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(health.cache, "set", down)
    caplog.handler.addFilter(RequestIdFilter())  # as on the configured handlers
    response = client.get("/readyz")
    (warning,) = [r for r in caplog.records if r.name == "shop.health"]
    assert warning.request_id == response["X-Request-ID"]
    assert request_id.get() == "-"  # and nothing is left behind after the request


def test_the_configured_handlers_add_the_request_id():
    handlers = logging.getLogger().handlers
    configured = [h for h in handlers if any(isinstance(f, RequestIdFilter) for f in h.filters)]
    assert configured


def test_json_lines_parse_with_the_request_fields(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("shop.requests")
    logger.addHandler(handler)
    try:
        response = client.get("/healthz")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["request_id"] == response["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
    assert (entry["level"], entry["logger"]) == ("INFO", "shop.requests")
    assert entry["message"].startswith("GET /healthz 200") and "duration_ms" in entry


def test_json_lines_carry_the_traceback():
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Boom %s", ("here",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Boom here" and entry["request_id"] == "-"
    assert "ZeroDivisionError" in entry["exception"]


def test_log_format_json_configures_json_lines(settings):
    code = "import django, logging; django.setup(); logging.getLogger('shop').warning('hello')"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert (entry["message"], entry["level"], entry["request_id"]) == ("hello", "WARNING", "-")
