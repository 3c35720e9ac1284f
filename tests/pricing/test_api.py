"""Shipping and tax through the API: the methods priced for the cart, the cart's estimate,
checkout's shipping snapshot, the 409 quote_changed contract, refunds covering shipping.

Every expected figure was worked out by hand from the rule of docs/PRICING.md.
"""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from cart.cart import Cart
from cart.models import Coupon
from catalog.models import Product
from orders.models import Order, OrderLine
from pricing.models import ShippingMethod, TaxRate
from tests.conftest import ApiClient
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    TaxRateFactory,
    worst_case_products,
)
from tests.orders.payment_helpers import GOOD, card
from tests.sessions import ENGINES, put_cart, read_session

pytestmark = pytest.mark.django_db

D = Decimal
ADDRESS = {
    "name": "Ada",
    "street": "1 Main St",
    "city": "Springfield",
    "zip": "12345",
    "country": "DE",
}


@pytest.fixture
def methods():
    """The demo's methods: Standard (4.90, free from 50.00, everywhere), Express (9.90,
    US/GB/DE), Pickup (0.00, US only)."""
    return {
        "standard": ShippingMethodFactory(
            name="Standard", price=D("4.90"), free_over=D("50.00"), all_countries=True
        ),
        "express": ShippingMethodFactory(
            name="Express", price=D("9.90"), all_countries=False, countries=["US", "GB", "DE"]
        ),
        "pickup": ShippingMethodFactory(
            name="Pickup", price=D("0.00"), all_countries=False, countries=["US"]
        ),
    }


@pytest.fixture
def rates():
    return {
        "us": TaxRateFactory(country="US", tax_class="standard", rate=D("7.25")),
        "de": TaxRateFactory(country="DE", tax_class="standard", rate=D("19")),
        "de_reduced": TaxRateFactory(country="DE", tax_class="reduced", rate=D("7")),
    }


@pytest.fixture
def apple():
    return ProductFactory(sku="apple", name="Apple", price=D("10.00"), stock=50, weight_grams=200)


def option(method: ShippingMethod, price: str, free: bool = False) -> dict:
    return {"id": method.pk, "name": method.name, "price": float(price), "free": free}


def listed(client, query: str = "") -> list[dict]:
    response = client.get("/api/shipping-methods" + query)
    assert response.status_code == 200, response.content
    return response.json()


def destination(client, country: str, method: int | None = None, **extra):
    body = (
        {"country": country} if method is None else {"country": country, "shipping_method": method}
    )
    return client.put("/api/cart/destination", {**body, **extra})


def checkout(client, country: str = "DE", headers: dict | None = None, **fields):
    body = {"shipping_address": {**ADDRESS, "country": country}, "email": "guest@example.com"}
    return client.post("/api/checkout", {**body, **fields}, **(headers or {}))


def error(response) -> dict:
    return response.json()["error"]


def figures(body: dict) -> dict:
    """The money figures of a cart or order body."""
    return {name: body[name] for name in ("subtotal", "discount", "shipping", "tax", "total")}


# GET /api/shipping-methods


def test_the_methods_serving_a_country_are_priced_for_the_cart_cheapest_first(
    api_client, methods, apple
):
    put_cart(api_client, {apple.pk: 2})  # 20.00
    standard, express, pickup = methods["standard"], methods["express"], methods["pickup"]
    assert listed(api_client, "?country=US") == [
        option(pickup, "0.00"),
        option(standard, "4.90"),
        option(express, "9.90"),
    ]
    assert listed(api_client, "?country=DE") == [option(standard, "4.90"), option(express, "9.90")]
    assert listed(api_client, "?country=fr") == [option(standard, "4.90")]  # any case
    express.active = False
    express.save()
    assert listed(api_client, "?country=DE") == [option(standard, "4.90")]


def test_a_method_is_free_once_the_goods_after_the_discount_reach_its_threshold(
    api_client, methods, apple
):
    CouponFactory(code="SAVE10", kind=Coupon.Kind.PERCENT, value=D("10"))
    standard = methods["standard"]
    put_cart(api_client, {apple.pk: 5})  # 50.00: free from 50.00
    assert listed(api_client, "?country=FR") == [option(standard, "0.00", free=True)]
    put_cart(api_client, {apple.pk: 5}, coupon="SAVE10")  # 45.00 after the discount
    assert listed(api_client, "?country=FR") == [option(standard, "4.90")]


