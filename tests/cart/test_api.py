"""The cart API on every session engine: contract body, status codes, caps, stock, cookies."""

import json
import uuid
from decimal import Decimal

import pytest
from django.conf import settings

from tests.conftest import ApiClient
from tests.factories import ProductFactory
from tests.sessions import put_cart, session_cart

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("session_engine")]


@pytest.fixture
def apple(db):
    return ProductFactory(sku="apple", name="Apple", price=Decimal("0.50"), stock=42)


@pytest.fixture
def banana(db):
    return ProductFactory(sku="banana", name="Banana", price=Decimal("0.25"), stock=42)


def _cart(client):
    response = client.get("/api/cart")
    assert response.status_code == 200
    return response.json()


def test_apple_then_banana_share_one_cart_id_and_a_second_client_gets_another(
    api_client, apple, banana
):
    first = api_client.post("/api/cart/items", {"sku": "apple"})
    second = api_client.post("/api/cart/items", {"sku": "banana", "quantity": 2})
    assert first.status_code == second.status_code == 200
    later = _cart(api_client)
    cart_id = first.json()["cart_id"]
    assert uuid.UUID(cart_id)
    assert second.json()["cart_id"] == later["cart_id"] == cart_id
    assert [(i["sku"], i["quantity"]) for i in later["items"]] == [("apple", 1), ("banana", 2)]
    other = ApiClient()
    assert _cart(other)["cart_id"] != cart_id
    assert _cart(other)["items"] == []


def test_the_cart_body_is_exactly_the_contracts(api_client, apple):
    body = api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 2}).json()
    assert body == {
        "cart_id": body["cart_id"],
        "items": [
            {
                "id": apple.pk,
                "product_id": apple.pk,
                "variant_id": None,
                "options": {},
                "sku": "apple",
                "name": "Apple",
                "unit_price": 0.5,
                "quantity": 2,
                "line_total": 1.0,
                "tax_rate": None,
                "tax": None,
            }
        ],
        "item_count": 2,
        "subtotal": 1.0,
        "coupon": None,
        "discount": 0.0,
        "country": None,
        "shipping_method": None,
        "shipping": None,
        "tax": None,
        "tax_included": False,
        "total": 1.0,
        "currency": "USD",
        "notices": [],
    }


def test_a_new_cart_is_empty_and_its_id_is_stable_from_the_first_read(api_client):
    body = _cart(api_client)
    assert body["items"] == [] and body["item_count"] == 0 and body["total"] == 0
    assert _cart(api_client)["cart_id"] == body["cart_id"]


def test_adding_a_product_already_there_adds_to_its_quantity(api_client, apple):
    api_client.post("/api/cart/items", {"sku": "apple", "quantity": 2})
    body = api_client.post("/api/cart/items", {"product_id": apple.pk, "quantity": 3}).json()
    assert [(i["product_id"], i["quantity"]) for i in body["items"]] == [(apple.pk, 5)]
    assert body["item_count"] == 5 and body["subtotal"] == 2.5


def test_patch_sets_the_quantity_and_zero_removes_the_line(api_client, apple, banana):
    put_cart(api_client, {apple.pk: 1, banana.pk: 1})
    body = api_client.patch(f"/api/cart/items/{apple.pk}", {"quantity": 7}).json()
    assert [(i["sku"], i["quantity"]) for i in body["items"]] == [("apple", 7), ("banana", 1)]
    response = api_client.patch(f"/api/cart/items/{apple.pk}", {"quantity": 0})
    assert response.status_code == 200
    assert [i["sku"] for i in response.json()["items"]] == ["banana"]


