"""Security headers on every kind of response: pages, API, admin, docs, static, errors."""

import re
from pathlib import Path

import pytest
from django.test import Client

from shop.security import DEFAULT_CSP
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

PATHS = [
    "/",
    "/cart/",
    "/api/products",
    "/api/openapi.json",
    "/api/docs",
    "/admin/login/",
    "/static/css/shop.css",
    "/static/ninja/swagger-ui-bundle.js",
    "/no-such-page/",
    "/api/no-such-endpoint",
]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response["Content-Security-Policy"] == DEFAULT_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_policy_allows_no_inline_code_and_no_other_origin():
    policy = directives(DEFAULT_CSP)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for values in policy.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values
        assert not any(v.startswith(("http:", "https:")) or v == "*" for v in values)


def test_swagger_ui_needs_no_inline_script_and_no_third_party_validator(client):
    html = client.get("/api/docs").content.decode()
    scripts = html.split("<script")[1:]
    assert scripts
    for script in scripts:
        # Only data blocks (never executed) may be inline; code comes from static files.
        assert 'src="' in script.split(">")[0] or 'type="application/json"' in script
    assert '"validatorUrl": null' in html


def test_uploaded_media_keep_their_sandbox_policy(client, settings, tmp_path):
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "x.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = client.get("/media/x.svg")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_server_error_pages_carry_the_headers_too(settings):
    settings.ROOT_URLCONF = "tests.api.urls_boom"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["Content-Security-Policy"] == DEFAULT_CSP


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/api/products", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/api/products")  # plain http


def test_hsts_is_off_by_default(client):
    ProductFactory()
    assert "Strict-Transport-Security" not in client.get("/", secure=True)


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE = [
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (
        re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "inline script",
    ),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_of_the_project_needs_an_inline_script_or_style():
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            source = path.read_text()
            problems += [
                f"{path.relative_to(ROOT)}: {what}" for rx, what in INLINE if rx.search(source)
            ]
    assert problems == []
