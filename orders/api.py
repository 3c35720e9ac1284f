"""Orders endpoints of the JSON API (mounted under /api by shop/api.py)."""

from contextlib import suppress

from django.http import HttpResponse
from ninja import Router, Status

from cart.cart import cart_for
from core.clients import client_address
from core.errors import Forbidden, ShopError
from core.openapi import RESPONSES, doc, link
from core.permissions import require_perm
from core.schemas import Id
from core.throttle import checkouts_by_address
from orders import address_book, selectors
from orders.address import Address
from orders.expiry import expire_if_due, expire_stale
from orders.idempotency import idempotency_key
from orders.models import Order
from orders.ownership import Owner
from orders.schemas import CancelIn, CheckoutIn, OrderOut
from orders.services.checkout import checkout as place_order
from orders.services.lifecycle import cancel, ship

router = Router(tags=["orders"])


def owned_order(request, order_id: int) -> Order:
    """The caller's order, expired first if its reservation ran out; 404 if not theirs."""
    order = selectors.order_for(Owner.of(request), order_id=order_id)
    expire_if_due(order=order)  # re-reads the order when it expires it
    return selectors.with_related(order)


ORDER_ID = "$response.body#/id"
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when the answer repeats an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def with_examples(extra: dict, status: int, **examples: dict) -> dict:
    """`extra` (a doc()) whose error `status` also shows example envelopes, by name."""
    extra["responses"][status] = {
        "description": RESPONSES[status][1],
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {name: {"value": {"error": body}} for name, body in examples.items()},
            }
        },
    }
    return extra


# The checkout's own 400 and 409 answers (docs/API.md, "Shipping and tax").
SHIPPING_UNAVAILABLE = {
    "code": "shipping_unavailable",
    "message": "That shipping method does not deliver this order to Germany.",
    "fields": {"shipping_method": ["does not deliver this order to this country"]},
}
QUOTE_CHANGED = {
    "code": "quote_changed",
    "message": "The figures changed since they were shown (Apple: price 0.50 → 0.60 USD; "
    "Tax 0.72 → 0.80 USD; Total 10.62 → 11.70 USD). Check the new ones and place the order "
    "again.",
    "changes": [
        {"field": "unit_price", "product_id": 1, "name": "Apple", "old": 0.5, "new": 0.6},
        {"field": "tax", "old": 0.72, "new": 0.8},
        {"field": "total", "old": 10.62, "new": 11.7},
    ],
    "totals": {
        "subtotal": 6.0,
        "discount": 0.0,
        "shipping": 4.9,
        "tax": 0.8,
        "tax_included": False,
        "total": 11.7,
        "currency": "USD",
    },
}
INSUFFICIENT_STOCK = {
    "code": "insufficient_stock",
    "message": "Not enough stock. Apple: 0 left, 10 wanted.",
    "products": [
        {"product_id": 1, "sku": "apple", "name": "Apple", "requested": 10, "available": 0}
    ],
}
CHECKOUT_DOC = doc(
    errors=(404, 409, 422, 429),
    idempotent=True,
    headers={201: REPLAYED},
    links={
        201: {
            "GetOrder": link("orders_api_get_order", order_id=ORDER_ID),
            "PayOrder": link("orders_payments_api_pay_order", order_id=ORDER_ID),
            "CancelOrder": link("orders_api_cancel_order", order_id=ORDER_ID),
        }
    },
)
with_examples(CHECKOUT_DOC, 400, shipping_unavailable=SHIPPING_UNAVAILABLE)
with_examples(CHECKOUT_DOC, 409, quote_changed=QUOTE_CHANGED, insufficient_stock=INSUFFICIENT_STOCK)


