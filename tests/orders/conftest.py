"""Order test helpers: place orders through the real checkout; pay through the state machine."""

from cart.cart import Cart
from orders.address import Address
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout
from orders.states import move
from tests.sessions import put_cart

ADDRESS = {
    "name": "Ada Lovelace",
    "street": "1 Analytical Way",
    "city": "London",
    "zip": "N1 9GU",
    "country": "GB",
}


def place(
    items: dict, *, user=None, session=None, email="guest@example.com", coupon=None, key=None
):
    """Check out {product: quantity} as a user or a guest session (a dict unless given)."""
    session = {} if session is None else session
    cart = Cart(session, user)
    cart.items, cart.coupon = {p.pk: n for p, n in items.items()}, coupon
    cart.save()
    owner = Owner(user=user, session=session)
    result = checkout(
        cart=cart, owner=owner, address=Address(**ADDRESS), email=email, idempotency_key=key
    )
    return result.order


def mark_paid(order: Order) -> Order:
    """Stand-in for a successful payment: the legal transition, with the money recorded."""
    move(order, Order.Status.PAID, actor_label="test", amount_paid=order.total)
    return order


def api_checkout(client, items: dict, *, coupon=None, email="guest@example.com", **headers):
    """Fill the client's session cart with {product: quantity} and POST /api/checkout."""
    put_cart(client, {p.pk: n for p, n in items.items()}, coupon)
    body = {"shipping_address": ADDRESS}
    if email is not None:
        body["email"] = email
    return client.post("/api/checkout", body, **headers)
