"""With DEBUG off, error pages and bodies never show settings, SQL or stack traces."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from tests.api.urls_boom import SECRET_SQL
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LEAKS = [
    "Traceback",
    'File "',
    "SECRET_KEY",
    "DATABASES",
    "INSTALLED_APPS",
    "settings.py",
    "django.",
    "SELECT",
    "secret_column",
    "OperationalError",
    "ProgrammingError",
    "CSRF token",  # the reason of a CSRF failure is for DEBUG only
    "You're seeing this error because you have",
]


def assert_no_leak(response):
    body = response.content.decode()
    assert django_settings.DEBUG is False
    secret = [django_settings.SECRET_KEY] if len(django_settings.SECRET_KEY) > 8 else []
    for leak in [*LEAKS, *secret]:
        assert leak not in body, f"{leak!r} shown in a {response.status_code} answer"


def assert_envelope(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code


def assert_page(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert body.count("<h1") == 1 and "Corner Shop" in body


@pytest.fixture
def boom_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls_boom"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


def test_404_page(client):
    response = client.get("/no/such/page/")
    assert_page(response, 404)
    assert_no_leak(response)


@pytest.mark.parametrize("path", ["/api/no/such/thing", "/api/products/999999"])
def test_404_api(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"not_found", "product_not_found"}
    assert_no_leak(response)


def test_403_csrf_page():
    client = Client(enforce_csrf_checks=True)
    product = ProductFactory()
    response = client.post(f"/cart/add/{product.pk}/", {"quantity": "1"})
    assert_page(response, 403)
    assert_no_leak(response)


def test_403_api_foreign_origin_and_not_staff(api_client):
    response = api_client.post(
        "/api/cart/items", {"sku": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert_envelope(response, 403, "forbidden_origin")
    assert_no_leak(response)
    response = api_client.post(
        "/api/products", {"sku": "a", "name": "A", "price": 1, "category": "c"}
    )
    assert_envelope(response, 403, "forbidden")
    assert_no_leak(response)


def test_500_page(boom_urls):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_no_leak(response)


def test_500_api(boom_urls):
    response = Client(raise_request_exception=False).get("/api/boom/")
    assert_envelope(response, 500, "server_error")
    assert_no_leak(response)
    assert SECRET_SQL not in response.content.decode()


def test_500_inside_an_api_endpoint_is_the_envelope(boom_urls, django_db_blocker):
    """A real broken query in a real endpoint (its table is gone) ends as the envelope."""
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE catalog_category RENAME TO catalog_category_gone")
    response = Client(raise_request_exception=False).get("/api/categories")
    assert_envelope(response, 500, "server_error")
    assert_no_leak(response)
    assert "catalog_category" not in response.content.decode()


@pytest.mark.parametrize(
    "method, path",
    [("put", "/api/products"), ("delete", "/api/auth/login"), ("get", "/api/checkout")],
)
def test_a_wrong_method_is_405_with_the_envelope(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert_envelope(response, 405, "method_not_allowed")
    assert "Allow" in response


def test_a_disallowed_host_is_400_with_the_envelope(api_client):
    response = api_client.get("/api/products", headers={"Host": "evil.example"})
    assert_envelope(response, 400, "bad_request")
    assert_no_leak(response)
