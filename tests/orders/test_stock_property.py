"""Any sequence of checkouts, cancels, expiries and ships keeps every unit accounted for."""

from datetime import timedelta

import pytest
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Product
from core.errors import ShopError
from orders.expiry import expire_stale
from orders.models import Order, OrderLine, Payment, Refund
from orders.services.lifecycle import cancel, ship
from tests.factories import ProductFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

STOCK = 5
step = st.one_of(
    st.tuples(
        st.just("checkout"), st.dictionaries(st.integers(0, 2), st.integers(1, 4), min_size=1)
    ),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("ship"), st.integers(0, 20)),
    st.tuples(st.just("expire"), st.integers(0, 20)),
)


def held(product: Product) -> int:
    """Units of the product sold or reserved by orders and not given back."""
    lines = OrderLine.objects.filter(product=product)
    return lines.aggregate(n=Sum(F("quantity") - F("restocked")))["n"] or 0


def nth(orders: list, i: int):
    return orders[i % len(orders)] if orders else None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, max_size=12))
def test_stock_plus_held_units_is_constant(steps):
    for model in (Refund, Payment, Order, Product):  # a fresh shop for every example
        model.objects.all().delete()
    products = [ProductFactory(stock=STOCK) for _ in range(3)]
    orders: list[Order] = []
    for action, arg in steps:
        try:
            if action == "checkout":
                orders.append(place({products[i]: n for i, n in arg.items()}))
            elif (order := nth(orders, arg)) is None:
                continue
            elif action == "cancel":
                cancel(order=Order.objects.get(pk=order.pk))
            elif action == "pay":
                paid(Order.objects.get(pk=order.pk))
            elif action == "ship":
                ship(order=Order.objects.get(pk=order.pk))
            else:
                Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(1))
                expire_stale()
        except ShopError:
            pass  # refused (short stock, illegal transition): must change nothing
        for product in products:
            stock = Product.objects.get(pk=product.pk).stock
            assert stock >= 0
            assert stock + held(product) == STOCK
        released = Order.objects.filter(status=Order.Status.CANCELLED, stock_released=False)
        assert not released.exists()
