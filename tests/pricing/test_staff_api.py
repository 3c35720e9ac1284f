"""The staff API for shipping methods and tax rates, and a product's weight and tax class."""

from decimal import Decimal

import pytest

from catalog.models import Product
from pricing.models import ShippingBand, ShippingMethod, TaxRate
from tests.conftest import ApiClient
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    StaffFactory,
    TaxRateFactory,
)

pytestmark = pytest.mark.django_db

METHODS = "/api/staff/shipping-methods"
RATES = "/api/staff/tax-rates"

PARCEL = {
    "name": "Parcel",
    "price": "4.90",
    "free_over": "50.00",
    "countries": ["de", "AT"],
    "tax_class": "standard",
    "position": 2,
    "bands": [{"up_to_grams": 5000, "price": "7.90"}, {"up_to_grams": 1000, "price": 4.9}],
}


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def client_with(*permissions: str) -> ApiClient:
    client = ApiClient()
    client.force_login(StaffFactory(permissions=list(permissions)))
    return client


def test_staff_create_read_update_and_delete_a_shipping_method(staff_client):
    created = staff_client.post(METHODS, PARCEL)
    assert created.status_code == 201
    body = created.json()
    method_id = body.pop("id")
    assert body == {
        "name": "Parcel",
        "price": 4.9,
        "free_over": 50.0,
        "all_countries": False,
        "countries": ["AT", "DE"],
        "tax_class": "standard",
        "active": True,
        "position": 2,
        "bands": [{"up_to_grams": 1000, "price": 4.9}, {"up_to_grams": 5000, "price": 7.9}],
    }
    method = ShippingMethod.objects.get(pk=method_id)
    assert (method.price, method.free_over) == (Decimal("4.90"), Decimal("50.00"))
    assert list(method.bands.values_list("up_to_grams", "price")) == [
        (1000, Decimal("4.90")),
        (5000, Decimal("7.90")),
    ]

    url = f"{METHODS}/{method_id}"
    assert staff_client.get(url).json() == {"id": method_id, **body}
    assert [m["id"] for m in staff_client.get(METHODS).json()] == [method_id]

    patched = staff_client.patch(
        url, {"free_over": None, "active": False, "bands": [{"up_to_grams": 2000, "price": "6"}]}
    )
    assert patched.status_code == 200
    assert patched.json()["free_over"] is None and patched.json()["active"] is False
    assert patched.json()["bands"] == [{"up_to_grams": 2000, "price": 6.0}]
    assert patched.json()["countries"] == ["AT", "DE"]  # what was not sent stays
    assert list(ShippingBand.objects.values_list("method_id", "up_to_grams")) == [(method_id, 2000)]

    assert staff_client.delete(url).status_code == 204
    assert not ShippingMethod.objects.exists() and not ShippingBand.objects.exists()
    assert error(staff_client.get(url)) == (404, "shipping_method_not_found")


def test_the_list_shows_inactive_methods_in_position_order(staff_client):
    late = ShippingMethodFactory(name="Late", position=5)
    off = ShippingMethodFactory(name="Off", position=1, active=False, all_countries=False)
    off.countries = ["FR"]
    off.save()
    ShippingBandFactory(method=late, up_to_grams=300, price=Decimal("3.00"))
    listed = staff_client.get(METHODS).json()
    assert [(m["name"], m["active"], m["countries"]) for m in listed] == [
        ("Off", False, ["FR"]),
        ("Late", True, []),
    ]
    assert listed[1]["bands"] == [{"up_to_grams": 300, "price": 3.0}]


