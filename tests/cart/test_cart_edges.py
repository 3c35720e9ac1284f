"""Edges of the session cart (cart/cart.py) that mutation testing left open: the figures
last shown belong to one cart id, so a quote kept from the cart before an order is never
held against the next cart's checkout."""

from decimal import Decimal

import pytest

from cart.cart import Cart
from cart.services import add_to_cart, read_cart
from orders.address import Address
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout
from tests.factories import ProductFactory
from tests.orders.conftest import ADDRESS

pytestmark = pytest.mark.django_db


def check_out(session: dict):
    """Check out the session's cart as its guest, to ADDRESS."""
    return checkout(
        cart=Cart(session),
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="guest@example.com",
    )


def test_a_quote_shown_for_the_previous_cart_is_not_held_against_the_next_one():
    apple = ProductFactory(name="Apple", price=Decimal("10.00"), stock=5)
    pear = ProductFactory(name="Pear", price=Decimal("3.00"), stock=5)
    session = {}
    add_to_cart(cart=Cart(session), product_id=apple.pk, quantity=1)
    read_cart(cart=Cart(session))  # shows the apple cart's figures
    first = check_out(session).order
    shown = session[Cart.QUOTE_KEY]
    assert shown["cart_id"] != Cart(session).id  # the order gave the session a new cart
    # The next cart gets its lines without a page showing them (a client that goes
    # straight to checkout): nothing was shown for this cart, so nothing can have changed.
    cart = Cart(session)
    cart.items = {pear.pk: 2}
    cart.save()

    assert Cart(session).shown_quote() is None
    second = check_out(session).order

    assert second.pk != first.pk and second.total == Decimal("6.00")
    assert list(second.lines.values_list("sku", "quantity")) == [(pear.sku, 2)]
    assert Order.objects.count() == 2