def test_weight_bands_price_by_the_cart_weight_and_a_method_too_heavy_is_not_listed(
    api_client, methods, apple
):
    freight = ShippingMethodFactory(
        name="Freight", price=D("99.00"), all_countries=False, countries=["NL"]
    )
    ShippingBandFactory(method=freight, up_to_grams=1000, price=D("5.00"))
    ShippingBandFactory(method=freight, up_to_grams=5000, price=D("12.00"))
    standard = methods["standard"]
    put_cart(api_client, {apple.pk: 5})  # 1000 g, the first band's bound included
    assert listed(api_client, "?country=NL") == [
        option(standard, "0.00", free=True),
        option(freight, "5.00"),
    ]
    put_cart(api_client, {apple.pk: 6})  # 1200 g
    assert option(freight, "12.00") in listed(api_client, "?country=NL")
    put_cart(api_client, {apple.pk: 26})  # 5200 g: past the last band
    assert listed(api_client, "?country=NL") == [option(standard, "0.00", free=True)]


def test_without_a_country_the_carts_own_is_used_and_without_either_it_is_a_400(
    api_client, methods, apple
):
    put_cart(api_client, {apple.pk: 1})
    response = api_client.get("/api/shipping-methods")
    assert response.status_code == 400
    assert error(response) == {
        "code": "country_required",
        "message": "Give a country to list the shipping methods for.",
        "fields": {"country": ["required when the cart has no country yet"]},
    }
    assert destination(api_client, "DE").status_code == 200
    assert [m["name"] for m in listed(api_client)] == ["Standard", "Express"]


@pytest.mark.parametrize("country", ["ZZ", "USA", "1", "\x00\x00"])
def test_an_unknown_country_is_a_400(api_client, methods, country):
    response = api_client.get("/api/shipping-methods", {"country": country})
    assert response.status_code == 400
    assert error(response)["code"] == "validation_error"
    assert error(response)["message"] == "Some fields are invalid."
    assert list(error(response)["fields"]) == ["country"]


def test_an_empty_cart_lists_the_methods_at_their_plain_price(api_client, methods):
    standard, express, pickup = methods["standard"], methods["express"], methods["pickup"]
    assert listed(api_client, "?country=US") == [
        option(pickup, "0.00"),
        option(standard, "4.90"),
        option(express, "9.90"),
    ]


# PUT /api/cart/destination, GET /api/cart


def test_a_cart_without_a_country_has_no_shipping_or_tax_yet(api_client, methods, rates, apple):
    put_cart(api_client, {apple.pk: 2})
    body = api_client.get("/api/cart").json()
    assert (body["country"], body["shipping_method"], body["shipping"], body["tax"]) == (
        None,
        None,
        None,
        None,
    )
    assert (body["items"][0]["tax_rate"], body["items"][0]["tax"]) == (None, None)
    assert (body["tax_included"], body["total"]) == (False, 20.0)


def test_a_destination_prices_shipping_and_adds_tax_when_prices_exclude_it(
    api_client, methods, rates, apple
):
    bread = ProductFactory(name="Bread", price=D("3.00"), tax_class="reduced", stock=9)
    put_cart(api_client, {apple.pk: 2, bread.pk: 1})  # 20.00 at 19 %, 3.00 at 7 %
    response = destination(api_client, "de")
    assert response.status_code == 200
    body = response.json()
    # Tax: 20.00 × 19 % = 3.80; 3.00 × 7 % = 0.21; shipping 4.90 × 19 % = 0.931 → 0.93.
    assert [(i["name"], i["tax_rate"], i["tax"]) for i in body["items"]] == [
        ("Apple", 19.0, 3.8),
        ("Bread", 7.0, 0.21),
    ]
    assert body["country"] == "DE"
    assert body["shipping_method"] == option(methods["standard"], "4.90")
    assert figures(body) == {
        "subtotal": 23.0,
        "discount": 0.0,
        "shipping": 4.9,
        "tax": 4.94,
        "total": 32.84,
    }
    assert body["tax_included"] is False
    again = api_client.get("/api/cart").json()  # the destination stays with the cart
    assert again == body
    assert (
        read_session(api_client)["cart"]["country"],
        read_session(api_client)["cart"]["method"],
    ) == (
        "DE",
        None,
    )


