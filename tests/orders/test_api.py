"""The orders API per the contract: checkout, list, read, cancel, ship."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.models import Coupon
from catalog.models import Product
from orders.models import Order
from tests.factories import CouponFactory, ProductFactory
from tests.orders.conftest import ADDRESS, api_checkout, place
from tests.orders.payment_helpers import paid
from tests.sessions import put_cart, session_cart

pytestmark = pytest.mark.django_db

ORDER_KEYS = {
    "id", "number", "status", "lines", "subtotal", "discount", "total", "amount_paid",
    "amount_refunded", "currency", "coupon", "email", "shipping_address", "created_at",
    "payments", "refunds", "shipping", "shipping_method", "tax", "tax_included",
}  # fmt: skip


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def test_checkout_answers_201_with_the_contract_order(api_client):
    apple = ProductFactory(sku="apple", name="Apple", price=Decimal("0.50"), stock=10)
    CouponFactory(code="SAVE10", value=Decimal("10"))
    response = api_checkout(api_client, {apple: 4}, coupon="SAVE10", email="ada@example.com")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == ORDER_KEYS
    order = Order.objects.get()
    assert body["id"] == order.pk and body["number"] == order.number
    assert body["status"] == "pending"
    assert body["lines"] == [
        {
            "product_id": apple.pk,
            "variant_id": None,
            "options": {},
            "sku": "apple",
            "name": "Apple",
            "unit_price": 0.5,
            "quantity": 4,
            "line_total": 2.0,
            "discount": 0.2,
            "tax_rate": 0.0,
            "tax": 0.0,
        }
    ]
    assert (body["subtotal"], body["discount"], body["total"]) == (2.0, 0.2, 1.8)
    assert (body["shipping"], body["shipping_method"], body["tax"]) == (0.0, None, 0.0)
    assert (body["amount_paid"], body["amount_refunded"], body["currency"]) == (0.0, 0.0, "USD")
    assert body["coupon"] == "SAVE10" and body["email"] == "ada@example.com"
    assert body["shipping_address"] == ADDRESS
    assert body["payments"] == [] and body["refunds"] == []
    assert body["created_at"].startswith(str(timezone.now().year))
    assert stock(apple) == 6 and "Idempotent-Replayed" not in response


def test_checkout_answers_the_order_exactly_as_it_is_stored(api_client):
    # The answer is built from the rows checkout just wrote, not read back: same bytes.
    CouponFactory(code="SAVE10", value=Decimal("10"))
    apple, pear = ProductFactory(price=Decimal("0.35")), ProductFactory(price=Decimal("1.10"))
    response = api_checkout(api_client, {pear: 3, apple: 1}, coupon="SAVE10")
    assert response.status_code == 201
    stored = api_client.get(f"/api/orders/{response.json()['id']}")
    assert response.content == stored.content


def test_checkout_empties_the_cart_and_gives_a_new_cart_id(api_client):
    before = api_client.get("/api/cart").json()["cart_id"]
    api_checkout(api_client, {ProductFactory(): 1})
    cart = api_client.get("/api/cart").json()
    assert cart["items"] == [] and cart["cart_id"] != before


def test_signed_in_checkout_belongs_to_the_user(user_client, user):
    response = api_checkout(user_client, {ProductFactory(): 1}, email=None)
    assert response.status_code == 201
    assert response.json()["email"] == user.email
    assert Order.objects.get().user == user


def test_guest_checkout_without_email_is_400_and_keeps_the_cart(api_client):
    product = ProductFactory(stock=2)
    response = api_checkout(api_client, {product: 1}, email=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_required"
    assert "email" in response.json()["error"]["fields"]
    assert session_cart(api_client).items == {product.pk: 1} and stock(product) == 2


def test_empty_cart_is_400_empty_cart(api_client):
    response = api_client.post(
        "/api/checkout", {"shipping_address": ADDRESS, "email": "a@example.com"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_cart"


def test_short_stock_is_409_naming_each_product_with_nothing_reserved(api_client):
    ok = ProductFactory(stock=5)
    short = ProductFactory(sku="short", stock=1)
    response = api_checkout(api_client, {ok: 2, short: 3})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert [
        (p["product_id"], p["sku"], p["requested"], p["available"]) for p in error["products"]
    ] == [(short.pk, "short", 3, 1)]
    assert (stock(ok), stock(short)) == (5, 1) and Order.objects.count() == 0
    assert session_cart(api_client).items == {ok.pk: 2, short.pk: 3}


def test_used_up_coupon_is_409_coupon_exhausted(api_client):
    CouponFactory(code="GONE", usage_limit=2, times_used=2)
    product = ProductFactory(stock=5)
    response = api_checkout(api_client, {product: 1}, coupon="GONE")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "coupon_exhausted"
    assert stock(product) == 5 and Coupon.objects.get(code="GONE").times_used == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"street": ""}, "shipping_address.street"),
        ({"street": "s" * 201}, "shipping_address.street"),
        ({"city": "c" * 101}, "shipping_address.city"),
        ({"zip": "z" * 21}, "shipping_address.zip"),
        ({"name": "n" * 101}, "shipping_address.name"),
        ({"country": "XX"}, "shipping_address.country"),
        ({"country": "USA"}, "shipping_address.country"),
        ({"country": None}, "shipping_address.country"),
        ({"city": "Lon\x00don"}, "shipping_address.city"),
        ({"street": "Main\nStreet"}, "shipping_address.street"),
        ({"zip": 12345}, "shipping_address.zip"),
        ({"street": "   "}, "shipping_address.street"),
    ],
)
def test_bad_address_is_400_with_the_field_and_changes_nothing(api_client, change, field):
    product = ProductFactory(stock=3)
    address = {**ADDRESS, **change}
    put_cart(api_client, {product.pk: 1})
    response = api_client.post(
        "/api/checkout", {"shipping_address": address, "email": "a@example.com"}
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert stock(product) == 3 and Order.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"shipping_address": "1 Main St", "email": "a@example.com"},
        {"shipping_address": ADDRESS, "email": None},
        {"shipping_address": ADDRESS, "email": "not-an-email"},
        {"shipping_address": ADDRESS, "email": "a" * 250 + "@x.io"},
        {"shipping_address": ADDRESS, "email": 7},
    ],
)
def test_bad_checkout_body_is_400(api_client, body):
    product = ProductFactory(stock=3)
    put_cart(api_client, {product.pk: 1})
    response = api_client.post("/api/checkout", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert stock(product) == 3


def test_lowercase_country_is_stored_upper_case(api_client):
    put_cart(api_client, {ProductFactory().pk: 1})
    body = {"shipping_address": {**ADDRESS, "country": "de"}, "email": "a@example.com"}
    assert api_client.post("/api/checkout", body).json()["shipping_address"]["country"] == "DE"


def test_client_cannot_set_status_or_totals(api_client):
    product = ProductFactory(price=Decimal("3.00"))
    put_cart(api_client, {product.pk: 1})
    body = {
        "shipping_address": ADDRESS,
        "email": "a@example.com",
        "status": "paid",
        "total": 0.01,
        "amount_paid": 3.0,
    }
    order = api_client.post("/api/checkout", body).json()
    assert (order["status"], order["total"], order["amount_paid"]) == ("pending", 3.0, 0.0)


def test_same_idempotency_key_returns_the_first_order_with_201(api_client):
    product = ProductFactory(stock=5)
    first = api_checkout(api_client, {product: 2}, HTTP_IDEMPOTENCY_KEY="abc-123")
    again = api_client.post(
        "/api/checkout",
        {"shipping_address": ADDRESS, "email": "guest@example.com"},
        HTTP_IDEMPOTENCY_KEY="abc-123",
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1 and stock(product) == 3


def test_same_key_with_another_body_is_422(api_client):
    api_checkout(api_client, {ProductFactory(): 1}, HTTP_IDEMPOTENCY_KEY="k")
    response = api_checkout(
        api_client, {ProductFactory(): 1}, email="other@example.com", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\tkey"])
def test_malformed_idempotency_key_is_400(api_client, key):
    product = ProductFactory(stock=1)
    response = api_checkout(api_client, {product: 1}, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert stock(product) == 1


def test_orders_lists_the_callers_orders_newest_first(api_client):
    first = api_checkout(api_client, {ProductFactory(): 1}).json()
    second = api_checkout(api_client, {ProductFactory(): 1}).json()
    place({ProductFactory(): 1})  # someone else's
    body = api_client.get("/api/orders").json()
    assert [o["id"] for o in body] == [second["id"], first["id"]]


def test_orders_list_query_count_is_pinned(user_client, user, django_assert_num_queries):
    for _ in range(3):
        paid(place({ProductFactory(): 2}, user=user))
    # session + user, stale-pending ids, orders, lines, payments, refunds
    with django_assert_num_queries(7):
        body = user_client.get("/api/orders").json()
    assert len(body) == 3 and all(len(o["payments"]) == 1 for o in body)


def test_get_order_returns_it(api_client):
    created = api_checkout(api_client, {ProductFactory(): 1}).json()
    response = api_client.get(f"/api/orders/{created['id']}")
    assert response.status_code == 200 and response.json() == created


def test_reading_an_expired_order_cancels_it_and_releases_stock(api_client):
    product = ProductFactory(stock=4)
    created = api_checkout(api_client, {product: 3}).json()
    Order.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = api_client.get(f"/api/orders/{created['id']}").json()
    assert body["status"] == "cancelled" and stock(product) == 4
    assert api_client.get("/api/orders").json()[0]["status"] == "cancelled"
    assert stock(product) == 4


def test_listing_expires_stale_orders(api_client):
    product = ProductFactory(stock=4)
    created = api_checkout(api_client, {product: 3}).json()
    Order.objects.filter(pk=created["id"]).update(expires_at=timezone.now())
    assert api_client.get("/api/orders").json()[0]["status"] == "cancelled"
    assert stock(product) == 4


def test_cancel_restores_stock_once_and_twice_is_409(api_client):
    product = ProductFactory(stock=5)
    created = api_checkout(api_client, {product: 3}).json()
    response = api_client.post(f"/api/orders/{created['id']}/cancel", {"reason": "changed my mind"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and stock(product) == 5
    again = api_client.post(f"/api/orders/{created['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "cannot_cancel"
    assert stock(product) == 5


def test_cancel_without_a_body_works(api_client):
    created = api_checkout(api_client, {ProductFactory(): 1}).json()
    response = api_client.generic("POST", f"/api/orders/{created['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


@pytest.mark.parametrize("reason", ["r" * 501, 5, None, "bad\x07bell"])
def test_bad_cancel_reason_is_400_and_cancels_nothing(api_client, reason):
    created = api_checkout(api_client, {ProductFactory(): 1}).json()
    response = api_client.post(f"/api/orders/{created['id']}/cancel", {"reason": reason})
    assert response.status_code == 400
    assert Order.objects.get(pk=created["id"]).status == "pending"


def test_cancel_of_a_paid_order_refunds_it_in_full_first(api_client):
    product = ProductFactory(stock=5, price=Decimal("4.00"))
    created = api_checkout(api_client, {product: 2}).json()
    paid(Order.objects.get(pk=created["id"]))
    body = api_client.post(f"/api/orders/{created['id']}/cancel").json()
    assert body["status"] == "cancelled"
    assert (body["amount_paid"], body["amount_refunded"]) == (8.0, 8.0)
    assert [r["amount"] for r in body["refunds"]] == [8.0]
    assert stock(product) == 5


def test_shipped_order_cannot_be_cancelled(api_client, staff_client):
    product = ProductFactory(stock=5)
    created = api_checkout(api_client, {product: 1}).json()
    paid(Order.objects.get(pk=created["id"]))
    assert staff_client.post(f"/api/orders/{created['id']}/ship").status_code == 200
    response = api_client.post(f"/api/orders/{created['id']}/cancel")
    assert response.status_code == 409 and response.json()["error"]["code"] == "cannot_cancel"
    assert stock(product) == 4


def test_staff_ship_a_paid_order(staff_client, staff):
    order = paid(place({ProductFactory(): 1}))
    response = staff_client.post(f"/api/orders/{order.pk}/ship")
    assert response.status_code == 200 and response.json()["status"] == "shipped"
    event = order.events.latest("id")
    assert (event.to_status, event.actor, event.actor_label) == ("shipped", staff, "staff")


def test_checkout_past_the_largest_amount_is_400_and_orders_still_list(api_client):
    yacht = ProductFactory(name="Yacht", price=Decimal("60000000.00"), stock=5)
    response = api_checkout(api_client, {yacht: 2})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "amount_too_large"
    assert stock(yacht) == 5 and not Order.objects.exists()
    assert session_cart(api_client).items == {yacht.pk: 2}
    assert api_client.get("/api/orders").status_code == 200
    assert api_checkout(api_client, {yacht: 1}).status_code == 201


def test_a_guest_checkout_past_the_guest_limit_is_409_and_a_signed_in_one_is_not(
    api_client, user_client, settings
):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 10
    product = ProductFactory(sku="fig", name="Fig", stock=30)
    response = api_checkout(api_client, {product: 11})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "guest_limit" and error["limit"] == 10
    assert error["products"] == [
        {"product_id": product.pk, "sku": "fig", "name": "Fig", "requested": 11}
    ]
    assert stock(product) == 30 and session_cart(api_client).items == {product.pk: 11}
    assert api_checkout(api_client, {product: 10}).status_code == 201
    assert api_checkout(user_client, {product: 11}, email=None).status_code == 201
    assert stock(product) == 9


def test_shipping_a_pending_order_is_409_cannot_ship(staff_client):
    order = place({ProductFactory(): 1})
    response = staff_client.post(f"/api/orders/{order.pk}/ship")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_ship"
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_shipping_an_unknown_order_is_404_even_for_staff(staff_client):
    assert staff_client.post("/api/orders/999999/ship").status_code == 404


def test_owner_who_is_not_staff_gets_403_on_ship(user_client, user):
    order = paid(place({ProductFactory(): 1}, user=user))
    response = user_client.post(f"/api/orders/{order.pk}/ship")
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_token_client_without_cookies_checks_out_and_reads_its_orders(api_client, user, password):
    login = api_client.post("/api/auth/login", {"email": user.email, "password": password})
    auth = {"HTTP_AUTHORIZATION": f"Bearer {login.json()['access_token']}"}
    product = ProductFactory(stock=3)
    client = api_client
    client.cookies.clear()
    assert client.post("/api/cart/items", {"product_id": product.pk}, **auth).status_code == 200
    client.cookies.clear()  # a token client keeps no cookies
    body = {"shipping_address": ADDRESS}
    response = client.post("/api/checkout", body, **auth)
    assert response.status_code == 201 and response.json()["email"] == user.email
    client.cookies.clear()
    assert [o["id"] for o in client.get("/api/orders", **auth).json()] == [response.json()["id"]]
    assert client.get("/api/cart", **auth).json()["items"] == []
    assert client.get(f"/api/orders/{response.json()['id']}").status_code == 404  # no token


def test_checkout_request_query_count_is_pinned(api_client, django_assert_num_queries):
    products = [ProductFactory() for _ in range(3)]
    put_cart(api_client, {p.pk: 1 for p in products})
    body = {"shipping_address": ADDRESS, "email": "a@example.com"}
    # session; savepoint, products, shipping methods, tax rates, 3 stock updates, the stock
    # they left (low-stock alerts), order, lines, event, release; session save (3); the
    # answer is the order just written
    with django_assert_num_queries(17):
        response = api_client.post("/api/checkout", body)
    assert response.status_code == 201


def test_cancelling_an_order_past_its_reservation_cancels_it_as_asked(api_client):
    product = ProductFactory(stock=4)
    created = api_checkout(api_client, {product: 3}).json()
    Order.objects.filter(pk=created["id"]).update(expires_at=timezone.now())
    response = api_client.post(f"/api/orders/{created['id']}/cancel", {"reason": "too slow"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Order.objects.get(pk=created["id"]).events.latest("id").note == "too slow"
    assert stock(product) == 4
