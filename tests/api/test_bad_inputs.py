"""Bad input at every endpoint: a 4xx with the envelope and the right code, nothing changed.

For each endpoint that takes a body, a valid body is spoiled one way at a time — broken
JSON, wrong content type, wrong types, bounds, NaN, huge numbers, missing fields, bad text —
and the answer's status and error code are checked, along with every row of the shop's
tables and the shopper's cart, which must be exactly as before.
"""

import json
from decimal import Decimal
from functools import cached_property

import pytest
from django.apps import apps
from django.core.cache import cache

from accounts.models import User
from orders.models import Order
from tests.conftest import ApiClient, token_client_for
from tests.factories import CategoryFactory, CouponFactory, ProductFactory, StaffFactory
from tests.orders.conftest import ADDRESS

pytestmark = pytest.mark.django_db

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvv": "123"}
APPS = ["accounts", "catalog", "cart", "orders"]


class World:
    """A guest with a cart, staff, a product and a coupon; pending and paid orders on demand."""

    def __init__(self):
        cache.clear()
        self.fruit = CategoryFactory(slug="fruit")
        self.apple = ProductFactory(
            sku="apple", price=Decimal("2.00"), stock=50, category=self.fruit
        )
        CouponFactory(code="SAVE10")
        self.staff = token_client_for(StaffFactory())
        self.guest = ApiClient()
        self.guest.post("/api/cart/items", {"sku": "apple"})

    def order(self) -> Order:
        """A new pending order of the guest (their cart is filled again afterwards)."""
        body = {"shipping_address": ADDRESS, "email": "g@example.com"}
        response = self.guest.post("/api/checkout", body)
        assert response.status_code == 201, response.content
        self.guest.post("/api/cart/items", {"sku": "apple"})
        return Order.objects.get(pk=response.json()["id"])

    @cached_property
    def pending(self) -> Order:
        return self.order()

    @cached_property
    def paid(self) -> Order:
        order = self.order()
        body = {"method": "credit_card", "card": CARD}
        response = self.guest.post(f"/api/orders/{order.pk}/pay", body)
        assert response.status_code == 200, response.content
        return order

    def snapshot(self):
        rows = {}
        for label in APPS:
            for model in apps.get_app_config(label).get_models():
                rows[model._meta.label] = list(model.objects.order_by("pk").values())
        return rows, self.guest.get("/api/cart").json()


# Endpoint: (method, path, who, valid body, {field: kind}); {pending}, {paid}, {apple} are ids.
ENDPOINTS = {
    "create_product": (
        "post",
        "/api/products",
        "staff",
        {"sku": "kiwi", "name": "Kiwi", "price": "1.25", "stock": 5, "category": "fruit"},
        {
            "sku": "text64",
            "name": "text100",
            "price": "amount",
            "stock": "int",
            "category": "text100",
            "description": "multiline5000",
            "active": "bool",
        },
    ),
    "update_product": (
        "patch",
        "/api/products/{apple}",
        "staff",
        {"stock": 5},
        {
            "stock": "int",
            "price": "amount",
            "name": "text100",
            "description": "multiline5000",
            "active": "bool",
        },
    ),
    "add_to_cart": (
        "post",
        "/api/cart/items",
        "guest",
        {"sku": "apple", "quantity": 1},
        {"quantity": "quantity", "sku": "text64", "product_id": "id"},
    ),
    "set_quantity": (
        "patch",
        "/api/cart/items/{apple}",
        "guest",
        {"quantity": 2},
        {"quantity": "quantity"},
    ),
    "apply_coupon": ("post", "/api/cart/coupon", "guest", {"code": "SAVE10"}, {"code": "text32"}),
    "checkout": (
        "post",
        "/api/checkout",
        "guest",
        {"shipping_address": ADDRESS, "email": "g@example.com"},
        {
            "shipping_address.street": "text200",
            "shipping_address.city": "text100",
            "shipping_address.zip": "text20",
            "shipping_address.name": "text100_0",
            "shipping_address.country": "country",
            "email": "email",
            "shipping_address": "object",
        },
    ),
    "pay": (
        "post",
        "/api/orders/{pending}/pay",
        "guest",
        {"method": "credit_card", "card": CARD},
        {
            "card.exp_month": "card_int",
            "card.exp_year": "card_int",
            "card.number": "card_text",
            "card.cvv": "card_text",
            "method": "method",
            "card": "object",
        },
    ),
    "refund": (
        "post",
        "/api/orders/{paid}/refund",
        "guest",
        {"amount": "1.00"},
        {"amount": "amount", "reason": "text500_0", "restock": "bool"},
    ),
    "cancel": (
        "post",
        "/api/orders/{pending}/cancel",
        "guest",
        {"reason": "Changed my mind"},
        {"reason": "text500_0"},
    ),
    "login": (
        "post",
        "/api/auth/login",
        "guest",
        {"email": "nobody@example.com", "password": "whatever-it-is"},
        {"email": "text254", "password": "password"},
    ),
    "register": (
        "post",
        "/api/auth/register",
        "guest",
        {"email": "new@example.com", "password": "a-Long-enough-passphrase-7"},
        {"email": "email", "password": "password"},
    ),
}