def test_patch_or_delete_of_a_product_not_in_the_cart_is_404(api_client, apple, banana):
    put_cart(api_client, {apple.pk: 1})
    for response in (
        api_client.delete(f"/api/cart/items/{banana.pk}"),
        api_client.patch(f"/api/cart/items/{banana.pk}", {"quantity": 1}),
        api_client.delete("/api/cart/items/999999"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_in_cart"
    assert session_cart(api_client).items == {apple.pk: 1}


def test_delete_removes_a_line_with_200_and_the_cart(api_client, apple, banana):
    put_cart(api_client, {apple.pk: 1, banana.pk: 2})
    response = api_client.delete(f"/api/cart/items/{apple.pk}")
    assert response.status_code == 200
    assert [i["sku"] for i in response.json()["items"]] == ["banana"]


def test_clearing_keeps_the_cart_id(api_client, apple):
    cart_id = api_client.post("/api/cart/items", {"sku": "apple"}).json()["cart_id"]
    response = api_client.delete("/api/cart/items")
    assert response.status_code == 200
    assert response.json()["items"] == [] and response.json()["cart_id"] == cart_id
    assert _cart(api_client)["items"] == []


def test_unknown_or_inactive_products_are_404(api_client, apple):
    ProductFactory(sku="hidden", active=False)
    for body in ({"sku": "nope"}, {"sku": "hidden"}, {"product_id": 999999}):
        response = api_client.post("/api/cart/items", body)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "product_not_found"
    assert session_cart(api_client).items == {}


@pytest.mark.parametrize(
    "body, code",
    [
        ({"sku": "apple", "quantity": "2"}, "invalid_quantity"),
        ({"sku": "apple", "quantity": True}, "invalid_quantity"),
        ({"sku": "apple", "quantity": 1.5}, "invalid_quantity"),
        ({"sku": "apple", "quantity": 2.0}, "invalid_quantity"),
        ({"sku": "apple", "quantity": None}, "invalid_quantity"),
        ({"sku": "apple", "quantity": 0}, "invalid_quantity"),
        ({"sku": "apple", "quantity": -1}, "invalid_quantity"),
        ({"sku": "apple", "quantity": 100}, "invalid_quantity"),
        ({"sku": "apple", "quantity": 10**30}, "invalid_quantity"),
        ({"product_id": "1"}, "validation_error"),
        ({"product_id": True}, "validation_error"),
        ({"product_id": 0}, "validation_error"),
        ({"product_id": 2**31}, "validation_error"),
        ({"sku": None}, "validation_error"),
        ({"sku": 5}, "validation_error"),
        ({"sku": "ap\x00ple"}, "validation_error"),
        ({"sku": "x" * 65}, "validation_error"),
        ({}, "validation_error"),
        ({"quantity": 1}, "validation_error"),
        ({"sku": "apple", "product_id": 1}, "validation_error"),
        ([{"sku": "apple"}], "invalid_json"),
        ("not json", "invalid_json"),
        ("NaN", "invalid_json"),
    ],
)
def test_bad_add_bodies_are_400_with_the_envelope_and_change_nothing(api_client, apple, body, code):
    put_cart(api_client, {apple.pk: 3})
    before = _cart(api_client)
    raw = body if isinstance(body, str) else json.dumps(body)
    response = api_client.post("/api/cart/items", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert _cart(api_client) == before


@pytest.mark.parametrize("body", [{"quantity": "1"}, {"quantity": None}, {"quantity": 100}, {}])
def test_bad_patch_bodies_are_400_and_change_nothing(api_client, apple, body):
    put_cart(api_client, {apple.pk: 3})
    response = api_client.patch(f"/api/cart/items/{apple.pk}", body)
    assert response.status_code == 400 and "error" in response.json()
    assert session_cart(api_client).items == {apple.pk: 3}


def test_a_body_that_is_not_json_is_415(api_client, apple):
    response = api_client.post("/api/cart/items", "sku=apple", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_bad_path_id_is_400(api_client):
    assert api_client.delete("/api/cart/items/abc").status_code == 400
    response = api_client.patch(f"/api/cart/items/{2**40}", {"quantity": 1})
    assert response.status_code == 400


def test_more_than_the_stock_is_409_and_the_cart_is_unchanged(api_client):
    pear = ProductFactory(sku="pear", name="Pear", stock=3)
    api_client.post("/api/cart/items", {"sku": "pear", "quantity": 2})
    response = api_client.post("/api/cart/items", {"sku": "pear", "quantity": 2})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert (error["product_id"], error["available"]) == (pear.pk, 3)
    assert api_client.patch(f"/api/cart/items/{pear.pk}", {"quantity": 4}).status_code == 409
    assert session_cart(api_client).items == {pear.pk: 2}
    ProductFactory(sku="gone", stock=0)
    assert api_client.post("/api/cart/items", {"sku": "gone"}).status_code == 409


def test_a_line_is_capped_at_99(api_client):
    plum = ProductFactory(sku="plum", stock=500)
    assert api_client.post("/api/cart/items", {"sku": "plum", "quantity": 99}).status_code == 200
    response = api_client.post("/api/cart/items", {"sku": "plum", "quantity": 1})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_quantity"
    assert session_cart(api_client).items == {plum.pk: 99}


def test_a_cart_past_the_largest_amount_is_400_and_unchanged(api_client):
    big = ProductFactory(sku="yacht", name="Yacht", price=Decimal("60000000.00"), stock=5)
    small = ProductFactory(sku="oar", name="Oar", price=Decimal("40000000.00"), stock=5)
    assert api_client.post("/api/cart/items", {"sku": "yacht"}).status_code == 200
    twice = api_client.post("/api/cart/items", {"sku": "yacht"})  # a line of 120,000,000.00
    assert twice.status_code == 400
    error = twice.json()["error"]
    assert error["code"] == "amount_too_large" and "99999999.99" in error["message"]
    oar = api_client.post("/api/cart/items", {"sku": "oar"})  # exactly 100,000,000.00 in all
    assert (oar.status_code, oar.json()["error"]["code"]) == (400, "amount_too_large")
    patch = api_client.patch(f"/api/cart/items/{big.pk}", {"quantity": 2})
    assert (patch.status_code, patch.json()["error"]["code"]) == (400, "amount_too_large")
    assert session_cart(api_client).items == {big.pk: 1}
    assert _cart(api_client)["total"] == 60000000
    small.price = Decimal("39999999.99")
    small.save()
    fits = api_client.post("/api/cart/items", {"sku": "oar"})  # 99,999,999.99: the most
    assert fits.status_code == 200 and fits.json()["subtotal"] == 99999999.99


def test_a_cart_is_capped_at_50_lines(api_client):
    products = ProductFactory.create_batch(51)
    put_cart(api_client, {p.pk: 1 for p in products[:50]})
    response = api_client.post("/api/cart/items", {"product_id": products[50].pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cart_full"
    assert len(session_cart(api_client).items) == 50
    more = api_client.post("/api/cart/items", {"product_id": products[0].pk})
    assert more.status_code == 200 and more.json()["item_count"] == 51


def test_prices_are_todays_and_an_inactive_product_drops_out_with_a_notice(
    api_client, apple, banana
):
    put_cart(api_client, {apple.pk: 2, banana.pk: 1})
    apple.price = Decimal("0.75")
    apple.save()
    banana.active = False
    banana.save()
    body = _cart(api_client)
    assert [(i["sku"], i["unit_price"], i["line_total"]) for i in body["items"]] == [
        ("apple", 0.75, 1.5)
    ]
    assert body["notices"] == ["Banana is no longer sold and was removed from your cart."]
    assert session_cart(api_client).items == {apple.pk: 2}
    assert _cart(api_client)["notices"] == []


@pytest.mark.parametrize("damage", ["tamper", "truncate", "garbage", "empty"])
def test_a_damaged_session_cookie_starts_a_fresh_empty_cart(api_client, apple, damage):
    old = api_client.post("/api/cart/items", {"sku": "apple"}).json()["cart_id"]
    name = settings.SESSION_COOKIE_NAME
    value = api_client.cookies[name].value
    api_client.cookies[name] = {
        "tamper": value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"),
        "truncate": value[: len(value) // 2],
        "garbage": "zz9-not-a-session!!",
        "empty": "",
    }[damage]
    body = _cart(api_client)
    assert body["items"] == [] and body["cart_id"] != old
    assert api_client.post("/api/cart/items", {"sku": "apple"}).status_code == 200


def test_unsafe_requests_from_another_origin_are_403(api_client, apple):
    put_cart(api_client, {apple.pk: 1})
    for response in (
        api_client.post("/api/cart/items", {"sku": "apple"}, HTTP_ORIGIN="https://evil.example"),
        api_client.delete("/api/cart/items", HTTP_ORIGIN="https://evil.example"),
        api_client.post("/api/cart/coupon", {"code": "X"}, HTTP_ORIGIN="https://evil.example"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden_origin"
    assert session_cart(api_client).items == {apple.pk: 1}
    same = api_client.post("/api/cart/items", {"sku": "apple"}, HTTP_ORIGIN="http://testserver")
    assert same.status_code == 200 and same.json()["item_count"] == 2


def _statements(ctx) -> list[str]:
    """The SQL a request ran, less the savepoints the test's own transaction adds."""
    sqls = [q["sql"] for q in ctx.captured_queries]
    return [s.split()[0] + " " + s.split('"')[1] for s in sqls if "SAVEPOINT" not in s]


# What each engine costs: session read (db only; cached_db reads its cache), products,
# session write (db and cached_db). Savepoints come from the test transaction only.
READ = {"signed_cookies": [], "cache": [], "cached_db": [], "db": ["SELECT django_session"]}
WRITE = {"signed_cookies": [], "cache": [], "db": ["UPDATE django_session"]}
WRITE["cached_db"] = WRITE["db"]
SAVEPOINTS = {"db": 2, "cached_db": 2}


@pytest.mark.parametrize("lines", [1, 20])
def test_reading_the_cart_costs_one_product_query_whatever_its_size(
    api_client, session_engine, django_assert_num_queries, lines
):
    put_cart(api_client, {p.pk: 1 for p in ProductFactory.create_batch(lines)})
    _cart(api_client)  # the first read stores the figures shown; later ones write nothing
    expected = [*READ[session_engine], "SELECT catalog_product"]
    with django_assert_num_queries(len(expected)) as ctx:
        assert len(_cart(api_client)["items"]) == lines
    assert _statements(ctx) == expected


def test_adding_costs_session_read_product_read_session_write(
    api_client, session_engine, django_assert_num_queries, apple, banana
):
    put_cart(api_client, {apple.pk: 1})
    expected = [*READ[session_engine], "SELECT catalog_product", *WRITE[session_engine]]
    with django_assert_num_queries(len(expected) + SAVEPOINTS.get(session_engine, 0)) as ctx:
        response = api_client.post("/api/cart/items", {"sku": "banana"})
    assert response.json()["item_count"] == 2
    assert _statements(ctx) == expected
    assert len(expected) <= 3


def test_text_and_money_come_out_exact_as_utf8_json(api_client):
    """Text comes out as UTF-8 (not \\u escapes) and money as exact cents."""
    tart = ProductFactory(
        sku="tart", name="Crème brûlée “tart” 🍮", price=Decimal("19.99"), stock=9
    )
    response = api_client.post("/api/cart/items", {"product_id": tart.pk, "quantity": 3})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Crème brûlée “tart” 🍮".encode() in response.content
    body = json.loads(response.content, parse_float=Decimal)
    assert body["items"][0]["name"] == "Crème brûlée “tart” 🍮"
    assert body["items"][0]["unit_price"] == Decimal("19.99")
    assert body["items"][0]["line_total"] == body["subtotal"] == Decimal("59.97")