def test_with_prices_including_tax_the_tax_is_shown_not_added(
    api_client, settings, methods, rates, apple
):
    settings.PRICES_INCLUDE_TAX = True
    put_cart(api_client, {apple.pk: 2})
    body = destination(api_client, "DE").json()
    # Tax inside: 20.00 × 19 / 119 = 3.193… → 3.19; 4.90 × 19 / 119 = 0.782… → 0.78.
    assert body["items"][0]["tax"] == 3.19
    assert figures(body) == {
        "subtotal": 20.0,
        "discount": 0.0,
        "shipping": 4.9,
        "tax": 3.97,
        "total": 24.9,
    }
    assert body["tax_included"] is True


def test_a_chosen_method_is_priced_and_one_not_delivering_there_is_a_400(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2})
    express, pickup = methods["express"], methods["pickup"]
    body = destination(api_client, "DE", express.pk).json()
    # Tax: 3.80 + 9.90 × 19 % = 1.881 → 1.88.
    assert body["shipping_method"] == option(express, "9.90")
    assert (body["shipping"], body["tax"], body["total"]) == (9.9, 5.68, 35.58)
    for method in (pickup.pk, 99999):
        refused = destination(api_client, "DE", method)
        assert refused.status_code == 400
        assert error(refused)["code"] == "shipping_unavailable"
        assert error(refused)["fields"] == {
            "shipping_method": ["does not deliver this order to this country"]
        }
    kept = api_client.get("/api/cart").json()  # the cart keeps its destination
    assert (kept["country"], kept["shipping_method"]["name"]) == ("DE", "Express")
    cheapest = api_client.put("/api/cart/destination", {"country": "US"})
    assert cheapest.json()["shipping_method"] == option(pickup, "0.00")
    null = api_client.put("/api/cart/destination", {"country": "US", "shipping_method": None})
    assert null.status_code == 400 and error(null)["code"] == "validation_error"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"country": "ZZ"}, "country"),
        ({"country": "DEU"}, "country"),
        ({}, "country"),
        ({"country": "DE", "shipping_method": "1"}, "shipping_method"),
        ({"country": "DE", "shipping_method": 0}, "shipping_method"),
    ],
)
def test_bad_destinations_are_400s_naming_the_field(api_client, methods, apple, body, field):
    put_cart(api_client, {apple.pk: 1})
    response = api_client.put("/api/cart/destination", body)
    assert response.status_code == 400
    assert error(response)["code"] == "validation_error"
    assert list(error(response)["fields"]) == [field]
    assert api_client.get("/api/cart").json()["country"] is None


# POST /api/checkout: shipping


def test_checkout_with_a_method_keeps_a_snapshot_of_it(api_client, methods, rates, apple):
    express = methods["express"]
    put_cart(api_client, {apple.pk: 2})
    response = checkout(api_client, "DE", shipping_method=express.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shipping_method"] == {
        "method_id": express.pk,
        "name": "Express",
        "price": 9.9,
        "tax": 1.88,
    }
    assert figures(body) == {
        "subtotal": 20.0,
        "discount": 0.0,
        "shipping": 9.9,
        "tax": 5.68,
        "total": 35.58,
    }
    assert body["tax_included"] is False
    assert body["lines"][0] | {"product_id": None} == {
        "product_id": None,
        "variant_id": None,
        "options": {},
        "sku": "apple",
        "name": "Apple",
        "unit_price": 10.0,
        "quantity": 2,
        "line_total": 20.0,
        "discount": 0.0,
        "tax_rate": 19.0,
        "tax": 3.8,
    }
    order = Order.objects.get()
    assert (
        order.shipping_method_id,
        order.shipping_method_name,
        order.shipping,
        order.shipping_tax,
        order.tax,
        order.total,
        order.tax_included,
    ) == (express.pk, "Express", D("9.90"), D("1.88"), D("5.68"), D("35.58"), False)
    # Later edits to the method never change the order.
    ShippingMethod.objects.filter(pk=express.pk).update(name="Overnight", price=D("19.90"))
    shown = api_client.get(f"/api/orders/{order.pk}").json()
    assert shown["shipping_method"]["name"] == "Express" and shown["total"] == 35.58
    express.delete()
    shown = api_client.get(f"/api/orders/{order.pk}").json()
    assert shown["shipping_method"] == {
        "method_id": None,
        "name": "Express",
        "price": 9.9,
        "tax": 1.88,
    }


