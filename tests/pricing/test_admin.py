"""Shipping methods and tax rates in the admin; the shipping and tax of orders and products."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.models import Product
from pricing.models import ShippingBand, ShippingMethod, TaxRate
from tests.factories import (
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    StaffFactory,
    TaxRateFactory,
    product_admin_form,
)
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

METHODS = "/admin/pricing/shippingmethod/"
RATES = "/admin/pricing/taxrate/"


def method_form(bands=(), existing=(), **fields) -> dict:
    """The method's add/change form as posted: its fields, then the bands inline.

    existing: (band, {changes}) for bands already saved; bands: (up_to_grams, price) to add.
    """
    data = {
        "name": "Parcel",
        "price": "4.90",
        "free_over": "",
        "countries": ["DE", "AT"],
        "tax_class": "standard",
        "active": "on",
        "position": "0",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    rows = [
        {"id": band.pk, "up_to_grams": band.up_to_grams, "price": band.price, **changes}
        for band, changes in existing
    ]
    rows += [{"id": "", "up_to_grams": grams, "price": price} for grams, price in bands]
    data.update(
        {"bands-TOTAL_FORMS": len(rows), "bands-INITIAL_FORMS": len(existing)},
        **{"bands-MIN_NUM_FORMS": 0, "bands-MAX_NUM_FORMS": 1000},
    )
    for i, row in enumerate(rows):
        data.update({f"bands-{i}-{name}": value for name, value in row.items()})
    return data


def staff_client(*permissions: str) -> Client:
    client = Client()
    client.force_login(StaffFactory(permissions=list(permissions)))
    return client


def test_admin_adds_a_method_with_weight_bands(admin_client):
    data = method_form(bands=[(1000, "4.90"), (5000, "7.90")], free_over="50")
    response = admin_client.post(METHODS + "add/", data)
    assert response.status_code == 302
    method = ShippingMethod.objects.get()
    assert (method.name, method.price, method.free_over) == (
        "Parcel",
        Decimal("4.90"),
        Decimal("50.00"),
    )
    assert [c.code for c in method.countries] == ["AT", "DE"] and not method.all_countries
    assert list(method.bands.values_list("up_to_grams", "price")) == [
        (1000, Decimal("4.90")),
        (5000, Decimal("7.90")),
    ]


def test_admin_edits_a_method_and_its_bands(admin_client):
    method = ShippingMethodFactory(name="Old", all_countries=True)
    keep = ShippingBandFactory(method=method, up_to_grams=1000, price=Decimal("5.00"))
    drop = ShippingBandFactory(method=method, up_to_grams=2000, price=Decimal("8.00"))
    data = method_form(
        existing=[(keep, {"price": "5.50"}), (drop, {"DELETE": "on"})],
        bands=[(3000, "9.00")],
        name="New",
        all_countries="on",
        countries=[],
    )
    response = admin_client.post(f"{METHODS}{method.pk}/change/", data)
    assert response.status_code == 302
    method.refresh_from_db()
    assert (method.name, method.all_countries) == ("New", True)
    assert list(method.bands.values_list("up_to_grams", "price")) == [
        (1000, Decimal("5.50")),
        (3000, Decimal("9.00")),
    ]


def test_a_method_serving_no_country_is_a_form_error(admin_client):
    response = admin_client.post(METHODS + "add/", method_form(countries=[]))
    assert response.status_code == 200
    assert "Choose the countries served" in response.content.decode()
    assert not ShippingMethod.objects.exists()


@pytest.mark.parametrize(
    "fields, bands, error",
    [
        ({"price": "-1"}, [], "greater than or equal to 0"),
        ({"countries": ["XX"]}, [], "Select a valid choice"),
        ({}, [(500, "2.00"), (500, "3.00")], "Please correct the duplicate data"),
        ({}, [(500, "-2.00")], "greater than or equal to 0"),
    ],
)
def test_bad_methods_and_bands_are_form_errors_not_500s(admin_client, fields, bands, error):
    response = admin_client.post(METHODS + "add/", method_form(bands=bands, **fields))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ShippingMethod.objects.exists() and not ShippingBand.objects.exists()


def test_the_changelist_shows_each_methods_zone(admin_client):
    ShippingMethodFactory(name="World", all_countries=True)
    europe = ShippingMethodFactory(name="Europe", all_countries=False)
    europe.countries = ["FR", "BE"]
    europe.save()
    page = admin_client.get(METHODS).content.decode()
    assert "All countries" in page and "BE, FR" in page


def test_staff_with_the_methods_permissions_edit_its_bands_too():
    client = staff_client("pricing.add_shippingmethod", "pricing.change_shippingmethod")
    response = client.post(METHODS + "add/", method_form(bands=[(800, "3.00")]))
    assert response.status_code == 302
    method = ShippingMethod.objects.get()
    band = method.bands.get()
    data = method_form(existing=[(band, {"price": "3.50"})])
    assert client.post(f"{METHODS}{method.pk}/change/", data).status_code == 302
    assert list(method.bands.values_list("up_to_grams", "price")) == [(800, Decimal("3.50"))]


def test_view_only_staff_see_methods_and_rates_but_cannot_change_them():
    method = ShippingMethodFactory(name="Parcel", price=Decimal("4.90"))
    band = ShippingBandFactory(method=method, up_to_grams=1000)
    rate = TaxRateFactory(rate=Decimal("19"))
    client = staff_client("pricing.view_shippingmethod", "pricing.view_taxrate")

    page = client.get(f"{METHODS}{method.pk}/change/").content.decode()
    assert "Parcel" in page and "1000" in page
    assert 'name="price"' not in page and 'name="bands-0-price"' not in page
    assert "Parcel" in client.get(METHODS).content.decode()
    assert client.get(f"{RATES}{rate.pk}/change/").status_code == 200

    data = method_form(existing=[(band, {"price": "1.00"})], name="Hacked", price="0.10")
    assert client.post(f"{METHODS}{method.pk}/change/", data).status_code == 403
    assert client.post(METHODS + "add/", method_form()).status_code == 403
    assert client.post(f"{METHODS}{method.pk}/delete/", {"post": "yes"}).status_code == 403
    rate_data = {"country": "DE", "tax_class": "standard", "rate": "1"}
    assert client.post(f"{RATES}{rate.pk}/change/", rate_data).status_code == 403
    method.refresh_from_db()
    assert (method.name, method.price) == ("Parcel", Decimal("4.90"))
    assert ShippingBand.objects.get().price == band.price
    assert TaxRate.objects.get().rate == Decimal("19")


def test_staff_without_pricing_permissions_do_not_see_them():
    ShippingMethodFactory()
    client = staff_client("catalog.change_product")
    assert client.get(METHODS).status_code == 403
    assert client.get(RATES).status_code == 403


def test_admin_adds_and_filters_tax_rates(admin_client):
    data = {"country": "DE", "tax_class": "reduced", "rate": "7"}
    assert admin_client.post(RATES + "add/", data).status_code == 302
    france = TaxRateFactory(country="FR", rate=Decimal("20"))
    assert list(TaxRate.objects.values_list("country", "tax_class", "rate")) == [
        ("DE", "reduced", Decimal("7.000")),
        ("FR", "standard", Decimal("20.000")),
    ]
    germany = TaxRate.objects.get(country="DE")
    assert "DE Reduced 7%" in admin_client.get(RATES).content.decode()  # and the message shown
    page = admin_client.get(RATES + "?country=FR").content.decode()
    assert f"{RATES}{france.pk}/change/" in page and f"{RATES}{germany.pk}/change/" not in page


@pytest.mark.parametrize(
    "data, error",
    [
        ({"country": "DE", "tax_class": "standard", "rate": "16"}, "already exists"),
        ({"country": "DE", "tax_class": "reduced", "rate": "101"}, "less than or equal to 100"),
        ({"country": "DE", "tax_class": "reduced", "rate": "-1"}, "greater than or equal to 0"),
        ({"country": "XX", "tax_class": "reduced", "rate": "5"}, "Select a valid choice"),
    ],
)
def test_bad_tax_rates_are_form_errors_not_500s(admin_client, data, error):
    TaxRateFactory(country="DE", tax_class="standard", rate=Decimal("19"))
    response = admin_client.post(RATES + "add/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert list(TaxRate.objects.values_list("tax_class", "rate")) == [
        ("standard", Decimal("19.000"))
    ]


def test_the_product_admin_edits_weight_and_tax_class(admin_client):
    product = ProductFactory(weight_grams=100)
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert 'name="weight_grams"' in page and 'name="tax_class"' in page
    data = product_admin_form(product, weight_grams="250", tax_class="reduced")
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.weight_grams, product.tax_class) == (250, "reduced")
    listed = admin_client.get("/admin/catalog/product/?tax_class__exact=reduced").content
    assert product.sku in listed.decode() and "250" in listed.decode()


def test_a_negative_weight_is_a_form_error(admin_client):
    product = ProductFactory(weight_grams=100)
    data = product_admin_form(product, weight_grams="-5")
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Product.objects.get(pk=product.pk).weight_grams == 100


def test_the_order_page_shows_shipping_and_tax_read_only(admin_client):
    ShippingMethodFactory(name="Royal Parcel", price=Decimal("4.00"))
    TaxRateFactory(country="GB", tax_class="standard", rate=Decimal("20"))
    order = place({ProductFactory(price=Decimal("10.00")): 2})
    line = order.lines.get()
    assert (order.shipping_method_name, line.tax_rate) == ("Royal Parcel", Decimal("20"))

    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    for label in ["Shipping method name", "Shipping tax", "Tax included", "Tax rate"]:
        assert label in page
    assert "Royal Parcel" in page
    for amount in [order.shipping, order.shipping_tax, order.tax, line.tax, line.tax_rate]:
        assert str(amount) in page
    for name in ["shipping", "shipping_tax", "tax", "tax_included", "shipping_method_name"]:
        assert f'name="{name}"' not in page
    assert 'name="lines-0-tax"' not in page and 'name="lines-0-discount"' not in page
