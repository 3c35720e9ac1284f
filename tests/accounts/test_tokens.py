"""Bearer tokens: accepted on every /api endpoint, judged alone, rejected when bad."""

import time

import pytest
from django.core import signing

from accounts.tokens import SALT, issue_token
from catalog.models import Product
from tests.conftest import ApiClient, token_client_for
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bearer(token: str) -> ApiClient:
    return ApiClient(headers={"Authorization": f"Bearer {token}"})


def token_client_header(user) -> str:
    return f"Bearer {issue_token(user)}"


def _assert_invalid_token(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["error"]["code"] == "invalid_token"


def test_a_token_from_login_authenticates_a_cookieless_client(api_client, user, password):
    token = api_client.post("/api/auth/login", {"email": user.email, "password": password}).json()[
        "access_token"
    ]

    response = _bearer(token).get("/api/auth/me")

    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_a_tampered_token_is_401(user):
    token = issue_token(user)
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(f"[{user.pk + 1},0]".encode()).decode() + ":" + rest

    _assert_invalid_token(_bearer(forged).get("/api/auth/me"))
    _assert_invalid_token(_bearer(token[:-2] + "xx").get("/api/auth/me"))


def test_a_token_signed_for_another_purpose_is_401(user):
    token = signing.dumps([user.pk, user.auth_generation], salt="something-else")

    _assert_invalid_token(_bearer(token).get("/api/auth/me"))


def test_an_expired_token_is_401(user, settings):
    token = issue_token(user)
    settings.TOKEN_MAX_AGE = -1  # every token is now older than its lifetime

    _assert_invalid_token(_bearer(token).get("/api/auth/me"))


def test_a_token_lives_for_token_max_age(user, settings):
    settings.TOKEN_MAX_AGE = 60
    token = issue_token(user)

    assert _bearer(token).get("/api/auth/me").status_code == 200
    _, _, mark = signing.loads(token, salt=SALT)
    old = signing.TimestampSigner(salt=SALT).sign_object([user.pk, 0, mark])
    assert _bearer(old).get("/api/auth/me").status_code == 200


def test_a_token_older_than_token_max_age_is_401(user, settings):
    settings.TOKEN_MAX_AGE = 60
    _, _, mark = signing.loads(issue_token(user), salt=SALT)

    class PastSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 61)

    old = PastSigner(salt=SALT).sign_object([user.pk, 0, mark])

    _assert_invalid_token(_bearer(old).get("/api/auth/me"))


def test_a_password_set_anywhere_revokes_tokens(user):
    client = token_client_for(user)
    user.set_password("set-by-the-admin-1")  # the admin's form, `manage.py changepassword`
    user.save()

    _assert_invalid_token(client.get("/api/auth/me"))


def test_a_token_of_a_deactivated_user_is_401(user):
    client = token_client_for(user)
    user.is_active = False
    user.save()

    _assert_invalid_token(client.get("/api/auth/me"))


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "a" * 600, "x"]
)
def test_a_malformed_authorization_header_is_401(header):
    response = ApiClient(headers={"Authorization": header}).get("/api/products")

    _assert_invalid_token(response)


def test_a_bad_token_never_falls_back_to_the_session_cookie(user_client):
    assert user_client.get("/api/auth/me").status_code == 200

    response = user_client.get("/api/auth/me", headers={"Authorization": "Bearer forged"})

    _assert_invalid_token(response)


def test_a_valid_token_wins_over_another_users_session_cookie(user_client):
    other = UserFactory()

    response = user_client.get(
        "/api/auth/me", headers={"Authorization": token_client_header(other)}
    )

    assert response.json()["id"] == other.pk


def test_token_requests_leave_the_cookie_session_alone(user_client, user):
    cookies_before = {k: v.value for k, v in user_client.cookies.items()}

    response = user_client.post(
        "/api/auth/logout", headers={"Authorization": token_client_header(UserFactory())}
    )

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert {k: v.value for k, v in user_client.cookies.items()} == cookies_before
    assert user_client.get("/api/auth/me").json()["id"] == user.pk


def test_a_token_client_gets_no_cookies(token_client):
    token_client.post("/api/cart/items", {"product_id": ProductFactory().pk})
    token_client.get("/api/cart")

    assert not token_client.cookies


def test_an_invalid_token_is_401_on_pages_only_under_api(user_client):
    response = user_client.get("/", headers={"Authorization": "Bearer forged"})

    assert response.status_code == 200


def test_staff_token_can_write_products(staff_token_client):
    CategoryFactory(slug="fruit")

    response = staff_token_client.post(
        "/api/products", {"sku": "kiwi", "name": "Kiwi", "price": "0.80", "category": "fruit"}
    )

    assert response.status_code == 201
    assert Product.objects.filter(sku="kiwi").exists()


def test_shopper_token_cannot_write_products(token_client):
    product = ProductFactory(stock=3)

    response = token_client.patch(f"/api/products/{product.pk}", {"stock": 99})

    assert response.status_code == 403
    product.refresh_from_db()
    assert product.stock == 3


def test_anonymous_cannot_write_products(api_client):
    CategoryFactory(slug="fruit")

    response = api_client.post(
        "/api/products", {"sku": "kiwi", "name": "Kiwi", "price": "0.80", "category": "fruit"}
    )

    assert response.status_code == 403
    assert not Product.objects.filter(sku="kiwi").exists()


def test_a_bearer_request_is_not_refused_for_its_origin(staff_token_client):
    CategoryFactory(slug="fruit")

    response = staff_token_client.post(
        "/api/products",
        {"sku": "kiwi", "name": "Kiwi", "price": "0.80", "category": "fruit"},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 201