HUGE = [2**31, 2**63, 10**30, -(2**63)]
NOT_INTEGERS = [True, False, "2", 1.5, "1.5", None, [], {}]
# kind: (bad values, error code)
KINDS = {
    "int": ([*NOT_INTEGERS, -1, *HUGE], "validation_error"),
    "id": ([*NOT_INTEGERS, 0, -1, *HUGE], "validation_error"),
    "quantity": ([*NOT_INTEGERS, 1.0, 0 - 1, 100, *HUGE], "invalid_quantity"),
    "card_int": ([*NOT_INTEGERS, 0, 13 * 10**6, *HUGE], "invalid_card"),
    "card_text": ([None, 42, True, "", "x" * 5000, "4242\x004242"], "invalid_card"),
    "amount": (
        [
            True,
            None,
            "1e2",
            "NaN",
            "Infinity",
            "-Infinity",
            1.001,
            "1.001",
            0,
            -5,
            "abc",
            "",
            10**12,
            1e300,
            [],
            {},
        ],
        "invalid_amount",
    ),
    "bool": ([None, "true", 1, 0, "yes", []], "validation_error"),
    "method": ([None, "", "cash", 1, "CREDIT_CARD"], "validation_error"),
    "object": ([None, "x", 1, [], True], "validation_error"),
    "password": ([None, 123, True, [], "", "x" * 1025], "validation_error"),
    "country": ([None, "", "U", "USA", "XX", "u\x00", 12], "validation_error"),
    "email": (
        [None, "", "not-an-email", "a@b\x00.com", "x" * 250 + "@e.co", 7],
        "validation_error",
    ),
}


def text_values(max_length: int, required: bool = True) -> list:
    values = [
        None,
        42,
        True,
        [],
        {},
        "x" * (max_length + 1),
        "a\x00b",
        "a\x01b",
        "tab\there",
        "new\nline",
        "del\x7f",
        "c1\x80",
        "next line\x85",
        "c1\x9f",
    ]
    return values + ([""] if required else [])


def multiline_values(max_length: int) -> list:
    """What a description may not be: tabs and line breaks (\\n, \\r\\n) are fine."""
    return [
        None,
        42,
        [],
        "x" * (max_length + 1),
        "a\x00b",
        "a\x01b",
        "lone\rreturn",
        "vt\x0b",
        "del\x7f",
        "next line\x85",
        "c1\x9f",
    ]


for spec in ["text32", "text64", "text100", "text200", "text20", "text254"]:
    KINDS[spec] = (text_values(int(spec[4:])), "validation_error")
KINDS["multiline5000"] = (multiline_values(5000), "validation_error")
KINDS["text100_0"] = (text_values(100, required=False), "validation_error")
KINDS["text500_0"] = (text_values(500, required=False), "validation_error")


def with_value(body: dict, dotted: str, value) -> dict:
    body = json.loads(json.dumps(body))
    *parents, last = dotted.split(".")
    node = body
    for name in parents:
        node = node[name]
    node[last] = value
    return body


def field_cases():
    for endpoint, (_m, _p, _w, _b, fields) in ENDPOINTS.items():
        for field, kind in fields.items():
            values, code = KINDS[kind]
            for value in values:
                label = json.dumps(value)[:20] if not isinstance(value, str) else repr(value)[:20]
                yield pytest.param(endpoint, field, value, code, id=f"{endpoint}-{field}-{label}")


def prepare(world: World, endpoint: str) -> None:
    """Create the orders the endpoint's path names (before the "nothing changed" snapshot)."""
    path = ENDPOINTS[endpoint][1]
    for name in ("pending", "paid"):
        if f"{{{name}}}" in path:
            getattr(world, name)