def test_patch_without_bands_keeps_them(staff_client):
    band = ShippingBandFactory(up_to_grams=750)
    response = staff_client.patch(f"{METHODS}/{band.method_id}", {"name": "Renamed"})
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    assert list(ShippingBand.objects.values_list("pk", flat=True)) == [band.pk]


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"countries": ["XX"]}, "countries.0", "validation_error"),
        ({"countries": ["DE", "Germany"]}, "countries.1", "validation_error"),
        ({"price": "-1.00"}, "price", "invalid_amount"),
        ({"price": "1.234"}, "price", "invalid_amount"),
        ({"free_over": -5}, "free_over", "invalid_amount"),
        ({"bands": [{"up_to_grams": 100, "price": "-2"}]}, "bands.0.price", "invalid_amount"),
        ({"bands": [{"up_to_grams": 0, "price": "2"}]}, "bands.0.up_to_grams", "validation_error"),
        (
            {"bands": [{"up_to_grams": 9, "price": 1}, {"up_to_grams": 9, "price": 2}]},
            "bands",
            "validation_error",
        ),
        ({"tax_class": "luxury"}, "tax_class", "validation_error"),
        ({"position": "1"}, "position", "validation_error"),
        ({"active": None}, "active", "validation_error"),
        ({"name": ""}, "name", "validation_error"),
        ({"countries": [], "all_countries": False}, "countries", "validation_error"),
    ],
)
def test_bad_method_fields_are_400_naming_the_field(staff_client, change, field, code):
    response = staff_client.post(METHODS, {**PARCEL, **change})
    assert error(response) == (400, code)
    assert field in fields(response)
    assert not ShippingMethod.objects.exists()


def test_a_method_for_all_countries_needs_no_country_list(staff_client):
    body = {"name": "World", "price": 20, "all_countries": True}
    response = staff_client.post(METHODS, body)
    assert response.status_code == 201
    assert (response.json()["countries"], response.json()["bands"]) == ([], [])
    assert ShippingMethod.objects.get().all_countries is True


def test_patching_a_method_out_of_every_zone_is_400_and_changes_nothing(staff_client):
    method = ShippingMethodFactory(all_countries=True, price=Decimal("4.90"))
    response = staff_client.patch(f"{METHODS}/{method.pk}", {"all_countries": False})
    assert error(response) == (400, "validation_error") and "countries" in fields(response)
    response = staff_client.patch(f"{METHODS}/{method.pk}", {"price": None})
    assert error(response) == (400, "invalid_amount")
    method.refresh_from_db()
    assert (method.all_countries, method.price) == (True, Decimal("4.90"))


def test_bad_bands_on_patch_keep_the_old_bands(staff_client):
    band = ShippingBandFactory(up_to_grams=500)
    bad = [{"up_to_grams": 1, "price": 1}, {"up_to_grams": 1, "price": 1}]
    response = staff_client.patch(f"{METHODS}/{band.method_id}", {"bands": bad})
    assert error(response) == (400, "validation_error") and "bands" in fields(response)
    assert list(ShippingBand.objects.values_list("up_to_grams", flat=True)) == [500]


def test_unknown_and_read_only_fields_are_ignored_as_everywhere_in_the_api(staff_client):
    response = staff_client.post(METHODS, {**PARCEL, "id": 999, "colour": "red"})
    assert response.status_code == 201 and response.json()["id"] != 999
    assert not ShippingMethod.objects.filter(pk=999).exists()


@pytest.mark.parametrize(
    "method, path",
    [("get", METHODS + "/{id}"), ("patch", METHODS + "/{id}"), ("delete", METHODS + "/{id}")],
)
def test_unknown_method_id_is_404(staff_client, method, path):
    ShippingMethodFactory()
    response = getattr(staff_client, method)(path.format(id=99999), {"name": "x"})
    assert error(response) == (404, "shipping_method_not_found")


