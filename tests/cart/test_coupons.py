"""Coupon rules through the API, on every session engine."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cart.models import Coupon
from tests.factories import CouponFactory, ProductFactory
from tests.sessions import put_cart, session_cart

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("session_engine")]

NOW = timezone.now()


@pytest.fixture
def cart_of_20(api_client):
    """A cart worth 20.00."""
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    put_cart(api_client, {product.pk: 2})
    return product


def _apply(client, code):
    return client.post("/api/cart/coupon", {"code": code})


def test_a_percent_coupon_discounts_the_subtotal(api_client, cart_of_20):
    CouponFactory(code="SAVE10", kind="percent", value=Decimal("10"))
    response = _apply(api_client, "save10")  # codes are case-insensitive
    assert response.status_code == 200
    body = response.json()
    assert (body["coupon"], body["subtotal"], body["discount"], body["total"]) == (
        "SAVE10",
        20.0,
        2.0,
        18.0,
    )
    assert session_cart(api_client).coupon == "SAVE10"


def test_a_fixed_coupon_never_takes_more_than_the_subtotal(api_client, cart_of_20):
    CouponFactory(code="FIVE", kind="fixed", value=Decimal("5.00"))
    CouponFactory(code="HUGE", kind="fixed", value=Decimal("500.00"))
    assert _apply(api_client, "FIVE").json()["total"] == 15.0
    body = _apply(api_client, "HUGE").json()
    assert (body["discount"], body["total"]) == (20.0, 0.0)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"ends_at": NOW - timedelta(seconds=1)}, "The coupon BAD has expired."),
        ({"starts_at": NOW + timedelta(days=1)}, "The coupon BAD is not valid."),
        ({"usage_limit": 3, "times_used": 3}, "The coupon BAD has been used up."),
        ({"active": False}, "The coupon BAD is not valid."),
        ({"min_subtotal": Decimal("20.01")}, "This coupon needs a subtotal of at least 20.01."),
    ],
)
def test_unusable_coupons_are_400_invalid_coupon_and_change_nothing(
    api_client, cart_of_20, fields, message
):
    CouponFactory(code="GOOD")
    CouponFactory(code="BAD", **fields)
    assert _apply(api_client, "GOOD").status_code == 200
    response = _apply(api_client, "BAD")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_coupon", "message": message}
    assert session_cart(api_client).coupon == "GOOD"
    assert api_client.get("/api/cart").json()["coupon"] == "GOOD"


def test_a_coupon_at_exactly_its_minimum_subtotal_works(api_client, cart_of_20):
    CouponFactory(code="MIN20", min_subtotal=Decimal("20.00"), ends_at=NOW + timedelta(days=1))
    assert _apply(api_client, "MIN20").status_code == 200


def test_an_unknown_code_is_400_invalid_coupon(api_client, cart_of_20):
    response = _apply(api_client, "NOPE")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_coupon"
    assert session_cart(api_client).coupon is None


@pytest.mark.parametrize("code", ["", "x" * 33, "SAVE\x0010", None, 10, ["SAVE10"]])
def test_malformed_codes_are_400(api_client, cart_of_20, code):
    CouponFactory(code="SAVE10")
    response = api_client.post("/api/cart/coupon", {"code": code})
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert session_cart(api_client).coupon is None


def test_the_same_code_twice_changes_nothing(api_client, cart_of_20):
    CouponFactory(code="SAVE10")
    first = _apply(api_client, "SAVE10").json()
    second = _apply(api_client, "SAVE10")
    assert second.status_code == 200
    assert second.json() == first
    assert second.json()["discount"] == 2.0  # no stacking


def test_a_new_valid_code_replaces_the_old(api_client, cart_of_20):
    CouponFactory(code="SAVE10", value=Decimal("10"))
    CouponFactory(code="SAVE25", value=Decimal("25"))
    _apply(api_client, "SAVE10")
    body = _apply(api_client, "SAVE25").json()
    assert (body["coupon"], body["discount"]) == ("SAVE25", 5.0)


def test_removing_the_coupon(api_client, cart_of_20):
    CouponFactory(code="SAVE10")
    _apply(api_client, "SAVE10")
    response = api_client.delete("/api/cart/coupon")
    assert response.status_code == 200
    assert (response.json()["coupon"], response.json()["total"]) == (None, 20.0)
    assert api_client.delete("/api/cart/coupon").status_code == 200


def test_a_coupon_that_expires_later_leaves_the_cart_with_a_notice(api_client, cart_of_20):
    coupon = CouponFactory(code="SOON")
    _apply(api_client, "SOON")
    coupon.ends_at = timezone.now() - timedelta(seconds=1)
    coupon.save()
    body = api_client.get("/api/cart").json()
    assert (body["coupon"], body["discount"], body["total"]) == (None, 0.0, 20.0)
    assert body["notices"] == ["The coupon SOON has expired. It was removed from your cart."]
    assert session_cart(api_client).coupon is None


def test_a_subtotal_below_the_minimum_keeps_the_coupon_without_discount(api_client, cart_of_20):
    CouponFactory(code="MIN15", min_subtotal=Decimal("15.00"))
    _apply(api_client, "MIN15")
    body = api_client.patch(f"/api/cart/items/{cart_of_20.pk}", {"quantity": 1}).json()
    assert (body["coupon"], body["discount"], body["total"]) == ("MIN15", 0.0, 10.0)
    assert body["notices"] == ["This coupon needs a subtotal of at least 15.00."]
    body = api_client.patch(f"/api/cart/items/{cart_of_20.pk}", {"quantity": 2}).json()
    assert (body["discount"], body["notices"]) == (2.0, [])


def test_clearing_the_cart_drops_its_coupon(api_client, cart_of_20):
    CouponFactory(code="SAVE10")
    _apply(api_client, "SAVE10")
    assert api_client.delete("/api/cart/items").json()["coupon"] is None


@pytest.mark.parametrize("field", ["value", "min_subtotal"])
def test_a_coupons_amounts_are_bounded_by_what_an_order_can_hold(field):
    coupon = Coupon(code="BIG", kind=Coupon.Kind.FIXED, value=Decimal("5.00"))
    setattr(coupon, field, Decimal("100000000.00"))
    with pytest.raises(ValidationError) as caught:
        coupon.full_clean()
    assert "Ensure this value is less than or equal to 99999999.99." in caught.value.messages
    setattr(coupon, field, Decimal("-1.00"))
    with pytest.raises(ValidationError):
        coupon.full_clean()
