"""Guest orders join the account of their address once it is verified, never before."""

import pytest
from django.utils import timezone

from accounts.guest_orders import join_guest_orders
from accounts.models import User
from accounts.verification import make_token
from orders.models import Order
from tests.conftest import ApiClient
from tests.factories import PASSWORD, ProductFactory, UserFactory
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def bread():
    return ProductFactory(stock=20)


def _sign_in(client, email):
    return client.post("/api/auth/login", {"email": email, "password": PASSWORD})


def test_verifying_joins_the_guest_orders_of_the_address_and_the_account_owns_them(bread):
    order = place({bread: 1}, email="Lin@Example.com")
    user = UserFactory(email="lin@example.com")
    client = ApiClient()
    _sign_in(client, user.email)
    assert client.get(f"/api/orders/{order.pk}").status_code == 404  # not yet

    response = client.post("/api/auth/verify-email", {"token": make_token(user)})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.user == user
    assert client.get(f"/api/orders/{order.pk}").json()["id"] == order.pk
    assert [o["id"] for o in client.get("/api/orders").json()] == [order.pk]
    assert client.get(f"/orders/{order.number}/").status_code == 200


def test_an_unverified_account_claims_nothing_at_sign_up_or_sign_in(bread, api_client):
    order = place({bread: 1}, email="victim@example.com")
    api_client.post(
        "/api/auth/register", {"email": "victim@example.com", "password": "a-long-passphrase-9"}
    )

    signed_in = api_client.post(
        "/api/auth/login", {"email": "victim@example.com", "password": "a-long-passphrase-9"}
    )

    assert signed_in.status_code == 200
    order.refresh_from_db()
    assert order.user is None
    assert api_client.get(f"/api/orders/{order.pk}").status_code == 404
    assert api_client.get("/api/orders").json() == []


def test_signing_in_verified_joins_guest_orders_placed_since(bread):
    user = UserFactory(email="lin@example.com", email_verified_at=timezone.now())
    later = place({bread: 2}, email="LIN@example.com")
    client = ApiClient()

    _sign_in(client, user.email)

    later.refresh_from_db()
    assert later.user == user
    assert client.get(f"/api/orders/{later.pk}").status_code == 200


def test_the_sign_in_page_joins_them_too(bread, client):
    user = UserFactory(email="lin@example.com", email_verified_at=timezone.now())
    order = place({bread: 1}, email="lin@example.com")

    client.post("/account/login/", {"username": user.email, "password": PASSWORD})

    assert Order.objects.get(pk=order.pk).user == user
    assert client.get(f"/orders/{order.number}/").status_code == 200


def test_orders_of_other_addresses_and_other_accounts_never_join(bread):
    owner = UserFactory(email="owner@example.com")
    theirs = place({bread: 1}, user=owner, email="lin@example.com")
    someone_elses = place({bread: 1}, email="someone@example.com")
    user = UserFactory(email="lin@example.com", email_verified_at=timezone.now())

    joined = join_guest_orders(user=user)

    assert joined == 0
    assert Order.objects.get(pk=theirs.pk).user == owner
    assert Order.objects.get(pk=someone_elses.pk).user is None


def test_joining_is_one_update(bread, django_assert_num_queries):
    for _ in range(3):
        place({bread: 1}, email="lin@example.com")
    user = UserFactory(email="lin@example.com", email_verified_at=timezone.now())

    with django_assert_num_queries(1):
        assert join_guest_orders(user=user) == 3

    assert set(Order.objects.values_list("user", flat=True)) == {user.pk}


def test_an_email_change_joins_the_guest_orders_of_the_new_address(bread, user_client, user):
    order = place({bread: 1}, email="moved@example.com")
    token = make_token(user, email="moved@example.com")

    response = user_client.post("/api/auth/verify-email", {"token": token})

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).user == User.objects.get(email="moved@example.com")
    assert user_client.get(f"/api/orders/{order.pk}").status_code == 200
