"""The cart follows the user: saved on every change, merged at sign-in, shared by sessions."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cart.models import SavedCart
from cart.saved import merge_carts, save_cart, saved_cart
from tests.conftest import ApiClient, token_client_for
from tests.factories import ProductFactory, UserFactory
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db


def _items(response) -> dict[int, int]:
    return {item["product_id"]: item["quantity"] for item in response.json()["items"]}


def _login(client, user, password):
    response = client.post("/api/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 200
    return response.json()["access_token"]


@pytest.fixture
def products():
    return ProductFactory.create_batch(3, stock=500)


def test_a_cookieless_token_client_keeps_its_cart_across_requests(user, products):
    apple, bread, _ = products
    first = token_client_for(user)
    first.post("/api/cart/items", {"product_id": apple.pk, "quantity": 2})
    added = first.post("/api/cart/items", {"sku": bread.sku})
    first.cookies.clear()

    again = first.get("/api/cart")
    fresh = token_client_for(user).get("/api/cart")  # another token, no cookies at all

    assert _items(again) == _items(fresh) == {apple.pk: 2, bread.pk: 1}
    assert again.json()["cart_id"] == fresh.json()["cart_id"] == added.json()["cart_id"]
    assert not first.cookies


def test_a_token_clients_empty_cart_keeps_its_id(user):
    client = token_client_for(user)

    assert client.get("/api/cart").json()["cart_id"] == client.get("/api/cart").json()["cart_id"]


def test_every_change_of_a_signed_in_cart_is_saved_to_the_account(user_client, user, products):
    apple, bread, _ = products
    user_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 3})
    user_client.post("/api/cart/items", {"product_id": bread.pk})
    user_client.patch(f"/api/cart/items/{apple.pk}", {"quantity": 1})
    user_client.delete(f"/api/cart/items/{bread.pk}")

    assert saved_cart(user)["items"] == {str(apple.pk): 1}


def test_an_anonymous_cart_is_not_saved_anywhere_but_the_session(api_client, products):
    api_client.post("/api/cart/items", {"product_id": products[0].pk})

    assert not SavedCart.objects.exists()


def test_sign_in_merges_the_anonymous_cart_into_the_saved_one(api_client, user, password, products):
    apple, bread, milk = products
    save_cart(user, {"id": "saved-id", "items": {str(apple.pk): 1, str(bread.pk): 3}})
    anonymous = api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 2})
    api_client.post("/api/cart/items", {"product_id": milk.pk})

    _login(api_client, user, password)
    cart = api_client.get("/api/cart")

    assert _items(cart) == {apple.pk: 3, bread.pk: 3, milk.pk: 1}
    assert cart.json()["cart_id"] == anonymous.json()["cart_id"]  # stable for the session
    assert saved_cart(user)["items"] == {str(apple.pk): 3, str(milk.pk): 1, str(bread.pk): 3}


def test_the_merge_caps_quantities_at_99(api_client, user, password, products):
    apple = products[0]
    save_cart(user, {"id": "saved-id", "items": {str(apple.pk): 98}})
    api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 5})

    _login(api_client, user, password)

    assert _items(api_client.get("/api/cart")) == {apple.pk: 99}


def test_the_merge_caps_the_cart_at_50_lines():
    saved = {"id": "s", "items": {str(pk): 1 for pk in range(1, 41)}}
    anonymous = {"id": "a", "items": {str(pk): 2 for pk in range(31, 61)}, "coupon": "SAVE10"}

    merged = merge_carts(saved, anonymous, max_lines=50, max_qty=99)

    assert len(merged["items"]) == 50
    assert all(str(pk) in merged["items"] for pk in range(31, 61))  # what was just picked
    assert merged["items"]["31"] == 3
    assert merged["id"] == "a"
    assert merged["coupon"] == "SAVE10"


def test_the_merge_keeps_the_saved_coupon_when_the_session_has_none():
    merged = merge_carts(
        {"id": "s", "items": {}, "coupon": "SAVE10"}, {"id": "a"}, max_lines=50, max_qty=99
    )

    assert merged["coupon"] == "SAVE10"


def test_signing_in_twice_in_one_session_does_not_double_the_cart(
    api_client, user, password, products
):
    apple = products[0]
    _login(api_client, user, password)
    api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 2})

    _login(api_client, user, password)

    assert _items(api_client.get("/api/cart")) == {apple.pk: 2}


def test_another_users_cart_is_not_merged_at_sign_in(api_client, user, password, products):
    apple, bread, _ = products
    other = UserFactory()
    _login(api_client, other, password)
    api_client.post("/api/cart/items", {"product_id": apple.pk})
    save_cart(user, {"id": "mine", "items": {str(bread.pk): 1}})

    _login(api_client, user, password)

    assert _items(api_client.get("/api/cart")) == {bread.pk: 1}
    assert saved_cart(other)["items"] == {str(apple.pk): 1}


def test_a_new_session_of_the_user_starts_from_the_saved_cart(
    session_engine, user, password, products
):
    apple = products[0]
    laptop, phone = ApiClient(), ApiClient()
    _login(laptop, user, password)
    laptop.post("/api/cart/items", {"product_id": apple.pk, "quantity": 4})

    _login(phone, user, password)

    assert _items(phone.get("/api/cart")) == {apple.pk: 4}


def test_the_cart_comes_back_after_logout_and_sign_in(api_client, user, password, products):
    apple = products[0]
    _login(api_client, user, password)
    api_client.post("/api/cart/items", {"product_id": apple.pk})
    api_client.post("/api/auth/logout")
    assert _items(api_client.get("/api/cart")) == {}

    _login(api_client, user, password)

    assert _items(api_client.get("/api/cart")) == {apple.pk: 1}


def test_the_sign_in_page_merges_the_cart(session_engine, user, password, products):
    apple, bread, _ = products
    client = ApiClient()
    put_cart(client, {apple.pk: 2})
    save_cart(user, {"id": "saved", "items": {str(bread.pk): 1}})

    response = client.post(
        "/account/login/",
        urlencode({"username": user.email, "password": password}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 302
    assert _items(client.get("/api/cart")) == {apple.pk: 2, bread.pk: 1}


def test_sign_up_then_sign_in_keeps_the_anonymous_cart_in_the_new_account(api_client, products):
    apple = products[0]
    api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 2})
    form = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}

    signed_up = api_client.post(
        "/account/signup/",
        urlencode({"email": "new@example.com", **form}),
        content_type="application/x-www-form-urlencoded",
    )
    response = api_client.post(
        "/account/login/",
        urlencode({"username": "new@example.com", "password": form["password1"]}),
        content_type="application/x-www-form-urlencoded",
    )

    assert signed_up.status_code == 200
    assert response.status_code == 302
    new_user = response.wsgi_request.user
    assert new_user.email == "new@example.com"
    assert saved_cart(new_user)["items"] == {str(apple.pk): 2}


def _statements(ctx) -> list[str]:
    """The SQL a request ran, as "VERB table", less the test transaction's savepoints."""
    sqls = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    return [sql.split()[0] + " " + sql.split('"')[1] for sql in sqls]