def test_checkout_without_a_method_ships_by_the_cheapest_delivering_to_the_address(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")  # the address's country decides
    body = checkout(api_client, "US").json()
    # Pickup (0.00) in the US; tax 20.00 × 7.25 % = 1.45.
    assert body["shipping_method"] == {
        "method_id": methods["pickup"].pk,
        "name": "Pickup",
        "price": 0.0,
        "tax": 0.0,
    }
    assert figures(body) | {"country": body["shipping_address"]["country"]} == {
        "subtotal": 20.0,
        "discount": 0.0,
        "shipping": 0.0,
        "tax": 1.45,
        "total": 21.45,
        "country": "US",
    }


@pytest.mark.parametrize("method", ["pickup", "unknown"])
def test_a_method_that_does_not_deliver_there_is_a_400_naming_shipping_method(
    api_client, methods, rates, apple, method
):
    method_id = methods[method].pk if method in methods else 99999
    put_cart(api_client, {apple.pk: 2})
    response = checkout(api_client, "DE", shipping_method=method_id)
    assert response.status_code == 400
    assert error(response) == {
        "code": "shipping_unavailable",
        "message": "That shipping method does not deliver this order to Germany.",
        "fields": {"shipping_method": ["does not deliver this order to this country"]},
    }
    assert Order.objects.count() == 0 and Product.objects.get(pk=apple.pk).stock == 50


def test_a_country_no_method_serves_is_a_400_naming_the_country(api_client, methods, apple):
    ShippingMethod.objects.filter(name="Standard").update(active=False)
    put_cart(api_client, {apple.pk: 2})
    response = checkout(api_client, "FR")
    assert response.status_code == 400
    assert error(response) == {
        "code": "shipping_unavailable",
        "message": "No shipping method delivers this order to France.",
        "fields": {"shipping_address.country": ["no shipping method delivers here"]},
    }
    assert Order.objects.count() == 0 and Product.objects.get(pk=apple.pk).stock == 50


def test_a_shop_without_shipping_methods_charges_no_shipping(api_client, rates, apple):
    put_cart(api_client, {apple.pk: 2})
    body = checkout(api_client, "DE").json()
    assert body["shipping_method"] is None
    assert (body["shipping"], body["tax"], body["total"]) == (0.0, 3.8, 23.8)


def test_checkout_with_a_wrong_type_of_method_or_total_is_a_400(api_client, methods, apple):
    put_cart(api_client, {apple.pk: 1})
    for fields, code in [
        ({"shipping_method": "1"}, "validation_error"),
        ({"shipping_method": None}, "validation_error"),
        ({"expected_total": "1e2"}, "invalid_amount"),
        ({"expected_total": -1}, "invalid_amount"),
        ({"expected_total": "1.234"}, "invalid_amount"),
        ({"expected_total": True}, "invalid_amount"),
        ({"expected_total": None}, "invalid_amount"),
    ]:
        response = checkout(api_client, "DE", **fields)
        assert response.status_code == 400, fields
        assert error(response)["code"] == code, fields
        assert list(error(response)["fields"]) == list(fields)
    assert Order.objects.count() == 0


# POST /api/checkout: the figures shown are the figures charged


def test_a_price_changed_since_the_cart_was_read_is_a_409_then_placing_again_confirms(
    api_client, staff_client, methods, rates, apple
):
    coupon = CouponFactory(code="SAVE10", kind=Coupon.Kind.PERCENT, value=D("10"))
    put_cart(api_client, {apple.pk: 2}, coupon="SAVE10", country="DE")
    shown = api_client.get("/api/cart").json()
    # 20.00 − 2.00; tax 18.00 × 19 % = 3.42 and 0.93 on the shipping.
    assert figures(shown) == {
        "subtotal": 20.0,
        "discount": 2.0,
        "shipping": 4.9,
        "tax": 4.35,
        "total": 27.25,
    }
    patched = staff_client.patch(f"/api/products/{apple.pk}", {"price": "12.00"})
    assert patched.status_code == 200

    refused = checkout(api_client, "DE")
    assert refused.status_code == 409
    # 24.00 − 2.40; tax 21.60 × 19 % = 4.104 → 4.10, + 0.93.
    assert error(refused) == {
        "code": "quote_changed",
        "message": "The figures changed since they were shown (Apple: price 10.00 → 12.00 USD; "
        "Discount 2.00 → 2.40 USD; Tax 4.35 → 5.03 USD; Total 27.25 → 31.53 USD). Check the "
        "new ones and place the order again.",
        "changes": [
            {
                "field": "unit_price",
                "product_id": apple.pk,
                "name": "Apple",
                "old": 10.0,
                "new": 12.0,
            },
            {"field": "discount", "old": 2.0, "new": 2.4},
            {"field": "tax", "old": 4.35, "new": 5.03},
            {"field": "total", "old": 27.25, "new": 31.53},
        ],
        "totals": {
            "subtotal": 24.0,
            "discount": 2.4,
            "shipping": 4.9,
            "tax": 5.03,
            "tax_included": False,
            "total": 31.53,
            "currency": "USD",
        },
    }
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=apple.pk).stock == 50
    assert Coupon.objects.get(pk=coupon.pk).times_used == 0
    assert api_client.get("/api/cart").json()["item_count"] == 2  # the cart is kept

    placed = checkout(api_client, "DE")  # the 409 showed the new figures: this accepts them
    assert placed.status_code == 201, placed.content
    assert figures(placed.json()) == {
        "subtotal": 24.0,
        "discount": 2.4,
        "shipping": 4.9,
        "tax": 5.03,
        "total": 31.53,
    }
    assert OrderLine.objects.get().unit_price == D("12.00")
    assert Product.objects.get(pk=apple.pk).stock == 48
    assert Coupon.objects.get(pk=coupon.pk).times_used == 1


