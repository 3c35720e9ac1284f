"""Address book pages, checkout with saved addresses, and the estimate for the default country."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from orders.address_book import ADDRESS_BOOK_MAX, default_country
from orders.models import Order, SavedAddress
from tests.factories import (
    PASSWORD,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    TaxRateFactory,
    UserFactory,
)
from tests.orders.address_book import HOME, WORK, defaults, saved
from tests.orders.conftest import ADDRESS
from tests.sessions import put_cart, session_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(user):
    client = Client()
    client.force_login(user)
    return client


# Pages --------------------------------------------------------------------------------------


def test_guests_are_sent_to_sign_in(client, user):
    address = saved(user, is_default=True)
    for method, path in [
        ("get", "/orders/addresses/"),
        ("post", "/orders/addresses/"),
        ("get", f"/orders/addresses/{address.pk}/"),
        ("post", f"/orders/addresses/{address.pk}/delete/"),
        ("post", f"/orders/addresses/{address.pk}/default/"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/login/?next=")
    assert SavedAddress.objects.count() == 1


def test_the_list_shows_my_addresses_default_first(shopper, user):
    saved(user, street="Older Road")
    saved(user, street="Default Road", is_default=True)
    saved(UserFactory(), street="Not Mine Road", is_default=True)
    page = shopper.get("/orders/addresses/").content.decode()
    assert page.count('data-testid="address"') == 2
    assert page.index("Default Road") < page.index("Older Road")
    assert "Not Mine Road" not in page and page.count('data-testid="default"') == 1
    assert 'id="id_street"' in page


def test_adding_the_first_address_makes_it_the_default(shopper, user):
    response = shopper.post("/orders/addresses/", WORK)
    assert response.status_code == 302 and response["Location"] == "/orders/addresses/"
    address = SavedAddress.objects.get(user=user)
    assert address.as_dict() == WORK and address.is_default


def test_adding_with_make_default_switches_it(shopper, user):
    first = saved(user, is_default=True)
    shopper.post("/orders/addresses/", WORK)
    assert defaults(user) == [first.pk]
    shopper.post("/orders/addresses/", {**WORK, "city": "Bonn", "is_default": "on"})
    assert defaults(user) == [SavedAddress.objects.get(city="Bonn").pk]


def test_an_invalid_address_shows_field_errors(shopper, user):
    response = shopper.post("/orders/addresses/", {**WORK, "street": "   ", "country": "XX"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_street_error"' in page and 'id="id_country_error"' in page
    assert not SavedAddress.objects.exists()


def test_a_full_book_takes_no_more(shopper, user):
    for n in range(ADDRESS_BOOK_MAX):
        saved(user, street=f"{n} Road", is_default=n == 0)
    page = shopper.get("/orders/addresses/").content.decode()
    assert 'data-testid="book-full"' in page and 'id="id_street"' not in page
    response = shopper.post("/orders/addresses/", WORK)
    assert response.status_code == 200
    assert "Your address book is full (20 addresses at most)." in response.content.decode()
    assert SavedAddress.objects.filter(user=user).count() == ADDRESS_BOOK_MAX


def test_editing_an_address(shopper, user):
    address = saved(user, is_default=True)
    page = shopper.get(f"/orders/addresses/{address.pk}/").content.decode()
    assert 'value="1 Main Street"' in page
    response = shopper.post(f"/orders/addresses/{address.pk}/", {**WORK, "name": "Ada L."})
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.as_dict() == {**WORK, "name": "Ada L."} and address.is_default


def test_editing_with_errors_keeps_the_address(shopper, user):
    address = saved(user, is_default=True)
    response = shopper.post(f"/orders/addresses/{address.pk}/", {**WORK, "zip": "x" * 21})
    assert response.status_code == 200 and 'id="id_zip_error"' in response.content.decode()
    address.refresh_from_db()
    assert address.as_dict() == HOME


def test_another_users_address_is_404_on_every_page(shopper, user):
    theirs = saved(UserFactory(), is_default=True)
    assert shopper.get(f"/orders/addresses/{theirs.pk}/").status_code == 404
    assert shopper.post(f"/orders/addresses/{theirs.pk}/", WORK).status_code == 404
    assert shopper.post(f"/orders/addresses/{theirs.pk}/delete/").status_code == 404
    assert shopper.post(f"/orders/addresses/{theirs.pk}/default/").status_code == 404
    assert shopper.get(f"/orders/addresses/{2**40}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.as_dict() == HOME and theirs.is_default


def test_make_default(shopper, user):
    saved(user, is_default=True)
    other = saved(user, street="Other")
    response = shopper.post(f"/orders/addresses/{other.pk}/default/")
    assert response.status_code == 302
    assert defaults(user) == [other.pk]


def test_deleting_the_default_makes_the_oldest_remaining_the_default(shopper, user):
    default = saved(user, is_default=True)
    oldest = saved(user, street="Oldest")
    saved(user, street="Newest")
    response = shopper.post(f"/orders/addresses/{default.pk}/delete/")
    assert response.status_code == 302
    assert not SavedAddress.objects.filter(pk=default.pk).exists()
    assert defaults(user) == [oldest.pk]


def test_delete_wants_post(shopper, user):
    address = saved(user, is_default=True)
    assert shopper.get(f"/orders/addresses/{address.pk}/delete/").status_code == 405
    assert SavedAddress.objects.filter(pk=address.pk).exists()


# Checkout page -----------------------------------------------------------------------------


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_checkout_offers_saved_addresses_with_the_default_checked(shopper, user):
    home = saved(user)
    work = saved(user, **WORK, is_default=True)
    put_cart(shopper, {ProductFactory().pk: 1})
    page = shopper.get("/orders/checkout/").content.decode()
    assert 'data-testid="saved-addresses"' in page
    assert re.search(rf'value="{work.pk}"[^>]*checked', page)
    assert not re.search(rf'value="{home.pk}"[^>]*checked', page)
    assert 'value="new"' in page and 'name="save_address"' in page


def test_guest_checkout_has_no_address_book(client):
    put_cart(client, {ProductFactory().pk: 1})
    page = client.get("/orders/checkout/").content.decode()
    assert 'name="saved_address"' not in page and 'name="save_address"' not in page


def test_placing_an_order_to_a_saved_address(shopper, user):
    saved(user, is_default=True)
    work = saved(user, **WORK)
    put_cart(shopper, {ProductFactory(stock=3).pk: 1}, country="DE")
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    # The new-address fields are ignored (even if half filled) when a saved one is chosen.
    data = {"saved_address": str(work.pk), "street": "", "city": "Elsewhere", "token": token}
    response = shopper.post("/orders/checkout/", data)
    assert response.status_code == 302, response.content.decode()
    order = Order.objects.get()
    assert (order.ship_name, order.ship_street, order.ship_city) == ("", WORK["street"], "Berlin")
    assert (order.ship_zip, order.ship_country.code, order.user) == ("10115", "DE", user)
    assert SavedAddress.objects.filter(user=user).count() == 2


def test_the_default_address_is_placed_in_one_click(shopper, user):
    # The page priced for the default's country, so "Place order" places it at once.
    band = ShippingBandFactory(method=ShippingMethodFactory(name="Parcel"), up_to_grams=10**6)
    work = saved(user, **WORK, is_default=True)
    put_cart(shopper, {ProductFactory(stock=3).pk: 1})
    page = shopper.get("/orders/checkout/").content.decode()
    assert "For delivery to Germany." in page
    assert re.search(rf'value="{band.method_id}" checked', page)
    data = {
        "saved_address": str(work.pk),
        "shipping_method": band.method_id,
        "token": token_of(page),
    }
    response = shopper.post("/orders/checkout/", data)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.ship_country.code == "DE" and order.shipping_method_name == "Parcel"


def test_another_users_address_is_no_choice_at_checkout(shopper, user):
    saved(user, is_default=True)
    theirs = saved(UserFactory(), **WORK, is_default=True)
    put_cart(shopper, {ProductFactory(stock=3).pk: 1})
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    response = shopper.post("/orders/checkout/", {"saved_address": str(theirs.pk), "token": token})
    assert response.status_code == 200
    assert 'id="id_saved_address_error"' in response.content.decode()
    assert not Order.objects.exists()


def test_a_new_address_is_saved_when_asked(shopper, user):
    saved(user, is_default=True)
    put_cart(shopper, {ProductFactory(stock=3).pk: 1}, country="GB")
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    data = {**ADDRESS, "saved_address": "new", "save_address": "on", "token": token}
    response = shopper.post("/orders/checkout/", data)
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.ship_street, order.ship_country.code) == (ADDRESS["street"], "GB")
    new = SavedAddress.objects.get(user=user, street=ADDRESS["street"])
    assert new.as_dict() == ADDRESS and not new.is_default


def test_a_new_address_is_not_saved_unless_asked(shopper, user):
    put_cart(shopper, {ProductFactory(stock=3).pk: 1}, country="GB")
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    assert shopper.post("/orders/checkout/", {**ADDRESS, "token": token}).status_code == 302
    assert Order.objects.count() == 1 and not SavedAddress.objects.exists()


def test_the_first_address_saved_at_checkout_becomes_the_default(shopper, user):
    put_cart(shopper, {ProductFactory(stock=3).pk: 1}, country="GB")
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    response = shopper.post("/orders/checkout/", {**ADDRESS, "save_address": "on", "token": token})
    assert response.status_code == 302
    assert SavedAddress.objects.get(user=user).is_default


def test_a_new_address_chosen_needs_its_fields(shopper, user):
    saved(user, is_default=True)
    put_cart(shopper, {ProductFactory(stock=3).pk: 1})
    token = token_of(shopper.get("/orders/checkout/").content.decode())
    response = shopper.post("/orders/checkout/", {"saved_address": "new", "token": token})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_street_error"' in page and 'id="id_city_error"' in page
    assert not Order.objects.exists()


# The estimate ------------------------------------------------------------------------------


def test_default_country(user):
    assert default_country(user) is None
    saved(user, **WORK, is_default=True)
    saved(user)
    assert default_country(user) == "DE"


def test_the_cart_page_estimates_for_the_default_address(shopper, user):
    TaxRateFactory(country="DE", rate=Decimal("19"))
    ShippingBandFactory(method=ShippingMethodFactory(name="Parcel"), up_to_grams=10**6)
    put_cart(shopper, {ProductFactory(price=Decimal("10.00")).pk: 1})
    assert "For delivery to" not in shopper.get("/cart/").content.decode()
    shopper.post("/orders/addresses/", WORK)  # the first address: the default
    page = shopper.get("/cart/").content.decode()
    assert "For delivery to Germany." in page and "Parcel" in page
    assert session_cart(shopper).country == "DE"  # adopted: the shopper may still change it


def test_the_estimate_follows_a_new_default(shopper, user):
    saved(user, is_default=True)
    work = saved(user, **WORK)
    put_cart(shopper, {ProductFactory().pk: 1})
    shopper.post(f"/orders/addresses/{work.pk}/default/")
    shopper.get("/orders/addresses/")
    assert "For delivery to Germany." in shopper.get("/cart/").content.decode()


def test_the_cart_page_keeps_its_own_country_and_checkout_prices_for_the_default_address(
    shopper, user
):
    saved(user, **WORK, is_default=True)
    put_cart(shopper, {ProductFactory().pk: 1}, country="FR")
    assert "For delivery to France." in shopper.get("/cart/").content.decode()
    # Checkout preselects the default address: its totals are for that address's country.
    assert "For delivery to Germany." in shopper.get("/orders/checkout/").content.decode()
    assert session_cart(shopper).country == "DE"


def test_the_checkout_page_estimates_for_the_default_address(shopper, user):
    saved(user, **WORK, is_default=True)
    put_cart(shopper, {ProductFactory().pk: 1})
    page = shopper.get("/orders/checkout/").content.decode()
    assert "For delivery to Germany." in page
    # ... and the cart page follows from then on, in this session.
    assert "For delivery to Germany." in shopper.get("/cart/").content.decode()


def test_staff_read_address_books_in_the_admin(user):
    saved(user, street="Admin Road", is_default=True)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = staff.get("/admin/orders/savedaddress/").content.decode()
    assert "Admin Road" in page and user.email in page
    address = SavedAddress.objects.get()
    assert staff.get(f"/admin/orders/savedaddress/{address.pk}/change/").status_code == 200
    assert staff.get("/admin/orders/savedaddress/add/").status_code == 403


@pytest.mark.parametrize("count", [1, ADDRESS_BOOK_MAX])
def test_pages_read_the_book_in_one_query(shopper, user, count, django_assert_num_queries):
    for n in range(count):
        saved(user, street=f"{n} Road", is_default=n == 0)
    put_cart(shopper, {ProductFactory().pk: 1})
    shopper.get("/orders/addresses/")  # the session learns the default's country, once
    with django_assert_num_queries(3):  # session, user, addresses
        assert shopper.get("/orders/addresses/").status_code == 200
    shopper.get("/orders/checkout/")
    # session, user, addresses, products, then priced for the default's country: the
    # shipping methods (no bands to prefetch here) and the tax rates
    with django_assert_num_queries(6):
        page = shopper.get("/orders/checkout/").content.decode()
    assert page.count('name="saved_address"') == count + 1


def test_signing_in_estimates_a_cart_without_a_country_for_the_default_address(user):
    saved(user, **WORK, is_default=True)
    client = Client()
    put_cart(client, {ProductFactory().pk: 1})
    client.force_login(user)  # Django's login, without the shop's: nothing adopted
    assert session_cart(client).country is None
    client.logout()
    put_cart(client, {ProductFactory().pk: 1})
    response = client.post("/account/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert session_cart(client).country == "DE"
