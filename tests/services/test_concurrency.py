"""The orders invariants under real concurrency on PostgreSQL: one thread and one connection
per shopper, all released at once, through the whole API stack (committed data, no test
transaction around them)."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum

from catalog.models import Product
from orders.models import GatewayCharge, Order, OrderLine, Payment, Refund
from tests.concurrency import errors, run_concurrently
from tests.conftest import ApiClient
from tests.factories import ProductFactory, StaffFactory
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {
    "name": "Ada",
    "street": "1 Race Street",
    "city": "Lockton",
    "zip": "LK1",
    "country": "GB",
}
CHECKOUT = {"shipping_address": ADDRESS, "email": "racer@example.com"}
CARD = {
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": date.today().year + 1,
    "cvv": "123",
}


def shopper(items: dict) -> ApiClient:
    """A guest client whose session cart holds {product_id: quantity}, in that order."""
    client = ApiClient()
    put_cart(client, items)
    return client


def same_session(client: ApiClient) -> ApiClient:
    """Another client (another thread's) with the same session cookie: one shopper, two tabs."""
    twin = ApiClient()
    name = settings.SESSION_COOKIE_NAME
    twin.cookies[name] = client.cookies[name].value
    return twin


def post(client: ApiClient, path: str, body: dict, headers: dict | None = None):
    return client.post(path, body, headers=headers or {})


def race(calls: list[tuple]) -> list:
    """POST each (client, path, body[, headers]) in its own thread, all at once."""
    return run_concurrently(lambda i: post(*calls[i]), len(calls))


def statuses(responses) -> list[int]:
    assert not errors(responses), errors(responses)
    return sorted(r.status_code for r in responses)


def codes(responses, status: int) -> set[str]:
    return {r.json()["error"]["code"] for r in responses if r.status_code == status}


def placed_and_paid(price: str) -> tuple[ApiClient, dict]:
    """A guest's paid one-line order at this price."""
    product = ProductFactory(price=Decimal(price), stock=5)
    client = shopper({product.pk: 1})
    order = post(client, "/api/checkout", CHECKOUT).json()
    paid = post(client, f"/api/orders/{order['id']}/pay", {"method": "credit_card", "card": CARD})
    assert paid.status_code == 200, paid.content
    return client, paid.json()


def test_50_concurrent_checkouts_of_the_last_3_units_make_exactly_3_orders():
    product = ProductFactory(stock=3)
    clients = [shopper({product.pk: 1}) for _ in range(50)]

    responses = race([(c, "/api/checkout", CHECKOUT) for c in clients])

    assert statuses(responses) == [201] * 3 + [409] * 47
    assert codes(responses, 409) == {"insufficient_stock"}
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 3
    assert OrderLine.objects.aggregate(sold=Sum("quantity"))["sold"] == 3
    placed = {r.json()["id"] for r in responses if r.status_code == 201}
    assert placed == set(Order.objects.values_list("id", flat=True))


def test_40_concurrent_checkouts_of_two_products_in_opposite_orders_all_succeed():
    first, second = ProductFactory(stock=100), ProductFactory(stock=100)
    carts = [{first.pk: 1, second.pk: 2}, {second.pk: 2, first.pk: 1}]  # dicts keep this order
    clients = [shopper(carts[i % 2]) for i in range(40)]

    responses = race([(c, "/api/checkout", CHECKOUT) for c in clients])

    assert statuses(responses) == [201] * 40
    stock = dict(Product.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "stock"))
    assert stock == {first.pk: 60, second.pk: 20}
    assert Order.objects.count() == 40
    assert OrderLine.objects.count() == 80


def test_concurrent_pays_of_one_order_charge_it_once():
    product = ProductFactory(price=Decimal("12.34"), stock=5)
    client = shopper({product.pk: 1})
    order = post(client, "/api/checkout", CHECKOUT).json()
    tabs = [same_session(client) for _ in range(10)]  # the card-failure throttle allows 10
    body = {"method": "credit_card", "card": CARD}

    responses = race([(t, f"/api/orders/{order['id']}/pay", body) for t in tabs])

    assert statuses(responses) == [200] + [409] * 9
    assert codes(responses, 409) <= {"already_paid", "payment_in_progress"}
    paid = Order.objects.get(pk=order["id"])
    assert (paid.status, paid.amount_paid) == (Order.Status.PAID, Decimal("12.34"))
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    assert list(GatewayCharge.objects.values_list("amount", flat=True)) == [Decimal("12.34")]


