"""Orders of variants: each variant's stock is reserved and given back, its values kept."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.models import OrderLine
from orders.services.lifecycle import cancel
from tests.factories import CouponFactory, ShippingBandFactory, TaxRateFactory, coffee_beans
from tests.orders.conftest import ADDRESS, api_checkout

pytestmark = pytest.mark.django_db


def stock(row) -> int:
    return Product.objects.get(pk=row.pk).stock


@pytest.fixture
def beans():
    return coffee_beans()


def test_checkout_reserves_each_variant_and_keeps_its_values(api_client, beans):
    product, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Ground"]
    response = api_checkout(api_client, {small: 2, big: 1})
    assert response.status_code == 201, response.content
    assert (stock(small), stock(big), stock(product)) == (8, 2, 0)
    lines = {line.product_id: line for line in OrderLine.objects.all()}
    assert lines[big.pk].options == {"Size": "1 kg", "Grind": "Ground"}
    assert lines[big.pk].variant_of_id == product.pk
    assert lines[big.pk].unit_price == Decimal("16.00") and lines[small.pk].unit_price == 4.5
    assert lines[big.pk].label == "Coffee beans (1 kg, Ground)"
    body = response.json()
    assert [(i["product_id"], i["variant_id"], i["options"]) for i in body["lines"]] == [
        (product.pk, small.pk, {"Size": "250 g", "Grind": "Whole"}),
        (product.pk, big.pk, {"Size": "1 kg", "Grind": "Ground"}),
    ]
    assert body["total"] == 25.0


def test_cancel_gives_each_variant_its_units_back(api_client, beans):
    from orders.models import Order

    _, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Whole"]
    api_checkout(api_client, {small: 3, big: 5})
    assert (stock(small), stock(big)) == (7, 0)
    cancel(order=Order.objects.get(), actor=None, reason="test")
    assert (stock(small), stock(big)) == (10, 5)


def test_a_sold_out_variant_fails_checkout_and_reserves_nothing(api_client, beans):
    _, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Ground"]
    api_client.post("/api/cart/items", {"variant_id": small.pk})
    api_client.post("/api/cart/items", {"variant_id": big.pk, "quantity": 3})
    Product.objects.filter(pk=big.pk).update(stock=1)
    response = api_client.post(
        "/api/checkout", {"shipping_address": ADDRESS, "email": "guest@example.com"}
    )
    assert response.status_code == 409
    short = response.json()["error"]["products"]
    assert [(s["product_id"], s["name"], s["available"]) for s in short] == [
        (big.pk, "Coffee beans (1 kg, Ground)", 1)
    ]
    assert (stock(small), stock(big)) == (10, 1)


def test_weight_tax_class_and_the_coupon_minimum_are_the_variants(api_client, beans):
    _, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Whole"]
    Product.objects.filter(pk=big.pk).update(tax_class="reduced")
    TaxRateFactory(country="DE", tax_class="standard", rate=Decimal("19"))
    TaxRateFactory(country="DE", tax_class="reduced", rate=Decimal("7"))
    band = ShippingBandFactory(up_to_grams=1000, price=Decimal("5.00"))
    ShippingBandFactory(method=band.method, up_to_grams=2000, price=Decimal("9.00"))
    CouponFactory(code="BIG", min_subtotal=Decimal("20.50"))
    api_client.post("/api/cart/items", {"variant_id": small.pk, "quantity": 2})  # 9.00, 500 g
    api_client.post("/api/cart/items", {"variant_id": big.pk})  # 16.00, 1000 g
    assert api_client.post("/api/cart/coupon", {"code": "BIG"}).status_code == 200
    cart = api_client.put("/api/cart/destination", {"country": "DE"}).json()
    assert cart["shipping"] == 9.0  # 1,500 g: the second band
    assert [i["tax_rate"] for i in cart["items"]] == [19.0, 7.0]
    assert cart["discount"] == 2.5  # 10 % of 25.00: the minimum of 20.50 is met
