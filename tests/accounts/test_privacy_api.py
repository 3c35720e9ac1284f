"""Your data in the API: GET /api/account/export and DELETE /api/account."""

import json

import pytest
from django.utils import timezone

from accounts.models import User
from cart.models import SavedCart
from cart.saved import save_cart
from orders.models import Order, OrderEvent, SavedAddress
from tests.conftest import ApiClient, token_client_for
from tests.factories import PASSWORD, ProductFactory, StaffFactory, UserFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db


def _delete(client, password=PASSWORD, **extra):
    body = json.dumps({"password": password})
    return client.delete("/api/account", body, content_type="application/json", **extra)


@pytest.fixture
def shopper():
    user = UserFactory(email="bob@example.com", name="Bob")
    SavedAddress.objects.create(
        user=user, street="1 Main St", city="Springfield", zip="12345", country="US"
    )
    return user


def test_the_export_is_the_accounts_data_with_amounts_as_strings(shopper):
    order = paid(place({ProductFactory(stock=5): 1}, user=shopper, email=shopper.email))

    response = token_client_for(shopper).get("/api/account/export")

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "bob@example.com" and data["account"]["name"] == "Bob"
    assert data["account"]["email_verified"] is False
    assert [a["city"] for a in data["addresses"]] == ["Springfield"]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["total"] == str(order.total)  # "…" strings, exact
    assert data["orders"][0]["payments"][0]["amount"] == str(order.total)


def test_the_export_needs_a_signed_in_user(api_client):
    response = api_client.get("/api/account/export")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("orders", [1, 5])
def test_the_export_costs_the_same_queries_for_1_or_5_orders(
    shopper, orders, django_assert_num_queries
):
    apple = ProductFactory(stock=50)
    for _ in range(orders):
        place({apple: 1}, user=shopper, email=shopper.email)
    client = ApiClient()
    client.force_login(shopper)

    # session, user, then the export's 7 reads
    with django_assert_num_queries(9):
        response = client.get("/api/account/export")
    assert len(response.json()["orders"]) == orders


def test_delete_erases_the_account_and_ends_every_session_and_token(shopper):
    order = paid(place({ProductFactory(stock=5): 2}, user=shopper, email=shopper.email))
    save_cart(shopper, {"id": "c", "items": {"1": 1}})
    token_client = token_client_for(shopper)
    browser = ApiClient()
    browser.force_login(shopper)
    old_token = token_client_for(shopper)

    response = _delete(token_client)

    assert response.status_code == 204 and response.content == b""
    assert old_token.get("/api/auth/me").status_code == 401
    assert browser.get("/api/auth/me").status_code == 401
    assert not User.objects.filter(pk=shopper.pk).exists()
    assert not SavedAddress.objects.exists() and not SavedCart.objects.exists()
    kept = Order.objects.get(pk=order.pk)
    assert (kept.user_id, kept.total, kept.amount_paid) == (None, order.total, order.total)
    assert kept.email.endswith("@deleted.invalid") and kept.ship_street == "deleted"
    assert kept.lines.count() == 1 and kept.payments.count() == 1
    assert OrderEvent.objects.filter(order=order, action="personal_data_erased").count() == 1


def test_the_email_registers_again_after_deletion(shopper):
    assert _delete(token_client_for(shopper)).status_code == 204

    again = ApiClient().post(
        "/api/auth/register", {"email": "bob@example.com", "password": "a-Long-passphrase-77"}
    )

    assert again.status_code in (201, 202)
    assert User.objects.filter(email="bob@example.com").exclude(pk=shopper.pk).exists()


def test_a_wrong_password_is_a_400_and_deletes_nothing(shopper):
    client = token_client_for(shopper)

    response = _delete(client, "not-my-password")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "wrong_password" and "password" in error["fields"]
    assert User.objects.filter(pk=shopper.pk).exists()
    assert client.get("/api/auth/me").status_code == 200


def test_wrong_passwords_are_throttled_like_sign_ins(shopper, settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 2
    client = token_client_for(shopper)
    _delete(client, "wrong-1")
    _delete(client, "wrong-2")

    response = _delete(client)  # even the right one, until the window ends

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert User.objects.filter(pk=shopper.pk).exists()


def test_delete_needs_a_signed_in_user(api_client):
    response = _delete(api_client)
    assert response.status_code == 401


def test_delete_waits_for_a_payment_in_flight(shopper):
    order = place({ProductFactory(stock=5): 1}, user=shopper, email=shopper.email)
    Order.objects.filter(pk=order.pk).update(payment_claim="ref", payment_claimed_at=timezone.now())

    response = _delete(token_client_for(shopper))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_in_progress"
    assert Order.objects.get(pk=order.pk).user_id == shopper.pk


def test_a_staff_account_is_not_deleted_through_the_api():
    staff = StaffFactory()

    response = _delete(token_client_for(staff))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_account"
    assert User.objects.filter(pk=staff.pk).exists()