def test_staff_create_list_update_and_delete_tax_rates(staff_client):
    created = staff_client.post(RATES, {"country": "de", "tax_class": "reduced", "rate": "7"})
    assert created.status_code == 201
    rate_id = created.json()["id"]
    assert created.json() == {"id": rate_id, "country": "DE", "tax_class": "reduced", "rate": 7.0}
    assert TaxRate.objects.get(pk=rate_id).rate == Decimal("7")

    TaxRateFactory(country="AT", rate=Decimal("20"))
    assert [(r["country"], r["tax_class"]) for r in staff_client.get(RATES).json()] == [
        ("AT", "standard"),
        ("DE", "reduced"),
    ]

    patched = staff_client.patch(f"{RATES}/{rate_id}", {"rate": 7.25})
    assert patched.json() == {"id": rate_id, "country": "DE", "tax_class": "reduced", "rate": 7.25}
    assert TaxRate.objects.get(pk=rate_id).rate == Decimal("7.25")

    assert staff_client.delete(f"{RATES}/{rate_id}").status_code == 204
    assert list(TaxRate.objects.values_list("country", flat=True)) == ["AT"]
    assert error(staff_client.delete(f"{RATES}/{rate_id}")) == (404, "tax_rate_not_found")


def test_a_second_rate_for_a_country_and_class_is_409(staff_client):
    TaxRateFactory(country="DE", tax_class="standard", rate=Decimal("19"))
    response = staff_client.post(RATES, {"country": "DE", "rate": 16})
    assert error(response) == (409, "tax_rate_exists")
    other = TaxRateFactory(country="DE", tax_class="reduced", rate=Decimal("7"))
    response = staff_client.patch(f"{RATES}/{other.pk}", {"tax_class": "standard"})
    assert error(response) == (409, "tax_rate_exists")
    assert sorted(TaxRate.objects.values_list("tax_class", "rate")) == [
        ("reduced", Decimal("7.000")),
        ("standard", Decimal("19.000")),
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"country": "ZZ", "rate": 19}, "country"),
        ({"country": "DE", "rate": -1}, "rate"),
        ({"country": "DE", "rate": 100.5}, "rate"),
        ({"country": "DE", "rate": "7.1234"}, "rate"),
        ({"country": "DE", "rate": "1e1"}, "rate"),
        ({"country": "DE", "rate": "NaN"}, "rate"),
        ({"country": "DE", "rate": True}, "rate"),
        ({"country": "DE"}, "rate"),
        ({"country": "DE", "rate": 7, "tax_class": "luxury"}, "tax_class"),
    ],
)
def test_bad_tax_rates_are_400_naming_the_field(staff_client, body, field):
    response = staff_client.post(RATES, body)
    # A bad rate is read as every amount is (core.money.parse_amount): invalid_amount.
    code = "invalid_amount" if field == "rate" and "rate" in body else "validation_error"
    assert error(response) == (400, code) and field in fields(response)
    assert not TaxRate.objects.exists()


def test_patching_an_unknown_rate_is_404_and_a_null_rate_is_400(staff_client):
    assert error(staff_client.patch(f"{RATES}/99999", {"rate": 5})) == (404, "tax_rate_not_found")
    rate = TaxRateFactory(rate=Decimal("19"))
    response = staff_client.patch(f"{RATES}/{rate.pk}", {"rate": None})
    assert error(response) == (400, "validation_error") and "rate" in fields(response)
    rate.refresh_from_db()
    assert rate.rate == Decimal("19")


def _calls():
    """(method, path, body, the permission it needs) of every staff pricing endpoint."""
    method, rate = ShippingMethodFactory(), TaxRateFactory()
    return [
        ("get", METHODS, None, "pricing.view_shippingmethod"),
        ("get", f"{METHODS}/{method.pk}", None, "pricing.view_shippingmethod"),
        ("post", METHODS, PARCEL, "pricing.add_shippingmethod"),
        ("patch", f"{METHODS}/{method.pk}", {"name": "New"}, "pricing.change_shippingmethod"),
        ("delete", f"{METHODS}/{method.pk}", None, "pricing.delete_shippingmethod"),
        ("get", RATES, None, "pricing.view_taxrate"),
        ("post", RATES, {"country": "FR", "rate": 20}, "pricing.add_taxrate"),
        ("patch", f"{RATES}/{rate.pk}", {"rate": 5}, "pricing.change_taxrate"),
        ("delete", f"{RATES}/{rate.pk}", None, "pricing.delete_taxrate"),
    ]


