"""The address book API: CRUD under /api/account/addresses, owner-only, checked as checkout;
and the checkout's `address_id` and `save_address`."""

import pytest

from orders.address_book import ADDRESS_BOOK_MAX
from orders.models import Order, SavedAddress
from tests.factories import ProductFactory, UserFactory
from tests.orders.address_book import HOME, WORK, defaults, saved
from tests.orders.conftest import ADDRESS
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db


def body_of(address: SavedAddress) -> dict:
    return {"id": address.pk, **address.as_dict(), "is_default": address.is_default}


# CRUD -------------------------------------------------------------------------------------


def test_anonymous_callers_get_401_everywhere(api_client, user):
    address = saved(user, is_default=True)
    for method, path in [
        ("get", "/api/account/addresses"),
        ("post", "/api/account/addresses"),
        ("get", f"/api/account/addresses/{address.pk}"),
        ("patch", f"/api/account/addresses/{address.pk}"),
        ("delete", f"/api/account/addresses/{address.pk}"),
    ]:
        data = HOME if method in ("post", "patch") else None
        response = (
            getattr(api_client, method)(path, data) if data else getattr(api_client, method)(path)
        )
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
    assert SavedAddress.objects.get().street == HOME["street"]


def test_the_first_address_becomes_the_default(user_client, user):
    response = user_client.post("/api/account/addresses", HOME)
    assert response.status_code == 201
    address = SavedAddress.objects.get(user=user)
    assert response.json() == {"id": address.pk, **HOME, "is_default": True}


def test_a_later_address_is_not_the_default_unless_asked(token_client, user):
    first = saved(user, is_default=True)
    response = token_client.post("/api/account/addresses", WORK)
    assert response.status_code == 201 and response.json()["is_default"] is False
    assert defaults(user) == [first.pk]
    response = token_client.post(
        "/api/account/addresses", {**WORK, "city": "Bonn", "is_default": True}
    )
    assert response.status_code == 201 and response.json()["is_default"] is True
    assert defaults(user) == [response.json()["id"]]


def test_list_shows_the_default_first_then_the_oldest(user_client, user):
    a = saved(user, street="A")
    b = saved(user, street="B", is_default=True)
    c = saved(user, street="C")
    saved(UserFactory(), street="Not mine", is_default=True)
    response = user_client.get("/api/account/addresses")
    assert response.status_code == 200
    assert response.json() == [body_of(b), body_of(a), body_of(c)]


def test_addresses_are_checked_as_checkout_checks_them(user_client, user):
    bad = {"name": "x" * 101, "street": "  ", "city": "Line\nbreak", "zip": "1", "country": "XX"}
    response = user_client.post("/api/account/addresses", bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"name", "city", "country"}
    # Past the schema, the same check as checkout's: a blank street.
    response = user_client.post("/api/account/addresses", {**HOME, "street": "  "})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"street": ["must not be blank"]}
    assert not SavedAddress.objects.exists()


def test_unknown_fields_and_nulls_are_refused(user_client, user):
    address = saved(user, is_default=True)
    response = user_client.post("/api/account/addresses", {**HOME, "is_default": "yes"})
    assert response.status_code == 400 and "is_default" in response.json()["error"]["fields"]
    response = user_client.patch(f"/api/account/addresses/{address.pk}", {"street": None})
    assert response.status_code == 400 and "street" in response.json()["error"]["fields"]
    assert SavedAddress.objects.get().street == HOME["street"]


def test_the_book_holds_at_most_twenty_addresses(user_client, user):
    for n in range(ADDRESS_BOOK_MAX):
        saved(user, street=f"{n} Road", is_default=n == 0)
    response = user_client.post("/api/account/addresses", WORK)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "address_book_full",
        "message": "Your address book is full (20 addresses at most).",
    }
    assert SavedAddress.objects.filter(user=user).count() == ADDRESS_BOOK_MAX


def test_get_one_address(user_client, user):
    address = saved(user, is_default=True)
    response = user_client.get(f"/api/account/addresses/{address.pk}")
    assert response.status_code == 200 and response.json() == body_of(address)


def test_another_users_address_is_404_everywhere(user_client, user):
    theirs = saved(UserFactory(), is_default=True)
    for method in ("get", "patch", "delete"):
        path = f"/api/account/addresses/{theirs.pk}"
        response = (
            user_client.patch(path, {"street": "Mine"})
            if method == "patch"
            else getattr(user_client, method)(path)
        )
        assert response.status_code == 404, method
        assert response.json()["error"]["code"] == "address_not_found"
    theirs.refresh_from_db()
    assert theirs.street == HOME["street"]


