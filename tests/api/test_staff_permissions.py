"""The staff API checks Django permissions, like the admin: is_staff alone is not enough."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import Order
from tests.conftest import ApiClient, token_client_for
from tests.factories import CategoryFactory, ProductFactory, StaffFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

# Each call returns the response and a check that is true once the call took effect.


def _create_product(client):
    CategoryFactory(slug="fruit")
    body = {"sku": "kiwi", "name": "Kiwi", "price": "0.75", "category": "fruit"}
    response = client.post("/api/products", body)
    return response, lambda: Product.objects.filter(sku="kiwi").exists()


def _update_product(client):
    product = ProductFactory(stock=4)
    response = client.patch(f"/api/products/{product.pk}", {"stock": 9})
    return response, lambda: Product.objects.get(pk=product.pk).stock == 9


def _delete_product(client):
    product = ProductFactory()
    response = client.delete(f"/api/products/{product.pk}")
    return response, lambda: not Product.objects.get(pk=product.pk).active


def _ship(client):
    order = paid(place({ProductFactory(): 1}))
    response = client.post(f"/api/orders/{order.pk}/ship")
    return response, lambda: Order.objects.get(pk=order.pk).status == "shipped"


def _refund(client):
    order = paid(place({ProductFactory(price=Decimal("5.00")): 1}))
    response = client.post(f"/api/orders/{order.pk}/refund", {"amount": "1.00"})
    return response, lambda: Order.objects.get(pk=order.pk).amount_refunded == Decimal("1.00")


CALLS = [  # the call, the permission it needs, its success status
    (_create_product, "catalog.add_product", 201),
    (_update_product, "catalog.change_product", 200),
    (_delete_product, "catalog.delete_product", 204),
    (_ship, "orders.ship_order", 200),
    (_refund, "orders.refund_order", 200),
]


def _client(user, *, token: bool) -> ApiClient:
    if token:
        return token_client_for(user)
    client = ApiClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("token", [False, True], ids=["session", "token"])
@pytest.mark.parametrize("call, permission, ok", CALLS)
def test_staff_without_the_permission_get_403_and_nothing_changes(call, permission, ok, token):
    every_other = [name for _, name, _ in CALLS if name != permission]
    client = _client(StaffFactory(permissions=every_other), token=token)

    response, done = call(client)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not done()


@pytest.mark.parametrize("token", [False, True], ids=["session", "token"])
@pytest.mark.parametrize("call, permission, ok", CALLS)
def test_staff_with_the_permission_succeed(call, permission, ok, token):
    response, done = call(_client(StaffFactory(permissions=[permission]), token=token))
    assert response.status_code == ok
    assert done()


@pytest.mark.parametrize("call, permission, ok", CALLS)
def test_a_superuser_has_every_permission(call, permission, ok):
    superuser = StaffFactory(is_superuser=True, permissions=[])
    response, done = call(_client(superuser, token=True))
    assert response.status_code == ok
    assert done()