def test_concurrent_pays_with_one_idempotency_key_charge_once_and_agree():
    product = ProductFactory(price=Decimal("5.00"), stock=5)
    client = shopper({product.pk: 1})
    order = post(client, "/api/checkout", CHECKOUT).json()
    body = {"method": "credit_card", "card": CARD}
    headers = {"Idempotency-Key": "pay-once-please"}
    calls = [
        (same_session(client), f"/api/orders/{order['id']}/pay", body, headers) for _ in range(8)
    ]

    responses = race(calls)

    assert 200 in statuses(responses)
    assert set(statuses(responses)) <= {200, 409}
    assert codes(responses, 409) <= {"payment_in_progress"}
    assert {r.json()["status"] for r in responses if r.status_code == 200} == {"paid"}
    assert Payment.objects.count() == 1
    assert GatewayCharge.objects.count() == 1


def test_concurrent_partial_refunds_never_exceed_the_payment():
    client, order = placed_and_paid("10.00")
    tabs = [same_session(client) for _ in range(10)]
    path = f"/api/orders/{order['id']}/refund"

    responses = race([(t, path, {"amount": "3.00"}) for t in tabs])

    assert statuses(responses) == [200] * 3 + [409] * 7  # 3 × 3.00 fit in 10.00, a 4th does not
    assert codes(responses, 409) == {"refund_exceeds_payment"}
    refunded = Order.objects.get(pk=order["id"])
    assert refunded.amount_refunded == Decimal("9.00") <= refunded.amount_paid
    assert refunded.status == Order.Status.PARTIALLY_REFUNDED
    succeeded = Refund.objects.filter(status=Refund.Status.SUCCEEDED)
    assert succeeded.aggregate(total=Sum("amount"))["total"] == Decimal("9.00")
    assert GatewayCharge.objects.get().refunded == Decimal("9.00")


def test_concurrent_full_refunds_give_the_money_back_once():
    client, order = placed_and_paid("7.50")
    tabs = [same_session(client) for _ in range(10)]
    path = f"/api/orders/{order['id']}/refund"

    responses = race([(t, path, {}) for t in tabs])

    assert statuses(responses) == [200] + [409] * 9
    refunded = Order.objects.get(pk=order["id"])
    assert (refunded.status, refunded.amount_refunded) == (Order.Status.REFUNDED, Decimal("7.50"))
    assert Refund.objects.filter(status=Refund.Status.SUCCEEDED).count() == 1
    assert GatewayCharge.objects.get().refunded == Decimal("7.50")


def test_a_ship_racing_the_owners_cancel_never_ships_a_refunded_order():
    """Staff ship and the owner cancels the same paid order at once, for 10 orders: each
    ends either shipped with nothing refunded or cancelled and refunded in full."""
    staff = StaffFactory()
    ids, calls = [], []
    for _ in range(10):
        client, order = placed_and_paid("8.00")
        desk = ApiClient()
        desk.force_login(staff)
        ids.append(order["id"])
        calls += [
            (desk, f"/api/orders/{order['id']}/ship", {}),
            (client, f"/api/orders/{order['id']}/cancel", {}),
        ]

    responses = race(calls)

    assert statuses(responses) == [200] * 10 + [409] * 10
    for i, order_id in enumerate(ids):
        ship, cancel = responses[2 * i], responses[2 * i + 1]
        order = Order.objects.get(pk=order_id)
        refunds = Refund.objects.filter(order=order)
        if order.status == Order.Status.SHIPPED:
            assert (ship.status_code, cancel.status_code) == (200, 409)
            assert cancel.json()["error"]["code"] == "cannot_cancel"
            assert order.amount_refunded == 0 and not refunds.exists()
        else:
            assert order.status == Order.Status.CANCELLED
            assert (ship.status_code, cancel.status_code) == (409, 200)
            assert ship.json()["error"]["code"] == "cannot_ship"
            assert order.amount_refunded == order.amount_paid == Decimal("8.00")
            assert [r.status for r in refunds] == [Refund.Status.SUCCEEDED]
    charges = GatewayCharge.objects.all()
    shipped = Order.objects.filter(status=Order.Status.SHIPPED).count()
    assert sum(c.amount - c.refunded for c in charges) == Decimal("8.00") * shipped
