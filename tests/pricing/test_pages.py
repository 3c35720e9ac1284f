"""Shipping and tax on the storefront: the cart estimate, checkout, the order and its email."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail

from catalog.models import Product
from orders.models import Order
from pricing.models import ShippingMethod
from tests.factories import (
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    TaxRateFactory,
)
from tests.orders.conftest import ADDRESS
from tests.sessions import put_cart, session_cart

pytestmark = pytest.mark.django_db

US_ADDRESS = {**ADDRESS, "country": "US", "email": "ada@example.com"}


@pytest.fixture
def lamp():
    return ProductFactory(name="Lamp", price=Decimal("20.00"), stock=10, weight_grams=500)


@pytest.fixture
def methods():
    """Standard everywhere, Express to the US and GB, Courier (cheaper) to Germany only."""
    return {
        "standard": ShippingMethodFactory(name="Standard", price=Decimal("4.90")),
        "express": ShippingMethodFactory(
            name="Express", price=Decimal("9.90"), all_countries=False, countries=["US", "GB"]
        ),
        "courier": ShippingMethodFactory(
            name="Courier", price=Decimal("3.50"), all_countries=False, countries=["DE"]
        ),
    }


@pytest.fixture
def rates():
    TaxRateFactory(country="US", rate=Decimal("7.25"))
    TaxRateFactory(country="DE", rate=Decimal("19"))


def figure(page: str, testid: str) -> str:
    """The text of the element with this data-testid."""
    return unescape(re.search(rf'data-testid="{testid}">([^<]*)<', page).group(1))


def messages_of(page: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="message message-\w+">(.*?)</p>', page)]


def checked_method(page: str) -> str | None:
    found = re.search(
        r'name="shipping_method" id="shipping-method-(\d+)" value="\d+" checked', page
    )
    return found and ShippingMethod.objects.get(pk=found.group(1)).name


def offered_methods(page: str) -> set[str]:
    ids = re.findall(r'name="shipping_method" id="shipping-method-(\d+)"', page)
    return {m.name for m in ShippingMethod.objects.filter(pk__in=ids)}


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def checkout_page(client) -> str:
    response = client.get("/orders/checkout/")
    assert response.status_code == 200
    return response.content.decode()


def place(client, page: str, **changes):
    """Post the checkout form as the page showed it (its token and checked method), changed."""
    data = {**US_ADDRESS, "token": token_of(page)}
    checked = re.search(r'id="shipping-method-(\d+)" value="\d+" checked', page)
    if checked:
        data["shipping_method"] = checked.group(1)
    data.update(changes)
    return client.post("/orders/checkout/", {k: v for k, v in data.items() if v is not None})


# The cart's estimate ---------------------------------------------------------------------


def test_cart_page_estimates_shipping_and_adds_us_tax(client, lamp, methods, rates):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = client.get("/cart/").content.decode()
    assert '<option value="US" selected>United States of America</option>' in page
    assert offered_methods(page) == {"Standard", "Express"}
    assert checked_method(page) == "Standard"
    assert "Shipping (Standard)" in page and figure(page, "shipping") == "4.90 USD"
    # 20.00 × 7.25% = 1.45; 4.90 × 7.25% = 0.355 → 0.36
    assert "<dt>Tax</dt>" in page and figure(page, "tax") == "1.81 USD"
    assert figure(page, "total") == "26.71 USD"


def test_cart_page_shows_tax_included_in_german_prices(client, settings, lamp, methods, rates):
    settings.PRICES_INCLUDE_TAX = True
    put_cart(client, {lamp.pk: 1}, country="DE")
    page = client.get("/cart/").content.decode()
    assert checked_method(page) == "Courier"
    # 20.00 × 19/119 = 3.19; 3.50 × 19/119 = 0.56: inside the prices, not added
    assert "Tax (included)" in page and figure(page, "tax") == "3.75 USD"
    assert figure(page, "total") == "23.50 USD"


def test_cart_page_without_a_country_asks_for_one(client, lamp, methods):
    put_cart(client, {lamp.pk: 1})
    page = client.get("/cart/").content.decode()
    assert '<option value="" selected>Choose a country</option>' in page
    assert 'data-testid="shipping"' not in page and figure(page, "total") == "20.00 USD"
    assert "added once you choose your country" in page


def test_the_country_picker_changes_the_estimate(client, lamp, methods, rates):
    put_cart(client, {lamp.pk: 1}, country="US", method=methods["express"].pk)
    response = client.post(
        "/cart/destination/", {"country": "DE", "shipping_method": methods["express"].pk}
    )
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart = session_cart(client)
    assert (cart.country, cart.method) == ("DE", None)  # a new country: its cheapest method
    page = client.get("/cart/").content.decode()
    assert messages_of(page) == ["Shipping and tax are estimated for Germany."]
    assert checked_method(page) == "Courier" and offered_methods(page) == {"Standard", "Courier"}
    assert figure(page, "total") == f"{Decimal('23.50') + Decimal('4.47')} USD"  # 19% added


def test_choosing_a_method_for_the_same_country_keeps_it(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    client.post("/cart/destination/", {"country": "US", "shipping_method": methods["express"].pk})
    assert session_cart(client).method == methods["express"].pk
    page = client.get("/cart/").content.decode()
    assert checked_method(page) == "Express" and figure(page, "shipping") == "9.90 USD"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"country": "ZZ"}, "Select a valid choice. ZZ is not one of the available choices."),
        ({"country": ""}, "Choose a country."),
        ({"country": "US", "shipping_method": "courier"}, "Enter a whole number."),
    ],
)
def test_a_bad_destination_is_a_message(client, lamp, methods, data, message):
    put_cart(client, {lamp.pk: 1}, country="US")
    response = client.post("/cart/destination/", data, follow=True)
    assert response.status_code == 200 and messages_of(response.content.decode()) == [message]
    assert session_cart(client).country == "US"


def test_a_method_not_serving_the_country_is_a_message(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    response = client.post(
        "/cart/destination/",
        {"country": "US", "shipping_method": methods["courier"].pk},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert messages_of(page) == [
        "That shipping method does not deliver this order to United States of America."
    ]
    assert session_cart(client).method is None and checked_method(page) == "Standard"


def test_free_shipping_shows_once_the_threshold_is_met(client, lamp):
    ShippingMethodFactory(name="Standard", price=Decimal("4.90"), free_over=Decimal("50.00"))
    put_cart(client, {lamp.pk: 2}, country="GB")
    page = client.get("/cart/").content.decode()
    assert figure(page, "shipping") == "4.90 USD" and figure(page, "total") == "44.90 USD"
    put_cart(client, {lamp.pk: 3}, country="GB")
    page = client.get("/cart/").content.decode()
    assert figure(page, "shipping") == "Free" and figure(page, "total") == "60.00 USD"
    assert figure(page, "shipping-price") == "Free"


def test_weight_bands_price_the_estimate(client, lamp):
    band = ShippingBandFactory(up_to_grams=1000, price=Decimal("6.00"))
    ShippingBandFactory(method=band.method, up_to_grams=5000, price=Decimal("12.00"))
    put_cart(client, {lamp.pk: 3}, country="GB")  # 1.5 kg
    page = client.get("/cart/").content.decode()
    assert figure(page, "shipping") == "12.00 USD"


def test_notices_of_the_estimate_are_shown(client, lamp):
    ShippingMethodFactory(name="Local", all_countries=False, countries=["US"])
    put_cart(client, {lamp.pk: 1}, country="DE")
    page = client.get("/cart/").content.decode()
    assert "No shipping method delivers this cart to Germany." in page


# Checkout --------------------------------------------------------------------------------


def test_checkout_page_lists_the_methods_serving_the_country_cheapest_first(
    client, lamp, methods, rates
):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    assert '<option value="US" selected>United States of America</option>' in page
    assert offered_methods(page) == {"Standard", "Express"}
    assert checked_method(page) == "Standard"
    assert "Express <span" in page and "9.90 USD" in page
    assert figure(page, "subtotal") == "20.00 USD" and figure(page, "total") == "26.71 USD"
    assert 'name="refresh"' in page and "Update shipping and totals" in page


def test_checkout_page_preselects_the_carts_method(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US", method=methods["express"].pk)
    assert checked_method(checkout_page(client)) == "Express"


def test_checkout_page_without_a_country_asks_for_one(client, lamp, methods):
    put_cart(client, {lamp.pk: 1})
    page = checkout_page(client)
    assert '<option value="" selected>Choose a country</option>' in page
    assert offered_methods(page) == set() and 'data-testid="choose-country"' in page


def test_refresh_reprices_for_the_new_country_without_placing_an_order(
    client, lamp, methods, rates
):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    response = place(client, page, country="DE", street="", refresh="1")
    page = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert '<option value="DE" selected>Germany</option>' in page
    assert checked_method(page) == "Courier"
    assert figure(page, "total") == "27.97 USD"  # 20.00 + 3.50 + 19% of both
    assert "field-error" not in page  # a refresh is no attempt: the blank street is not flagged
    assert 'value="Ada Lovelace"' in page  # what was typed stays
    assert (session_cart(client).country, Product.objects.get(pk=lamp.pk).stock) == ("DE", 10)


def test_refresh_keeps_another_method_of_the_same_country(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    page = place(client, page, shipping_method=methods["express"].pk, refresh="1")
    page = page.content.decode()
    assert checked_method(page) == "Express" and figure(page, "shipping") == "9.90 USD"
    assert not Order.objects.exists()


def test_placing_an_order_stores_shipping_and_tax(client, lamp, methods, rates):
    put_cart(client, {lamp.pk: 2}, country="US")
    response = place(client, checkout_page(client))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/thanks/"
    assert (order.shipping_method_id, order.shipping_method_name) == (
        methods["standard"].pk,
        "Standard",
    )
    # 40.00 × 7.25% = 2.90; 4.90 × 7.25% = 0.36
    assert (order.subtotal, order.shipping, order.shipping_tax, order.tax, order.total) == (
        Decimal("40.00"),
        Decimal("4.90"),
        Decimal("0.36"),
        Decimal("3.26"),
        Decimal("48.16"),
    )
    assert not order.tax_included and order.lines.get().tax_rate == Decimal("7.25")


def test_placing_an_order_after_choosing_another_method(client, lamp, methods, rates):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    page = place(client, page, shipping_method=methods["express"].pk, refresh="1").content.decode()
    response = place(client, page)
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.shipping_method_name, order.shipping) == ("Express", Decimal("9.90"))


def test_a_price_changed_after_the_page_was_shown_is_listed_then_accepted(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    Product.objects.filter(pk=lamp.pk).update(price=Decimal("25.00"))
    response = place(client, page)
    page = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert 'data-testid="quote-changes"' in page
    assert "Lamp: price 20.00 → 25.00 USD" in page and "Total 24.90 → 29.90 USD" in page
    assert figure(page, "total") == "29.90 USD"
    response = place(client, page)
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.total, order.lines.get().unit_price) == (Decimal("29.90"), Decimal("25.00"))


def test_a_country_changed_without_refresh_places_no_order(client, lamp, methods, rates):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)
    response = place(client, page, country="DE")
    page = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert messages_of(page) == [
        "Check the shipping and totals for Germany, then place your order."
    ]
    assert checked_method(page) == "Courier" and figure(page, "total") == "27.97 USD"
    response = place(client, page, country="DE")
    assert response.status_code == 302
    assert Order.objects.get().total == Decimal("27.97")


def test_a_method_changed_without_refresh_places_no_order(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    response = place(client, checkout_page(client), shipping_method=methods["express"].pk)
    page = response.content.decode()
    assert not Order.objects.exists() and checked_method(page) == "Express"
    assert figure(page, "total") == "29.90 USD"


def test_a_method_not_serving_the_country_is_a_form_error(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="US")
    response = place(client, checkout_page(client), shipping_method=methods["courier"].pk)
    page = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert 'id="id_shipping_method_error"' in page
    assert "That shipping method does not deliver this order to United States of America." in page
    assert checked_method(page) == "Standard"


def test_a_preselected_method_switched_off_since_is_a_change_shown_before_paying(
    client, lamp, methods
):
    put_cart(client, {lamp.pk: 1}, country="US")
    page = checkout_page(client)  # Standard preselected, as the cheapest
    ShippingMethod.objects.filter(pk=methods["standard"].pk).update(active=False)
    page = place(client, page).content.decode()
    assert not Order.objects.exists() and 'data-testid="quote-changes"' in page
    assert "Shipping method Standard → Express" in page
    assert checked_method(page) == "Express"


def test_a_chosen_method_switched_off_after_the_page_was_shown_is_a_form_error(
    client, lamp, methods
):
    put_cart(client, {lamp.pk: 1}, country="US", method=methods["standard"].pk)
    page = checkout_page(client)
    ShippingMethod.objects.filter(pk=methods["standard"].pk).update(active=False)
    page = place(client, page).content.decode()
    assert not Order.objects.exists() and 'id="id_shipping_method_error"' in page
    assert checked_method(page) == "Express"


def test_a_method_chosen_in_one_country_stays_in_another_that_it_serves(client, lamp, methods):
    put_cart(client, {lamp.pk: 1}, country="GB")
    page = checkout_page(client)
    express = methods["express"].pk
    page = place(client, page, shipping_method=express, refresh="1").content.decode()
    assert checked_method(page) == "Express"
    page = place(client, page, country="US", refresh="1").content.decode()
    assert checked_method(page) == "Express" and figure(page, "shipping") == "9.90 USD"
    page = place(client, page, country="DE", refresh="1").content.decode()
    assert checked_method(page) == "Courier"  # Express does not deliver to Germany


def test_a_country_no_method_serves_is_a_form_error(client, lamp):
    ShippingMethodFactory(name="Local", all_countries=False, countries=["US"])
    put_cart(client, {lamp.pk: 1}, country="DE")
    page = checkout_page(client)
    page = place(client, page, country="DE").content.decode()
    assert not Order.objects.exists() and 'id="id_country_error"' in page
    assert "No shipping method delivers this order to Germany." in page


# The order, the thank-you page and the email ---------------------------------------------


def test_order_pages_and_email_show_shipping_and_tax(
    client, lamp, methods, rates, django_capture_on_commit_callbacks
):
    put_cart(client, {lamp.pk: 1}, country="US")
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, checkout_page(client))
    for url in (response["Location"], response["Location"].removesuffix("thanks/")):
        page = client.get(url).content.decode()
        assert "Shipping (Standard)" in page and figure(page, "shipping") == "4.90 USD"
        assert "<dt>Tax</dt>" in page and figure(page, "tax") == "1.81 USD"
        assert figure(page, "total") == "26.71 USD" and "tax 7.25%" in page
    body = mail.outbox[0].body
    assert "Shipping (Standard): 4.90 USD\nTax: 1.81 USD\nTotal: 26.71 USD" in body
    html = mail.outbox[0].alternatives[0][0]
    assert "Shipping (Standard): 4.90 USD" in html and "Tax: 1.81 USD" in html


def test_order_pages_and_email_say_when_tax_is_included(
    client, settings, lamp, methods, rates, django_capture_on_commit_callbacks
):
    settings.PRICES_INCLUDE_TAX = True
    put_cart(client, {lamp.pk: 1}, country="DE")
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, checkout_page(client), country="DE")
    page = client.get(response["Location"]).content.decode()
    assert "Tax (included)" in page and figure(page, "tax") == "3.75 USD"
    assert figure(page, "total") == "23.50 USD"
    assert "Tax included: 3.75 USD\nTotal: 23.50 USD" in mail.outbox[0].body
