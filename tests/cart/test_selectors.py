"""Pricing the cart: one product query whatever its size, stale lines and coupons."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.utils import timezone

from cart.cart import Cart
from cart.selectors import cart_summary, discount_for
from tests.factories import CouponFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _cart(items, coupon=None) -> Cart:
    cart = Cart(SessionStore())
    cart.items, cart.coupon = dict(items), coupon
    return cart


@pytest.mark.parametrize("lines", [1, 10, 50])
def test_reading_a_cart_takes_one_product_query_whatever_its_size(lines, django_assert_num_queries):
    products = ProductFactory.create_batch(lines, price=Decimal("1.25"))
    cart = _cart({p.pk: 2 for p in products})
    with django_assert_num_queries(1):
        summary = cart_summary(cart)
    assert len(summary.lines) == lines
    assert summary.subtotal == Decimal("2.50") * lines
    assert summary.item_count == 2 * lines


def test_a_coupon_costs_one_more_query_and_none_without_one(django_assert_num_queries):
    product = ProductFactory(price=Decimal("10.00"))
    CouponFactory(code="SAVE10")
    with django_assert_num_queries(2):
        summary = cart_summary(_cart({product.pk: 3}, coupon="SAVE10"))
    assert (summary.subtotal, summary.discount, summary.total) == (
        Decimal("30.00"),
        Decimal("3.00"),
        Decimal("27.00"),
    )
    with django_assert_num_queries(0):
        assert cart_summary(_cart({})).total == 0


def test_lines_keep_the_order_they_were_added_in():
    first, second, third = ProductFactory.create_batch(3)
    summary = cart_summary(_cart({third.pk: 1, first.pk: 1, second.pk: 1}))
    assert [line.product.id for line in summary.lines] == [third.pk, first.pk, second.pk]


def test_inactive_and_deleted_products_drop_out_with_a_notice():
    kept = ProductFactory()
    hidden = ProductFactory(name="Old Plum", active=False)
    summary = cart_summary(_cart({kept.pk: 1, hidden.pk: 2, 999_999: 1}))
    assert [line.product.id for line in summary.lines] == [kept.pk]
    assert summary.dropped == [hidden.pk, 999_999]
    assert "Old Plum is no longer sold and was removed from your cart." in summary.notices
    assert len(summary.notices) == 2


def test_prices_come_from_the_catalog_at_read_time():
    product = ProductFactory(price=Decimal("2.00"))
    cart = _cart({product.pk: 3})
    assert cart_summary(cart).subtotal == Decimal("6.00")
    product.price = Decimal("2.50")
    product.save()
    assert cart_summary(cart).subtotal == Decimal("7.50")


def test_a_line_beyond_the_stock_left_gets_a_notice():
    product = ProductFactory(name="Pear", stock=2)
    summary = cart_summary(_cart({product.pk: 5}))
    assert summary.notices == ["Only 2 of Pear left in stock."]


def test_percent_discount_rounds_half_up_to_cents_and_fixed_never_exceeds_subtotal():
    percent = CouponFactory(kind="percent", value=Decimal("15"))
    fixed = CouponFactory(kind="fixed", value=Decimal("50.00"))
    assert discount_for(percent, Decimal("0.10")) == Decimal("0.02")  # 0.015 -> 0.02
    assert discount_for(fixed, Decimal("12.34")) == Decimal("12.34")


def test_an_expired_coupon_leaves_the_cart_but_a_too_small_subtotal_keeps_it():
    product = ProductFactory(price=Decimal("5.00"))
    CouponFactory(code="OLD", ends_at=timezone.now() - timedelta(minutes=1))
    CouponFactory(code="BIG", min_subtotal=Decimal("20.00"))
    expired = cart_summary(_cart({product.pk: 1}, coupon="OLD"))
    assert expired.coupon is None and expired.coupon_dropped
    assert expired.notices == ["The coupon OLD has expired. It was removed from your cart."]
    small = cart_summary(_cart({product.pk: 1}, coupon="BIG"))
    assert small.coupon.code == "BIG" and not small.coupon_dropped
    assert small.discount == 0
    assert small.notices == ["This coupon needs a subtotal of at least 20.00."]
    gone = cart_summary(_cart({product.pk: 1}, coupon="DELETED"))
    assert gone.coupon_dropped and "no longer exists" in gone.notices[0]