def test_patch_changes_only_the_fields_sent(user_client, user):
    address = saved(user, is_default=True)
    response = user_client.patch(
        f"/api/account/addresses/{address.pk}", {"street": " 2 Elm Road ", "country": "ca"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": address.pk,
        **HOME,
        "street": "2 Elm Road",
        "country": "CA",
        "is_default": True,
    }
    address.refresh_from_db()
    assert (address.street, address.country.code, address.city) == (
        "2 Elm Road",
        "CA",
        "Springfield",
    )


def test_patch_validation_names_the_field(user_client, user):
    address = saved(user, is_default=True)
    response = user_client.patch(f"/api/account/addresses/{address.pk}", {"zip": "x" * 21})
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["zip"]


def test_patch_is_default_switches_the_default(user_client, user):
    first = saved(user, is_default=True)
    second = saved(user, street="B")
    response = user_client.patch(f"/api/account/addresses/{second.pk}", {"is_default": True})
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert defaults(user) == [second.pk]
    response = user_client.get(f"/api/account/addresses/{first.pk}")
    assert response.json()["is_default"] is False


def test_the_default_cannot_be_unset_directly(user_client, user):
    first = saved(user, is_default=True)
    response = user_client.patch(f"/api/account/addresses/{first.pk}", {"is_default": False})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "is_default": ["make another address the default instead"]
    }
    assert defaults(user) == [first.pk]


def test_deleting_the_default_makes_the_oldest_remaining_the_default(user_client, user):
    default = saved(user, street="Default", is_default=True)
    oldest = saved(user, street="Oldest")
    saved(user, street="Newer")
    response = user_client.delete(f"/api/account/addresses/{default.pk}")
    assert response.status_code == 204 and response.content == b""
    assert defaults(user) == [oldest.pk]
    assert SavedAddress.objects.filter(user=user).count() == 2


def test_deleting_another_address_keeps_the_default(user_client, user):
    default = saved(user, is_default=True)
    other = saved(user, street="Other")
    assert user_client.delete(f"/api/account/addresses/{other.pk}").status_code == 204
    assert defaults(user) == [default.pk]
    assert user_client.delete(f"/api/account/addresses/{other.pk}").status_code == 404


# Checkout -----------------------------------------------------------------------------------


def checkout(client, body: dict):
    put_cart(client, {ProductFactory(stock=5).pk: 1})
    return client.post("/api/checkout", body)


def test_checkout_with_a_saved_address_ships_there(user_client, user):
    saved(user, is_default=True)
    work = saved(user, **WORK)
    response = checkout(user_client, {"address_id": work.pk})
    assert response.status_code == 201
    assert response.json()["shipping_address"] == WORK
    order = Order.objects.get()
    assert (order.ship_street, order.ship_city, order.ship_country.code) == (
        WORK["street"],
        "Berlin",
        "DE",
    )


def test_checkout_with_another_users_address_is_404(user_client, user):
    theirs = saved(UserFactory(), is_default=True)
    response = checkout(user_client, {"address_id": theirs.pk})
    assert response.status_code == 404 and response.json()["error"]["code"] == "address_not_found"
    assert not Order.objects.exists()


def test_checkout_wants_exactly_one_address(user_client, user):
    mine = saved(user, is_default=True)
    for body in ({}, {"shipping_address": ADDRESS, "address_id": mine.pk}):
        response = checkout(user_client, body)
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"shipping_address", "address_id"}
    assert not Order.objects.exists()


def test_guests_have_no_address_book_at_checkout(api_client):
    address = saved(UserFactory(), is_default=True)
    response = checkout(api_client, {"address_id": address.pk, "email": "g@example.com"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "address_id": ["only a signed-in shopper has an address book"]
    }
    body = {"shipping_address": ADDRESS, "email": "g@example.com", "save_address": True}
    response = checkout(api_client, body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "save_address": ["only a signed-in shopper has an address book"]
    }
    assert not Order.objects.exists()


def test_checkout_saves_the_typed_address_when_asked(user_client, user):
    response = checkout(user_client, {"shipping_address": ADDRESS, "save_address": True})
    assert response.status_code == 201
    address = SavedAddress.objects.get(user=user)
    assert address.as_dict() == ADDRESS and address.is_default
    # The same address again is not saved twice.
    assert (
        checkout(user_client, {"shipping_address": ADDRESS, "save_address": True}).status_code
        == 201
    )
    assert SavedAddress.objects.filter(user=user).count() == 1


def test_checkout_without_save_address_saves_nothing(user_client, user):
    assert checkout(user_client, {"shipping_address": ADDRESS}).status_code == 201
    assert not SavedAddress.objects.exists()


def test_checkout_saving_into_a_full_book_places_nothing(user_client, user):
    for n in range(ADDRESS_BOOK_MAX):
        saved(user, street=f"{n} Road", is_default=n == 0)
    response = checkout(user_client, {"shipping_address": ADDRESS, "save_address": True})
    assert response.status_code == 409 and response.json()["error"]["code"] == "address_book_full"
    assert not Order.objects.exists()