@router.post("/checkout", response={201: OrderOut}, openapi_extra=CHECKOUT_DOC)
def checkout(request, response: HttpResponse, body: CheckoutIn):
    """Place a pending order from the cart, reserving its stock; see docs/API.md for retries.

    `shipping_method` absent: the cheapest method delivering to the address. The figures
    are compared with the ones last shown for the cart and with `expected_total`: a
    difference is 409 `quote_changed` (nothing placed), and placing again accepts them.

    The address is `shipping_address`, or `address_id`: one of the caller's address book
    (404 `address_not_found` otherwise). `save_address: true` also keeps `shipping_address`
    in the book (signed-in only; 409 `address_book_full` before anything is placed).

    Checkouts are limited per client address (CHECKOUT_LIMIT_PER_ADDRESS an hour): a guest's
    new session is free, and each order holds stock until it expires.
    """
    checkouts_by_address.hit(client_address(request))
    owner = Owner.of(request)
    address = _shipping_address(owner, body)
    if body.save_address:
        address_book.check_room(user=owner.user, address=address)
    result = place_order(
        cart=cart_for(request),
        owner=owner,
        address=address,
        email=body.email,
        idempotency_key=idempotency_key(request),
        shipping_method=body.shipping_method,
        expected_total=body.expected_total,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    elif body.save_address:
        # The book may have filled up since check_room (a concurrent request): the order stands.
        with suppress(address_book.AddressBookFull):
            address_book.remember_address(user=owner.user, address=address)
    return Status(201, selectors.with_related(result.order))  # a new order has them attached


NO_BOOK = "only a signed-in shopper has an address book"


def _shipping_address(owner: Owner, body: CheckoutIn) -> Address:
    """The order's address: typed, or from the caller's address book (400, 404 otherwise)."""
    if (body.shipping_address is None) == (body.address_id is None):
        message = "give either shipping_address or address_id"
        raise ShopError(
            "Give either shipping_address or address_id.",
            code="validation_error",
            fields={"shipping_address": [message], "address_id": [message]},
        )
    problems = {}
    if body.address_id is not None and owner.is_guest:
        problems["address_id"] = [NO_BOOK]
    if body.save_address and owner.is_guest:
        problems["save_address"] = [NO_BOOK]
    elif body.save_address and body.address_id is not None:
        problems["save_address"] = ["only with shipping_address (this one is saved already)"]
    if problems:
        raise ShopError("Some fields are invalid.", code="validation_error", fields=problems)
    if body.address_id is not None:
        saved = address_book.address_of(owner.user, body.address_id)
        return address_book.address_for_checkout(saved)
    return Address(**body.shipping_address.model_dump())


@router.get("/orders", response=list[OrderOut])
def list_orders(request):
    """The caller's orders, newest first (a signed-in user's, or this guest session's)."""
    owner = Owner.of(request)
    expire_stale(orders=selectors.orders_for(owner, related=False))  # lazily, before shown
    return list(selectors.orders_for(owner))


@router.get("/orders/{order_id}", response=OrderOut)
def get_order(request, order_id: Id):
    return owned_order(request, order_id)


@router.post(
    "/orders/{order_id}/cancel", response=OrderOut, openapi_extra=doc(errors=(409, 502, 504))
)
def cancel_order(request, order_id: Id, body: CancelIn = None):
    """Cancel and restock; a paid order is refunded in full first."""
    owner = Owner.of(request)
    # A due order is cancelled as asked; the answer shows the order as cancel() left it.
    order = selectors.order_for(owner, order_id=order_id)
    order = cancel(
        order=order,
        actor=owner.user,
        actor_label=owner.label,
        reason=body.reason if body is not None else "",
    )
    return selectors.with_related(order)


@router.post(
    "/orders/{order_id}/ship", response=OrderOut, openapi_extra=doc(errors=(409,), auth="staff")
)
def ship_order(request, order_id: Id):
    """Staff with `orders.ship_order`: mark a paid order shipped. 404 for unknown orders."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        # 404 unless it is theirs
        selectors.order_for(Owner.of(request), order_id=order_id)
        raise Forbidden("Only staff may ship orders.")
    require_perm(request, "orders.ship_order")
    order = ship(order=selectors.any_order(order_id=order_id), actor=user)
    return selectors.with_related(order)