def _state():
    return (
        list(ShippingMethod.objects.values_list("pk", "name")),
        list(TaxRate.objects.values_list("pk", "country", "rate")),
    )


def test_each_endpoint_needs_its_permission_and_is_403_without_it():
    calls = _calls()
    before = _state()
    for verb, path, body, permission in calls:
        others = [p for *_, p in calls if p != permission]
        for client in (ApiClient(), client_with(*others)):
            response = getattr(client, verb)(path, body)
            assert error(response) == (403, "forbidden"), (verb, path)
    assert _state() == before
    for verb, path, body, permission in calls:
        response = getattr(client_with(permission), verb)(path, body)
        assert response.status_code in {200, 201, 204}, (verb, path, response.content)


def test_a_signed_in_customer_may_not_use_the_staff_api(user_client):
    assert error(user_client.get(METHODS)) == (403, "forbidden")
    assert error(user_client.post(RATES, {"country": "FR", "rate": 20})) == (403, "forbidden")
    assert not TaxRate.objects.exists()


# A product's weight and tax class through the catalog's staff endpoints.


def test_staff_set_a_products_weight_and_tax_class(staff_client, api_client):
    CategoryFactory(slug="fruit")
    body = {"sku": "kiwi", "name": "Kiwi", "price": "0.75", "category": "fruit"}
    created = staff_client.post(
        "/api/products", {**body, "weight_grams": 80, "tax_class": "reduced"}
    )
    assert created.status_code == 201
    assert (created.json()["weight_grams"], created.json()["tax_class"]) == (80, "reduced")
    product_id = created.json()["id"]
    url = f"/api/products/{product_id}"
    patched = staff_client.patch(url, {"weight_grams": 95, "tax_class": "zero"})
    assert (patched.json()["weight_grams"], patched.json()["tax_class"]) == (95, "zero")
    product = Product.objects.get(pk=product_id)
    assert (product.weight_grams, product.tax_class) == (95, "zero")
    assert staff_client.patch(url, {}).json()["weight_grams"] == 95  # how staff read them
    # Shoppers' product shape is the contract's, without them.
    assert {"weight_grams", "tax_class"}.isdisjoint(api_client.get(url).json())


def test_a_product_defaults_to_no_weight_and_the_standard_class(staff_client):
    CategoryFactory(slug="fruit")
    body = {"sku": "fig", "name": "Fig", "price": "1.00", "category": "fruit"}
    created = staff_client.post("/api/products", body).json()
    assert (created["weight_grams"], created["tax_class"]) == (0, "standard")


@pytest.mark.parametrize(
    "change", [{"weight_grams": -1}, {"weight_grams": "80"}, {"tax_class": "luxury"}]
)
def test_bad_weight_or_tax_class_is_400_and_changes_nothing(staff_client, change):
    product = ProductFactory(weight_grams=100)
    response = staff_client.patch(f"/api/products/{product.pk}", change)
    assert error(response) == (400, "validation_error") and set(fields(response)) == set(change)
    product.refresh_from_db()
    assert (product.weight_grams, product.tax_class) == (100, "standard")


def test_pickup_in_store_costs_nothing_and_a_rate_may_be_zero(staff_client):
    created = staff_client.post(METHODS, {"name": "Pickup", "price": 0, "countries": ["us"]})
    assert created.status_code == 201
    assert (created.json()["price"], created.json()["countries"]) == (0.0, ["US"])
    zero = staff_client.post(RATES, {"country": "US", "tax_class": "zero", "rate": "0"})
    assert zero.status_code == 201 and TaxRate.objects.get().rate == 0
