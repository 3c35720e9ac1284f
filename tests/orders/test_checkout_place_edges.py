"""Checkout's placing step at its edges: stock or a coupon taken after the cart was read,
the coupon refusals' messages, the placed event's note and data, a plain line's variant.

A sale or coupon use committed by another checkout between this one's read and its
conditional UPDATE only happens on PostgreSQL (on SQLite the write lock serializes them);
here it is made to land at that moment by running it right after the read.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cart.cart import Cart
from cart.models import Coupon
from cart.selectors import cart_products, find_coupon
from catalog.errors import InsufficientStock
from catalog.models import Product
from orders.errors import CouponExhausted, CouponUnusable
from orders.models import Order, OrderEvent, OrderLine
from orders.services import checkout as checkout_service
from tests.factories import CouponFactory, ProductFactory
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def test_stock_sold_and_a_product_withdrawn_after_the_read_refuse_with_the_fresh_figures(
    monkeypatch,
):
    apple = ProductFactory(sku="apple", name="Apple", stock=5)
    pear = ProductFactory(sku="pear", name="Pear", stock=2)

    def read_then_sold_meanwhile(cart):
        products = cart_products(cart)
        Product.objects.filter(pk=apple.pk).update(stock=1)  # another order took 4
        Product.objects.filter(pk=pear.pk).update(active=False)  # staff withdrew it
        return products

    monkeypatch.setattr(checkout_service, "cart_products", read_then_sold_meanwhile)
    session = {}
    with pytest.raises(InsufficientStock) as caught:
        place({apple: 3, pear: 1}, session=session)
    err = caught.value
    assert (err.status, err.code) == (409, "insufficient_stock")
    assert err.message == "Not enough stock. Apple: 1 left, 3 wanted; Pear: 0 left, 1 wanted."
    assert err.extra["products"] == [
        {"product_id": apple.pk, "sku": "apple", "name": "Apple", "requested": 3, "available": 1},
        {"product_id": pear.pk, "sku": "pear", "name": "Pear", "requested": 1, "available": 0},
    ]
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert Cart(session).items == {apple.pk: 3, pear.pk: 1}


def test_a_coupon_used_up_after_the_read_refuses_checkout_naming_it(monkeypatch):
    CouponFactory(code="LAST", usage_limit=1)
    product = ProductFactory(stock=5)

    def read_then_used_meanwhile(code):
        found = find_coupon(code)
        Coupon.objects.filter(pk=found.pk).update(times_used=1)  # another order took the use
        return found

    monkeypatch.setattr(checkout_service, "find_coupon", read_then_used_meanwhile)
    with pytest.raises(CouponExhausted) as caught:
        place({product: 1}, coupon="LAST")
    assert (caught.value.status, caught.value.code) == (409, "coupon_exhausted")
    assert caught.value.message == "The coupon LAST has been used up."
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("coupon", "error", "message"),
    [
        (None, CouponUnusable, "The coupon SPRING no longer exists; remove it from your cart."),
        ({"ends_at": LONG_AGO}, CouponUnusable, "The coupon SPRING has expired."),
        ({"active": False}, CouponUnusable, "The coupon SPRING is not valid."),
        (
            {"usage_limit": 2, "times_used": 2},
            CouponExhausted,
            "The coupon SPRING has been used up.",
        ),
    ],
    ids=["deleted", "expired", "inactive", "used-up"],
)
def test_a_refused_coupon_is_named_with_the_reason(coupon, error, message):
    if coupon is not None:
        CouponFactory(code="SPRING", **coupon)
    product = ProductFactory(stock=5)
    with pytest.raises(error) as caught:
        place({product: 1}, coupon="SPRING")
    assert caught.value.message == message
    assert Order.objects.count() == 0 and Product.objects.get(pk=product.pk).stock == 5


def test_the_placed_event_records_the_lines_total_coupon_and_reservation_end():
    CouponFactory(code="SAVE10", value=Decimal("10"))
    apple = ProductFactory(price=Decimal("5.00"))
    pear = ProductFactory(price=Decimal("10.00"))
    placed = place({apple: 2, pear: 1}, coupon="SAVE10")
    order = Order.objects.get(pk=placed.pk)
    assert order.total == Decimal("18.00")
    event = OrderEvent.objects.get(order=order)
    assert event.note == "2 line(s), total 18.00 USD."
    assert event.data == {"coupon": "SAVE10", "expires_at": order.expires_at.isoformat()}


def test_a_plain_product_line_is_no_variant_of_anything():
    product = ProductFactory()
    order = place({product: 1})
    line = OrderLine.objects.get(order=order)
    assert (line.product_id, line.variant_of_id, line.options) == (product.pk, None, {})