def send(world: World, endpoint: str, *, body=None, raw=None, content_type="application/json"):
    method, path, who, valid, _ = ENDPOINTS[endpoint]
    client = world.staff if who == "staff" else world.guest
    ids = {name: getattr(world, name).pk for name in ("pending", "paid") if f"{{{name}}}" in path}
    path = path.format(apple=world.apple.pk, **ids)
    data = raw if raw is not None else json.dumps(valid if body is None else body)
    return getattr(client, method)(path, data, content_type=content_type)


def assert_refused(world, before, response, status, codes):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] in codes, error
    assert isinstance(error["message"], str) and error["message"]
    assert world.snapshot() == before


@pytest.fixture
def world(db):
    return World()


@pytest.mark.parametrize("endpoint, field, value, code", list(field_cases()))
def test_a_bad_field_is_400_with_its_code_and_changes_nothing(world, endpoint, field, value, code):
    prepare(world, endpoint)
    before = world.snapshot()
    body = with_value(ENDPOINTS[endpoint][3], field, value)
    response = send(world, endpoint, body=body)
    assert_refused(world, before, response, 400, {code})


@pytest.mark.parametrize(
    "field",
    [
        pytest.param((endpoint, field), id=f"{endpoint}-{field}")
        for endpoint, (_m, _p, _w, body, _f) in ENDPOINTS.items()
        for field in body
        if not (endpoint == "refund" and field == "amount")  # absent = all that remains
        and endpoint not in {"cancel", "update_product"}  # every field is optional
        and not (endpoint == "checkout" and field == "email")  # a signed-in user's own
        and (endpoint, field) not in {("add_to_cart", "quantity"), ("create_product", "stock")}
    ],
)
def test_a_missing_field_is_400_and_changes_nothing(world, field):
    endpoint, name = field
    prepare(world, endpoint)
    before = world.snapshot()
    body = dict(ENDPOINTS[endpoint][3])
    del body[name]
    response = send(world, endpoint, body=body)
    assert_refused(world, before, response, 400, {"validation_error", "invalid_card"})
    assert name in json.dumps(response.json()["error"].get("fields", {})) or endpoint == "checkout"


RAW = {
    "malformed": ('{"sku": "apple",', 400, "invalid_json"),
    "trailing garbage": ('{"sku": "apple"} x', 400, "invalid_json"),
    "array": ("[1, 2]", 400, "invalid_json"),
    "string": ('"apple"', 400, "invalid_json"),
    "null": ("null", 400, "invalid_json"),
    "number": ("42", 400, "invalid_json"),
    "NaN": ('{"x": NaN}', 400, "invalid_json"),
    "Infinity": ('{"x": Infinity}', 400, "invalid_json"),
    "-Infinity": ('{"x": -Infinity}', 400, "invalid_json"),
    "4301 digits": ('{"x": ' + "9" * 4301 + "}", 400, "invalid_json"),
    "too deep": ('{"x": ' * 40 + "1" + "}" * 40, 400, "invalid_json"),
    "very deep": ("[" * 100_000 + "]" * 100_000, 400, "invalid_json"),
    "lone surrogate": ('{"x": "\\ud800"}', 400, "invalid_json"),
    "invalid utf-8": (b'{"x": "\xff\xfe"}', 400, "invalid_json"),
    "over 1 MB": ('{"x": "' + "a" * (1024 * 1024) + '"}', 413, "payload_too_large"),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("case", list(RAW))
def test_a_broken_body_is_refused_and_changes_nothing(world, endpoint, case):
    raw, status, code = RAW[case]
    prepare(world, endpoint)
    before = world.snapshot()
    response = send(world, endpoint, raw=raw)
    assert_refused(world, before, response, status, {code})


@pytest.mark.parametrize(("levels", "refused"), [(31, False), (32, True)])
def test_a_body_may_nest_objects_31_levels_deep_not_32(world, levels, refused):
    """MAX_JSON_DEPTH (32) counts the body itself and the value at the bottom."""
    raw = '{"x": ' * levels + "1" + "}" * levels
    response = send(world, "apply_coupon", raw=raw)
    assert response.status_code == 400
    assert (response.json()["error"]["code"] == "invalid_json") is refused


@pytest.mark.parametrize("endpoint", sorted(set(ENDPOINTS) - {"refund", "cancel"}))
def test_an_empty_body_is_400_where_a_body_is_required(world, endpoint):
    """(An empty body is no body: the optional bodies of refund and cancel may be left out.)"""
    prepare(world, endpoint)
    before = world.snapshot()
    response = send(world, endpoint, raw="")
    assert_refused(world, before, response, 400, {"validation_error"})


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
        "application/jsonx",
        "text/json",
    ],
)
def test_another_content_type_is_415_and_changes_nothing(world, endpoint, content_type):
    prepare(world, endpoint)
    before = world.snapshot()
    response = send(world, endpoint, content_type=content_type)
    assert_refused(world, before, response, 415, {"unsupported_media_type"})