def test_a_client_that_never_read_the_cart_is_checked_by_expected_total_only(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2})  # nothing shown: the session holds no figures
    refused = checkout(api_client, "DE", expected_total="29.00")
    assert refused.status_code == 409
    assert error(refused)["changes"] == [{"field": "total", "old": 29.0, "new": 29.63}]
    assert error(refused)["totals"]["total"] == 29.63
    # The 409 does not make a wrong total right: the client sends the one it now shows.
    assert checkout(api_client, "DE", expected_total="29.00").status_code == 409
    assert Order.objects.count() == 0
    placed = checkout(api_client, "DE", expected_total=29.63)
    assert placed.status_code == 201 and placed.json()["total"] == 29.63


def test_without_anything_shown_or_expected_checkout_charges_todays_figures(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2})
    Product.objects.filter(pk=apple.pk).update(price=D("11.00"))
    placed = checkout(api_client, "DE")
    assert placed.status_code == 201 and placed.json()["subtotal"] == 22.0


def test_a_shipping_price_change_is_a_409_when_the_destination_is_the_one_shown(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    assert api_client.get("/api/cart").json()["total"] == 29.63
    ShippingMethod.objects.filter(pk=methods["standard"].pk).update(price=D("5.90"))
    refused = checkout(api_client, "DE")
    assert refused.status_code == 409
    # Shipping tax 5.90 × 19 % = 1.121 → 1.12.
    assert error(refused)["changes"] == [
        {"field": "shipping", "old": 4.9, "new": 5.9},
        {"field": "tax", "old": 4.73, "new": 4.92},
        {"field": "total", "old": 29.63, "new": 30.82},
    ]
    assert Order.objects.count() == 0
    assert checkout(api_client, "DE").json()["total"] == 30.82


def test_a_tax_rate_change_is_a_409_when_the_destination_is_the_one_shown(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    api_client.get("/api/cart")
    TaxRate.objects.filter(pk=rates["de"].pk).update(rate=D("16"))
    refused = checkout(api_client, "DE")
    assert refused.status_code == 409
    # 20.00 × 16 % = 3.20; 4.90 × 16 % = 0.784 → 0.78.
    assert error(refused)["changes"] == [
        {"field": "tax", "old": 4.73, "new": 3.98},
        {"field": "total", "old": 29.63, "new": 28.88},
    ]
    assert Order.objects.count() == 0


def test_a_cheapest_method_priced_out_since_it_was_shown_is_a_409(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    assert api_client.get("/api/cart").json()["total"] == 29.63  # Standard, 4.90
    ShippingMethod.objects.filter(pk=methods["standard"].pk).update(price=D("12.00"))
    refused = checkout(api_client, "DE")  # the cheapest is Express (9.90) now
    assert refused.status_code == 409
    assert Order.objects.count() == 0


def test_another_destination_than_the_one_shown_compares_the_lines_only(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    api_client.get("/api/cart")  # shown for DE
    TaxRate.objects.filter(pk=rates["us"].pk).update(rate=D("8"))
    placed = checkout(api_client, "US")  # US figures were never shown: nothing to compare
    assert placed.status_code == 201
    assert (placed.json()["tax"], placed.json()["total"]) == (1.6, 21.6)


def test_a_stock_change_that_leaves_a_line_unfillable_is_still_insufficient_stock(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    api_client.get("/api/cart")
    Product.objects.filter(pk=apple.pk).update(stock=1, price=D("12.00"))
    refused = checkout(api_client, "DE")
    assert refused.status_code == 409
    assert error(refused)["code"] == "insufficient_stock"
    assert Order.objects.count() == 0


def test_an_idempotent_retry_returns_the_first_order_even_if_prices_changed(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    api_client.get("/api/cart")
    key = {"HTTP_IDEMPOTENCY_KEY": "checkout-1"}
    first = checkout(api_client, "DE", headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    Product.objects.filter(pk=apple.pk).update(price=D("12.00"))
    TaxRate.objects.filter(pk=rates["de"].pk).update(rate=D("16"))
    again = checkout(api_client, "DE", headers=key, expected_total="1.00")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["total"] == 29.63
    assert Order.objects.count() == 1 and Product.objects.get(pk=apple.pk).stock == 48


def test_a_full_cart_with_a_destination_and_its_figures_fits_a_signed_cookie(settings, rates):
    settings.SESSION_ENGINE = ENGINES["signed_cookies"]
    settings.GUEST_MAX_UNITS_PER_PRODUCT = Cart.MAX_QTY
    client = ApiClient()
    method = ShippingMethodFactory(id=2**31 - 1, name="Standard", price=D("99999.99"))
    products = worst_case_products(Cart.MAX_LINES)
    CouponFactory(code="X" * 32, kind=Coupon.Kind.FIXED, value=D("1234567.89"))
    put_cart(client, {p.pk: Cart.MAX_QTY for p in products}, coupon="X" * 32)
    response = destination(client, "DE", method.pk)
    assert response.status_code == 200
    body = response.json()
    assert (body["item_count"], body["coupon"], body["shipping"]) == (4950, "X" * 32, 99999.99)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert len(cookie.output(header="")) < 4096  # the whole Set-Cookie value, attributes too
    session = read_session(client)
    assert len(session["cart_quote"]["lines"]) == Cart.MAX_LINES

    Product.objects.filter(pk=products[0].pk).update(price=D("9999.98"))
    refused = checkout(client, "DE", shipping_method=method.pk)
    assert refused.status_code == 409
    assert error(refused)["changes"][0] == {
        "field": "unit_price",
        "product_id": products[0].pk,
        "name": "Big 0",
        "old": 9999.99,
        "new": 9999.98,
    }
    cookie = refused.cookies[django_settings.SESSION_COOKIE_NAME]  # the new figures, stored
    assert len(cookie.output(header="")) < 4096
    placed = checkout(client, "DE", shipping_method=method.pk)
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == error(refused)["totals"]["total"]


# Refunds may cover shipping and tax


def test_a_refund_may_cover_shipping_and_tax_and_never_more_than_was_paid(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 2}, country="DE")
    order = checkout(api_client, "DE").json()
    assert order["total"] == 29.63  # 20.00 + 4.90 shipping + 4.73 tax
    paid = api_client.post(
        f"/api/orders/{order['id']}/pay", {"method": "credit_card", "card": card(GOOD)}
    )
    assert paid.status_code == 200 and paid.json()["amount_paid"] == 29.63
    refund = f"/api/orders/{order['id']}/refund"
    too_much = api_client.post(refund, {"amount": "29.64"})
    assert too_much.status_code == 409
    assert error(too_much)["code"] == "refund_exceeds_payment"
    goods = api_client.post(refund, {"amount": "20.00"})
    assert goods.json()["status"] == "partially_refunded"
    rest = api_client.post(refund, {"amount": "9.63"})  # the shipping and the tax
    assert rest.status_code == 200
    assert (rest.json()["status"], rest.json()["amount_refunded"]) == ("refunded", 29.63)
    assert Order.objects.get(pk=order["id"]).amount_refunded == D("29.63")
    more = api_client.post(refund, {"amount": "0.01"})
    assert more.status_code == 409 and error(more)["code"] == "refund_exceeds_payment"


def test_the_next_cart_is_estimated_for_where_the_last_order_went(
    api_client, methods, rates, apple
):
    put_cart(api_client, {apple.pk: 1})
    assert checkout(api_client, "DE").status_code == 201
    api_client.post("/api/cart/items", {"product_id": apple.pk})
    body = api_client.get("/api/cart").json()
    assert (body["country"], body["shipping_method"]["name"]) == ("DE", "Standard")
    assert body["tax"] is not None
