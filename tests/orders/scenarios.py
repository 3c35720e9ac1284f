"""Concurrent order scenarios, written once and run on every database.

Each scenario sets up its rows, races real threads through the services and returns what
happened; the caller asserts. They use the default database, so running the same tests with
`DATABASE_URL=postgres://…` reruns them on PostgreSQL unchanged.
"""

from decimal import Decimal
from uuid import uuid4

from cart.cart import Cart
from cart.models import Coupon
from catalog.models import Product
from orders.address import Address
from orders.expiry import expire
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout
from orders.services.lifecycle import cancel
from tests.concurrency import run_concurrently
from tests.conftest import ApiClient
from tests.factories import CouponFactory, ProductFactory
from tests.orders.conftest import ADDRESS
from tests.sessions import put_cart


def _shopper_checkout(items: dict[int, int], *, cart_id=None, coupon=None, key=None):
    """One shopper with a fresh session cart of {product_id: quantity} checking out."""
    session = {Cart.KEY: {"id": cart_id or str(uuid4()), "items": {}, "coupon": coupon}}
    cart = Cart(session)
    cart.items = dict(items)
    return checkout(
        cart=cart,
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="racer@example.com",
        idempotency_key=key,
    ).order


def last_unit(shoppers: int = 20) -> dict:
    """`shoppers` check out the only unit of a product at once."""
    product = ProductFactory(stock=1)
    results = run_concurrently(lambda i: _shopper_checkout({product.pk: 1}), shoppers)
    return {"results": results, "product": Product.objects.get(pk=product.pk)}


def coupon_once(shoppers: int = 10) -> dict:
    """`shoppers` check out with a coupon limited to one use, with stock for everyone."""
    product = ProductFactory(stock=shoppers, price=Decimal("10.00"))
    coupon = CouponFactory(code="ONLY1", usage_limit=1)
    results = run_concurrently(
        lambda i: _shopper_checkout({product.pk: 1}, coupon="ONLY1"), shoppers
    )
    return {
        "results": results,
        "product": Product.objects.get(pk=product.pk),
        "coupon": Coupon.objects.get(pk=coupon.pk),
    }


def same_key(submits: int = 5) -> dict:
    """One shopper's checkout submitted `submits` times at once with one Idempotency-Key."""
    product = ProductFactory(stock=10)
    cart_id = str(uuid4())
    results = run_concurrently(
        lambda i: _shopper_checkout({product.pk: 2}, cart_id=cart_id, key="double-click"),
        submits,
    )
    return {"results": results, "product": Product.objects.get(pk=product.pk)}


def cancel_race(cancellers: int = 10) -> dict:
    """One pending order cancelled by many requests and the expiry job at once."""
    product = ProductFactory(stock=5)
    order = _shopper_checkout({product.pk: 3})
    Order.objects.filter(pk=order.pk).update(expires_at=order.created_at)

    def act(i: int):
        fresh = Order.objects.get(pk=order.pk)
        if i % 2:
            return expire(order=fresh)
        return cancel(order=fresh, actor_label="guest")

    results = run_concurrently(act, cancellers)
    return {
        "results": results,
        "product": Product.objects.get(pk=product.pk),
        "order": Order.objects.get(pk=order.pk),
    }


def last_unit_over_http(shoppers: int = 10) -> dict:
    """`shoppers`, each a cookie client with the last unit in its cart, POST /api/checkout."""
    product = ProductFactory(stock=1)
    clients = [ApiClient() for _ in range(shoppers)]
    for client in clients:
        put_cart(client, {product.pk: 1})
    body = {"shipping_address": ADDRESS, "email": "racer@example.com"}
    responses = run_concurrently(lambda i: clients[i].post("/api/checkout", body), shoppers)
    return {"responses": responses, "product": Product.objects.get(pk=product.pk)}