QUERIES = [
    "page=0",
    "page=-1",
    "page=abc",
    "page=1.5",
    "page=true",
    "page=99999999999999999999",
    "page=1000001",
    "page_size=0",
    "page_size=-5",
    "page_size=x",
    "q=%00",
    "q=a%01b",
    "q=" + "x" * 101,
    "category=%7F",
    "page=",
]


@pytest.mark.parametrize("query", QUERIES)
def test_bad_query_parameters_are_400(world, query):
    response = world.guest.get(f"/api/products?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/products/0",
        "/api/products/2147483648",
        "/api/products/99999999999999999999999",
        "/api/products/-1",
        "/api/products/1.5",
        "/api/products/abc",
        "/api/orders/0",
        "/api/orders/2147483648",
        "/api/orders/x",
        "/api/products/%00",
    ],
)
def test_bad_ids_in_the_path_are_400_or_404(world, path):
    response = world.guest.get(path)
    assert response.status_code in (400, 404), response.content
    assert response.json()["error"]["code"] in {"validation_error", "not_found"}


def test_page_size_is_capped_at_100(world):
    ProductFactory.create_batch(120, category=world.fruit)
    response = world.guest.get("/api/products?page_size=1000000")
    assert response.status_code == 200
    assert len(response.json()) == 100 and response["X-Total-Count"] == "121"


def test_unknown_and_forbidden_fields_are_ignored(world):
    """Fields a client may not set (status, totals, prices, is_staff…) never get through."""
    sneaky = {
        "status": "paid",
        "total": 0.01,
        "amount_paid": 999,
        "unit_price": 0.01,
        "is_staff": True,
        "is_superuser": True,
        "id": 424242,
        "price": 0.01,
        "discount": 100,
        "slug": "hacked",
        "times_used": 0,
        "unknown": {"deep": [1]},
    }
    cart = world.guest.post("/api/cart/items", {"sku": "apple", "quantity": 1, **sneaky}).json()
    assert cart["items"][0]["unit_price"] == 2.0 and cart["discount"] == 0
    response = world.guest.post(
        "/api/checkout",
        {"shipping_address": {**ADDRESS, **sneaky}, "email": "g@example.com", **sneaky},
    )
    order = response.json()
    assert response.status_code == 201 and order["id"] != 424242
    assert (order["status"], order["total"], order["amount_paid"]) == ("pending", 4.0, 0)
    paid = world.guest.post(
        f"/api/orders/{order['id']}/pay",
        {"method": "credit_card", "card": {**CARD, **sneaky}, **sneaky},
    ).json()
    assert (paid["status"], paid["amount_paid"]) == ("paid", 4.0)
    registered = world.guest.post(
        "/api/auth/register",
        {"email": "sneaky@example.com", "password": "a-Long-enough-passphrase-7", **sneaky},
    )
    assert registered.status_code == 202
    user = User.objects.get(email="sneaky@example.com")
    assert user.is_staff is False and user.pk != 424242
    product = world.staff.post(
        "/api/products", {**ENDPOINTS["create_product"][3], "slug": "hacked", "id": 424242}
    ).json()
    assert product["slug"] != "hacked" and product["id"] != 424242


@pytest.mark.parametrize(
    "endpoint, field, length",
    [
        ("create_product", "name", 100),
        ("create_product", "sku", 64),
        ("checkout", "shipping_address.street", 200),
        ("checkout", "shipping_address.city", 100),
        ("checkout", "shipping_address.zip", 20),
        ("cancel", "reason", 500),
    ],
)
def test_unicode_text_up_to_the_limit_is_kept_exactly(world, endpoint, field, length):
    """Limits count characters (not bytes), the same on SQLite and PostgreSQL."""
    value = ("Zürich 🍎 東京 " * 100)[:length]
    assert len(value) == length and len(value.encode()) > length
    response = send(world, endpoint, body=with_value(ENDPOINTS[endpoint][3], field, value))
    assert response.status_code in (200, 201), response.content
    body = response.json()
    if endpoint == "create_product":
        assert body[field] == value
    elif endpoint == "checkout":
        assert body["shipping_address"][field.split(".")[1]] == value
    else:
        assert Order.objects.get(pk=world.pending.pk).status == Order.Status.CANCELLED