def test_an_anonymous_add_costs_no_account_query(db_sessions, api_client, products):
    api_client.post("/api/cart/items", {"product_id": products[0].pk})

    with CaptureQueriesContext(connection) as ctx:
        response = api_client.post("/api/cart/items", {"product_id": products[1].pk})

    assert response.status_code == 200
    assert _statements(ctx) == [
        "SELECT django_session",
        "SELECT catalog_product",
        "UPDATE django_session",
    ]


def test_a_signed_in_add_also_saves_the_account_cart(db_sessions, user_client, products):
    user_client.post("/api/cart/items", {"product_id": products[0].pk})

    with CaptureQueriesContext(connection) as ctx:
        response = user_client.post("/api/cart/items", {"product_id": products[1].pk})

    assert response.status_code == 200
    assert _statements(ctx) == [
        "SELECT django_session",
        "SELECT accounts_user",
        "SELECT catalog_product",
        "INSERT cart_savedcart",  # one upsert: INSERT ... ON CONFLICT DO UPDATE
        "UPDATE django_session",
    ]


def test_a_token_add_touches_only_the_account_cart(token_client, products):
    token_client.post("/api/cart/items", {"product_id": products[0].pk})

    with CaptureQueriesContext(connection) as ctx:
        response = token_client.post("/api/cart/items", {"product_id": products[1].pk})

    assert response.status_code == 200
    assert _statements(ctx) == [
        "SELECT accounts_user",
        "SELECT cart_savedcart",
        "SELECT catalog_product",
        "INSERT cart_savedcart",
    ]


def test_a_token_read_writes_nothing(token_client, products):
    token_client.post("/api/cart/items", {"product_id": products[0].pk})

    with CaptureQueriesContext(connection) as ctx:
        response = token_client.get("/api/cart")

    assert response.json()["item_count"] == 1
    assert _statements(ctx) == [
        "SELECT accounts_user",
        "SELECT cart_savedcart",
        "SELECT catalog_product",
    ]
