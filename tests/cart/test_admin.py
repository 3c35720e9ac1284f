"""Coupons are managed in the admin."""

import pytest

from cart.models import Coupon
from tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def _form(**fields):
    data = {"code": "spring", "kind": "percent", "value": "15", "active": "on"}
    data.update({"min_subtotal": "0", "usage_limit": "", "starts_at_0": "", "starts_at_1": ""})
    data.update({"ends_at_0": "", "ends_at_1": ""})
    data.update(fields)
    return data


def test_staff_add_a_coupon_stored_in_upper_case(admin_client):
    response = admin_client.post("/admin/cart/coupon/add/", _form())
    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, str(coupon.value), coupon.times_used) == (
        "SPRING",
        "percent",
        "15.00",
        0,
    )
    assert admin_client.get("/admin/cart/coupon/").status_code == 200


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"code": "save10"}, "Coupon with this Code already exists."),
        ({"value": "0"}, "A coupon must take something off."),
        ({"value": "150"}, "A percentage can be at most 100."),
        (
            {
                "starts_at_0": "2030-01-02",
                "starts_at_1": "00:00",
                "ends_at_0": "2030-01-01",
                "ends_at_1": "00:00",
            },
            "The coupon must end after it starts.",
        ),
    ],
)
def test_bad_coupons_are_form_errors_not_500s(admin_client, fields, error):
    CouponFactory(code="SAVE10")
    response = admin_client.post("/admin/cart/coupon/add/", _form(**fields))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Coupon.objects.count() == 1


def test_coupons_admin_is_for_staff_only(client, user):
    client.force_login(user)
    assert client.get("/admin/cart/coupon/").status_code == 302
