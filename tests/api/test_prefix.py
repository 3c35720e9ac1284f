"""The API's guards hold when the shop is served under a prefix (SCRIPT_NAME=/shop)."""

import pytest
from django.test import Client
from django.test.utils import override_script_prefix

from tests.conftest import ApiClient
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PREFIX = "/shop"


@pytest.fixture(autouse=True)
def _served_under_a_prefix():
    with override_script_prefix(PREFIX + "/"):
        yield


def under(client_class=ApiClient, prefix=PREFIX, **kwargs):
    """A test client whose requests arrive as a WSGI server under `prefix` sends them."""
    return client_class(SCRIPT_NAME=prefix, **kwargs)


def test_a_foreign_origin_cannot_post_with_the_cookie(user):
    client = under()
    client.force_login(user)
    product = ProductFactory()

    response = client.post(
        "/api/cart/items",
        {"product_id": product.pk},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_origin"
    assert client.get("/api/cart").json()["items"] == []


def test_the_same_origin_may_post():
    client = under()
    product = ProductFactory()

    response = client.post(
        "/api/cart/items", {"product_id": product.pk}, headers={"Origin": "http://testserver"}
    )

    assert response.status_code == 200
    assert response.json()["item_count"] == 1


def test_an_invalid_bearer_token_never_falls_back_to_the_cookie(user):
    client = under(headers={"Authorization": "Bearer not-a-token"})
    client.force_login(user)

    response = client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"invalid_token", "not_authenticated"}


def test_api_errors_keep_the_json_envelope():
    client = under()

    missing = client.get("/api/no-such-endpoint")
    wrong_method = client.get("/api/checkout")

    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not found."}}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_storefront_errors_stay_pages():
    response = under(Client).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_prefix_named_api_does_not_make_the_storefront_an_api():
    with override_script_prefix("/api/"):
        response = under(Client, prefix="/api").get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_links_and_redirects_carry_the_prefix():
    product = ProductFactory()
    client = under(Client)

    response = client.post(f"/cart/add/{product.pk}/")

    assert response.status_code == 302
    assert response["Location"] == PREFIX + "/cart/"
