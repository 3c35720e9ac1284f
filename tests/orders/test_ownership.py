"""Orders are visible only to their owner: everyone else gets 404 on every route."""

import pytest

from orders.models import Order
from tests.factories import ProductFactory, UserFactory
from tests.orders.conftest import api_checkout
from tests.orders.payment_helpers import card
from tests.sessions import ENGINES, put_in_session

pytestmark = pytest.mark.django_db

API_ROUTES = [
    ("get", "/api/orders/{id}", None),
    ("post", "/api/orders/{id}/cancel", {}),
    ("post", "/api/orders/{id}/ship", None),
    ("post", "/api/orders/{id}/pay", {"method": "credit_card", "card": card()}),
    ("post", "/api/orders/{id}/refund", {}),
]
PAGE_ROUTES = [
    ("get", "/orders/{number}/"),
    ("get", "/orders/{number}/thanks/"),
    ("post", "/orders/{number}/cancel/"),
]


def outsider(kind: str, api_client_class):
    client = api_client_class()
    if kind == "other_user":
        client.force_login(UserFactory())
    elif kind == "other_guest":
        api_checkout(client, {ProductFactory(): 1})  # a guest session with orders of its own
    return client


@pytest.fixture(params=["other_user", "other_guest", "anonymous"])
def stranger(request, api_client):
    return outsider(request.param, type(api_client))


@pytest.fixture(params=["guest_owner", "user_owner"])
def order(request, api_client):
    if request.param == "user_owner":
        api_client.force_login(UserFactory())
    body = api_checkout(api_client, {ProductFactory(stock=5): 1}).json()
    return Order.objects.get(pk=body["id"])


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES)
def test_api_routes_are_404_for_anyone_but_the_owner(stranger, order, method, path, body):
    url = path.format(id=order.pk)
    response = (
        getattr(stranger, method)(url, body) if body is not None else getattr(stranger, method)(url)
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] in {"order_not_found", "not_found"}
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.status, fresh.amount_paid) == ("pending", order.amount_paid)


@pytest.mark.parametrize(("method", "path"), PAGE_ROUTES)
def test_pages_are_404_for_anyone_but_the_owner(stranger, order, method, path):
    response = getattr(stranger, method)(path.format(number=order.number))
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_strangers_lists_do_not_show_the_order(stranger, order):
    assert order.pk not in [o["id"] for o in stranger.get("/api/orders").json()]


def test_owner_sees_the_order_on_every_read_route(api_client, order):
    assert api_client.get(f"/api/orders/{order.pk}").status_code == 200
    assert [o["id"] for o in api_client.get("/api/orders").json()] == [order.pk]
    assert api_client.get(f"/orders/{order.number}/").status_code == 200
    assert api_client.get(f"/orders/{order.number}/thanks/").status_code == 200


def test_unknown_order_is_404(api_client):
    assert api_client.get("/api/orders/424242").status_code == 404
    assert api_client.get("/orders/CS-NOPE/").status_code == 404


@pytest.mark.parametrize("engine", list(ENGINES))
def test_guest_ownership_works_on_every_session_engine(settings, engine, api_client):
    settings.SESSION_ENGINE = ENGINES[engine]
    body = api_checkout(api_client, {ProductFactory(): 1}).json()
    assert api_client.get(f"/api/orders/{body['id']}").status_code == 200
    assert [o["id"] for o in api_client.get("/api/orders").json()] == [body["id"]]
    cancelled = api_client.post(f"/api/orders/{body['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"


def test_guest_orders_stay_with_the_session_not_the_account_signed_in_later(api_client):
    body = api_checkout(api_client, {ProductFactory(): 1}).json()
    api_client.force_login(UserFactory())
    assert api_client.get(f"/api/orders/{body['id']}").status_code == 404


def test_a_guest_session_naming_a_customers_order_still_gets_404(api_client):
    # Guest sessions only ever see guest orders, whatever ids they remember.
    customer = type(api_client)()
    customer.force_login(UserFactory())
    placed = api_checkout(customer, {ProductFactory(): 1}).json()
    put_in_session(api_client, orders={"guest": "g", "ids": [placed["id"]]})
    for method, path, body in API_ROUTES:
        response = getattr(api_client, method)(path.format(id=placed["id"]), body)
        assert response.status_code == 404, path
    assert Order.objects.get(pk=placed["id"]).status == "pending"
