"""Coupons are managed in the admin."""

import pytest

from cart.admin import CouponAdmin
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


def _change_url(coupon) -> str:
    return f"/admin/cart/coupon/{coupon.pk}/change/"


def test_a_usage_limit_below_times_used_is_a_form_error_not_a_500(admin_client):
    coupon = CouponFactory(code="SPRING", usage_limit=10, times_used=5)
    response = admin_client.post(_change_url(coupon), _form(usage_limit="4"))
    assert response.status_code == 200
    assert "already been used 5 times" in response.content.decode()
    coupon.refresh_from_db()
    assert (coupon.usage_limit, coupon.times_used) == (10, 5)


def test_a_usage_limit_equal_to_times_used_is_saved(admin_client):
    coupon = CouponFactory(code="SPRING", usage_limit=10, times_used=5)
    assert admin_client.post(_change_url(coupon), _form(usage_limit="5")).status_code == 302
    coupon.refresh_from_db()
    assert (coupon.usage_limit, coupon.times_used) == (5, 5)


def test_saving_a_coupon_keeps_uses_counted_since_the_form_was_read(admin_client, monkeypatch):
    coupon = CouponFactory(code="SPRING", usage_limit=10)
    stale = Coupon.objects.get(pk=coupon.pk)  # read before a checkout counts a use
    Coupon.objects.filter(pk=coupon.pk).update(times_used=3)
    monkeypatch.setattr(CouponAdmin, "get_object", lambda self, request, object_id, *a: stale)

    assert admin_client.post(_change_url(coupon), _form(value="20")).status_code == 302

    coupon.refresh_from_db()
    assert (coupon.value, coupon.times_used) == (20, 3)
