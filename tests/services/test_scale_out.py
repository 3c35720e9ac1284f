"""Two gunicorn servers behind one "load balancer" (the client alternates) share PostgreSQL
and Redis: the shopper sees one cart and one order, and a restart of both loses neither."""

from datetime import date
from decimal import Decimal

import pytest
import requests
from django.contrib.sessions.models import Session
from django.core.cache import cache

from catalog.models import Product
from orders.models import Order, Payment
from tests.factories import ProductFactory
from tests.services.servers import AppServer, free_ports, server_env, start_all, stop_all

pytestmark = pytest.mark.django_db(transaction=True)

ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
]
ADDRESS = {
    "name": "Ada",
    "street": "1 Loop Road",
    "city": "Localhost",
    "zip": "12345",
    "country": "GB",
}
CARD = {
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": date.today().year + 1,
    "cvv": "123",
}
TIMEOUT = 20  # seconds, per request


@pytest.fixture
def app_servers(redis_url, tmp_path, request):
    """Start two servers with the session engine in `request.param`; stop them afterwards."""
    cache.clear()  # this Redis database belongs to the tests
    env = server_env(SESSION_ENGINE=request.param)
    servers = [
        AppServer(port, env, tmp_path / f"gunicorn-{i}.log") for i, port in enumerate(free_ports(2))
    ]
    try:
        start_all(servers)
        yield servers
    finally:
        stop_all(servers)


def restart(servers) -> None:
    stop_all(servers)
    start_all(servers)


def call(http: requests.Session, server: AppServer, method: str, path: str, **kwargs):
    return http.request(method, f"{server.url}/api{path}", timeout=TIMEOUT, **kwargs)


def cart_of(http, server) -> dict:
    response = call(http, server, "GET", "/cart")
    assert response.status_code == 200, response.text
    return response.json()


def quantities(cart: dict) -> dict:
    return {item["sku"]: item["quantity"] for item in cart["items"]}


@pytest.mark.parametrize("app_servers", ENGINES, indirect=True, ids=lambda e: e.rsplit(".")[-1])
def test_one_shopper_across_two_servers_sees_one_cart_and_order_and_a_restart_loses_none(
    app_servers, request
):
    a, b = app_servers
    apple = ProductFactory(sku="apple", price=Decimal("0.50"), stock=10)
    pear = ProductFactory(sku="pear", price=Decimal("1.25"), stock=10)
    plum = ProductFactory(sku="plum", price=Decimal("2.00"), stock=10)
    http = requests.Session()

    # The cart is built on both servers, each request on the other one.
    first = call(http, a, "POST", "/cart/items", json={"sku": "apple", "quantity": 2})
    assert first.status_code == 200, first.text
    cart_id = first.json()["cart_id"]
    added = call(http, b, "POST", "/cart/items", json={"product_id": pear.pk})
    assert added.status_code == 200, added.text
    assert call(http, a, "POST", "/cart/items", json={"sku": "apple"}).status_code == 200
    changed = call(http, b, "PATCH", f"/cart/items/{pear.pk}", json={"quantity": 3})
    assert changed.status_code == 200, changed.text
    for server in (a, b):
        cart = cart_of(http, server)
        assert cart["cart_id"] == cart_id
        assert quantities(cart) == {"apple": 3, "pear": 3}
        assert cart["total"] == 5.25

    # Checkout on one server, pay on the other, read the order on both.
    placed = call(
        http, b, "POST", "/checkout", json={"shipping_address": ADDRESS, "email": "ada@example.com"}
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "pending" and order["total"] == 5.25
    emptied = cart_of(http, a)
    assert emptied["items"] == [] and emptied["cart_id"] != cart_id
    paid = call(
        http, a, "POST", f"/orders/{order['id']}/pay", json={"method": "credit_card", "card": CARD}
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["amount_paid"] == 5.25
    for server in (a, b):
        seen = call(http, server, "GET", f"/orders/{order['id']}").json()
        assert (seen["status"], seen["amount_paid"]) == ("paid", 5.25)

    # A new cart is in progress when both servers restart.
    assert (
        call(http, b, "POST", "/cart/items", json={"sku": "plum", "quantity": 2}).status_code == 200
    )
    next_cart_id = cart_of(http, a)["cart_id"]
    restart(app_servers)

    for server in (b, a):
        cart = cart_of(http, server)
        assert (cart["cart_id"], quantities(cart)) == (next_cart_id, {"plum": 2})
        orders = call(http, server, "GET", "/orders").json()
        assert [(o["id"], o["status"]) for o in orders] == [(order["id"], "paid")]

    # The database agrees: one order, paid once, stock taken once.
    assert Order.objects.get().status == Order.Status.PAID
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    stock = dict(
        Product.objects.filter(pk__in=[apple.pk, pear.pk, plum.pk]).values_list("sku", "stock")
    )
    assert stock == {"apple": 7, "pear": 7, "plum": 10}
    # And the sessions live where the engine says: the database, or Redis alone.
    engine = request.node.callspec.params["app_servers"]
    assert Session.objects.exists() == (not engine.endswith(".cache"))


@pytest.mark.parametrize("app_servers", ENGINES[1:2], indirect=True, ids=["cache"])
def test_both_servers_read_the_same_stock_at_once(app_servers):
    product = ProductFactory(stock=5)
    http = requests.Session()
    Product.objects.filter(pk=product.pk).update(stock=2)
    for server in app_servers:
        body = call(http, server, "GET", f"/products/{product.pk}/stock").json()
        assert body == {"product_id": product.pk, "sku": product.sku, "quantity": 2}
