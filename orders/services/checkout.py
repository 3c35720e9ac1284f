"""Checkout: turn the cart into a pending order, reserving all of its stock or none."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cart.cart import Cart
from cart.errors import AmountTooLarge
from cart.models import Coupon
from cart.quote import changes, describe, quote_of
from cart.selectors import (
    CartProduct,
    CartSummary,
    cart_products,
    coupon_problem,
    find_coupon,
    summarize,
)
from cart.services import start_over
from catalog.errors import InsufficientStock
from catalog.models import Product
from catalog.stock_alerts import note_sales
from core.db import retry_on_conflict
from core.errors import ShopError
from core.money import MAX_AMOUNT
from orders.address import Address, AddressError, email_problem, invalid
from orders.emails import queue_confirmation
from orders.errors import (
    CouponExhausted,
    CouponUnusable,
    EmptyCart,
    GuestLimit,
    IdempotencyKeyReused,
    QuoteChanged,
)
from orders.models import Order, OrderEvent, OrderLine
from orders.ownership import Owner
from orders.selectors import attach_related
from pricing.errors import ShippingUnavailable

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    replayed: bool  # True: the key had placed this order before; nothing new was placed


def checkout(
    *,
    cart: Cart,
    owner: Owner,
    address: Address,
    email: str | None = None,
    idempotency_key: str | None = None,
    shipping_method: int | None = None,
    expected_total: Decimal | None = None,
) -> CheckoutResult:
    """Turn the cart into a pending order; reserve all of its stock or none.

    Shipping is `shipping_method` (None: the cart's choice for that country, else the
    cheapest delivering to the address) and tax is
    the address country's (pricing). If the figures differ from the ones last shown for the
    cart (cart/quote.py) or from `expected_total`, nothing is placed: QuoteChanged (409)
    lists the changes, and the new figures become the ones shown, so a second try places
    the order at them.

    A retry with the same `idempotency_key` (same owner, same address and email) returns
    the first order; the same key with other details raises IdempotencyKeyReused (422).
    Raises EmptyCart, AmountTooLarge, ShippingUnavailable (400), InsufficientStock,
    GuestLimit, CouponExhausted, CouponUnusable, QuoteChanged (409).
    """
    address, email = _clean(owner, address, email)
    scope = owner.scope(cart.id)
    key = _key(scope, idempotency_key) if idempotency_key else None
    if key and (earlier := _earlier(key, address, email)):
        return _replay(earlier, cart, owner, scope)
    if not cart.items:
        raise EmptyCart()
    terms = _Terms(address, email, key, shipping_method, expected_total)
    try:
        order = _place_in_transaction(cart, owner, terms)
    except QuoteChanged as err:
        cart.show_quote(err.shown)  # the answer shows these figures: placing again accepts them
        raise
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its order.
        if key and (earlier := _earlier(key, address, email)):
            return _replay(earlier, cart, owner, scope)
        raise
    owner.remember(order, scope)
    # The next cart is estimated for where this order went (it follows a signed-in account).
    cart.country, cart.method = order.ship_country.code, terms.method
    start_over(cart=cart)
    return CheckoutResult(order, replayed=False)


@dataclass(frozen=True)
class _Terms:
    """What the checkout request asked for, beside the cart."""

    address: Address
    email: str
    key: str | None
    method: int | None
    expected_total: Decimal | None


@retry_on_conflict
def _place_in_transaction(cart: Cart, owner: Owner, terms: _Terms) -> Order:
    """Place the order in one transaction, rerun whole if PostgreSQL aborts it as a deadlock
    or serialization victim (core/db.py)."""
    with transaction.atomic():
        order = _place(cart, owner, terms)
        queue_confirmation(order)  # an outbox row: sent right after the commit
    return order


def _clean(owner: Owner, address: Address, email: str | None) -> tuple[Address, str]:
    """Re-check the address (shell callers too) and choose the order's email."""
    try:
        address = Address.clean(**address.as_dict())
    except AddressError as err:
        fields = {f"shipping_address.{name}": msgs for name, msgs in err.problems.items()}
        raise invalid(fields) from None
    if owner.user is not None:
        return address, owner.user.email  # a signed-in customer's orders use the account email
    email = (email or "").strip()
    if not email:
        raise ShopError(
            "Guests need to give an email address.",
            code="email_required",
            fields={"email": ["required for guest checkout"]},
        )
    if problem := email_problem(email):
        raise invalid({"email": [problem]})
    return address, email


def _key(scope: str, idempotency_key: str) -> str:
    return hashlib.sha256(f"{scope}\n{idempotency_key}".encode()).hexdigest()


def _earlier(key: str, address: Address, email: str) -> Order | None:
    """The order an earlier checkout with this key placed, if its details match."""
    order = Order.objects.filter(checkout_key=key).first()
    if order is None:
        return None
    same = order.email == email and order.shipping_address == address.as_dict()
    if not same:
        raise IdempotencyKeyReused()
    return order


def _replay(order: Order, cart: Cart, owner: Owner, scope: str) -> CheckoutResult:
    """Answer a retry with its first order; a cart still holding exactly that order empties.

    (A double submit read the session before the first request emptied the cart; saving it
    back unchanged would refill the cart the first request emptied.)
    """
    owner.remember(order, scope)
    if cart.items and cart.items == dict(order.lines.values_list("product_id", "quantity")):
        start_over(cart=cart)
    return CheckoutResult(order, replayed=True)


def _place(cart: Cart, owner: Owner, terms: _Terms) -> Order:
    """Inside the transaction: price from the database, compare with what was shown, count
    the coupon, reserve, record."""
    now = timezone.now()
    wanted = sorted(cart.items.items())  # product-id order: no deadlocks between carts
    products = cart_products(cart)  # one query, inside the transaction
    short = [
        _shortage(pk, qty, products.get(pk))
        for pk, qty in wanted
        if not _available(products.get(pk), qty)
    ]
    if short:
        raise _insufficient(short)
    if owner.user is None:
        _check_guest_limit(wanted, products)
    coupon = find_coupon(cart.coupon)
    if cart.coupon and coupon is None:
        raise CouponUnusable(
            f"The coupon {cart.coupon} no longer exists; remove it from your cart."
        )
    summary = _priced(cart, products, coupon, terms)
    _check_amount(summary)
    coupon = _use_coupon(coupon, summary.subtotal, now)
    _check_quote(cart, summary, products, terms)
    for pk, qty in wanted:
        rows = Product.objects.filter(pk=pk, active=True, stock__gte=qty).update(
            stock=F("stock") - qty
        )
        if not rows:  # sold meanwhile (PostgreSQL); on SQLite the write lock prevents it
            short.append((pk, qty))
    if short:
        fresh = Product.objects.in_bulk([pk for pk, _ in short])
        raise _insufficient([_shortage(pk, qty, fresh.get(pk)) for pk, qty in short])
    note_sales(wanted)  # staff hear of rows this sale took to their low-stock threshold
    totals, method, address = summary.priced.totals, summary.shipping_method, terms.address
    order = Order.objects.create(
        number=_new_number(),
        user=owner.user,
        email=terms.email,
        ship_name=address.name,
        ship_street=address.street,
        ship_city=address.city,
        ship_zip=address.zip,
        ship_country=address.country,
        currency=settings.CURRENCY,
        subtotal=summary.subtotal,
        discount=summary.discount,
        shipping_method_id=method.id if method else None,
        shipping_method_name=method.name if method else "",
        shipping=totals.shipping,
        shipping_tax=totals.shipping_tax,
        tax=totals.tax,
        tax_included=totals.tax_included,
        total=summary.total,
        coupon=coupon,
        coupon_code=coupon.code if coupon else "",
        checkout_key=terms.key,
        expires_at=now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES),
    )
    shares = {
        line.product.id: share
        for line, share in zip(summary.lines, totals.line_discounts, strict=True)
    }
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product_id=line.product.id,
            variant_of_id=line.product.product_id if line.product.options else None,
            options=line.options,
            sku=line.product.sku,
            name=line.product.name,
            unit_price=line.product.price,
            quantity=line.quantity,
            discount=shares[line.product.id],
            tax_rate=line.tax_rate,
            tax=line.tax,
        )
        for line in sorted(summary.lines, key=lambda line: line.product.id)
    )
    OrderEvent.objects.create(
        order=order,
        actor=owner.user,
        actor_label=owner.label,
        action="placed",
        to_status=order.status,
        note=f"{len(wanted)} line(s), total {order.total} {order.currency}.",
        data={"coupon": order.coupon_code, "expires_at": order.expires_at.isoformat()},
    )
    # A new order has just these lines and no payments or refunds: it is shown without reads.
    return attach_related(order, lines=lines)


def _priced(
    cart: Cart, products: dict[int, CartProduct], coupon: Coupon | None, terms: _Terms
) -> CartSummary:
    """The cart priced for the order's destination. No method named: the one the cart
    chose for that country if it still delivers this cart, else the cheapest."""
    country, method = terms.address.country, terms.method
    if method is None and cart.country == country and cart.method is not None:
        try:
            return summarize(
                cart, products, coupon, destination=(country, cart.method), strict=True
            )
        except ShippingUnavailable:
            pass  # gone since: the cheapest, which the quote check reports as a change
    return summarize(cart, products, coupon, destination=(country, method), strict=True)


def _check_amount(summary: CartSummary) -> None:
    """The money columns hold no more than MAX_AMOUNT (the cart refuses more goods too)."""
    largest = max(summary.subtotal, summary.total)
    if largest > MAX_AMOUNT:
        raise AmountTooLarge(
            f"An order can come to at most {MAX_AMOUNT} {settings.CURRENCY}: this cart comes "
            f"to {largest} {settings.CURRENCY}."
        )


def _check_quote(
    cart: Cart,
    summary: CartSummary,
    products: dict[int, CartProduct],
    terms: _Terms,
) -> None:
    """Refuse figures the shopper was not shown (QuoteChanged lists what changed)."""
    fresh = quote_of(summary)
    names = {pk: product.label for pk, product in products.items()}
    chosen = terms.method is not None
    found = changes(cart.shown_quote(), fresh, names, method_chosen=chosen)
    expected = terms.expected_total
    unseen = not any(change["field"] == "total" for change in found)
    if expected is not None and expected != summary.total and unseen:
        found.append({"field": "total", "old": expected, "new": summary.total})
    if found:
        parts = "; ".join(describe(change, settings.CURRENCY) for change in found)
        raise QuoteChanged(
            f"The figures changed since they were shown ({parts}). Check the new ones and "
            "place the order again.",
            changes=found,
            shown=fresh,
            totals={
                "subtotal": summary.subtotal,
                "discount": summary.discount,
                "shipping": summary.shipping,
                "tax": summary.tax,
                "tax_included": summary.tax_included,
                "total": summary.total,
                "currency": settings.CURRENCY,
            },
        )


def _available(product: CartProduct | Product | None, quantity: int) -> bool:
    return product is not None and product.active and product.stock >= quantity


def _shortage(pk: int, quantity: int, product: CartProduct | Product | None) -> dict:
    available = product.stock if product is not None and product.active else 0
    return {
        "product_id": pk,
        "sku": product.sku if product is not None else None,
        "name": _label(product),
        "requested": quantity,
        "available": available,
    }


def _label(product: CartProduct | Product | None) -> str | None:
    if product is None:
        return None
    return product.label if isinstance(product, CartProduct) else str(product.name)


def _check_guest_limit(wanted: list[tuple[int, int]], products: dict[int, CartProduct]) -> None:
    """A guest's order may reserve only so many units of one product (GuestLimit)."""
    limit = settings.GUEST_MAX_UNITS_PER_PRODUCT
    over = [
        {"product_id": pk, "sku": products[pk].sku, "name": products[pk].label, "requested": qty}
        for pk, qty in wanted
        if qty > limit
    ]
    if over:
        parts = "; ".join(f"{o['name']}: {o['requested']} wanted" for o in over)
        raise GuestLimit(
            f"A guest order can hold at most {limit} of one product ({parts}). "
            "Lower the quantity, or sign in to order more.",
            limit=limit,
            products=over,
        )


def _insufficient(short: list[dict]) -> InsufficientStock:
    parts = [
        f"{s['name'] or 'a product no longer sold'}: {s['available']} left, {s['requested']} wanted"
        for s in short
    ]
    return InsufficientStock("Not enough stock. " + "; ".join(parts) + ".", products=short)


def _use_coupon(coupon: Coupon | None, subtotal: Decimal, now) -> Coupon | None:
    """Count one use of the cart's coupon with a conditional UPDATE; the coupon used, if any.

    A coupon whose minimum subtotal is not met gives no discount and is not counted (the
    cart shows it that way); any other problem refuses the checkout, nothing reserved.
    """
    if coupon is None or subtotal < coupon.min_subtotal:
        return None
    if problem := coupon_problem(coupon, subtotal, now):
        used_up = coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit
        raise (CouponExhausted if used_up else CouponUnusable)(problem)
    rows = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1)
    )
    if not rows:
        raise CouponExhausted(f"The coupon {coupon.code} has been used up.")
    return coupon


def _new_number() -> str:
    return "CS-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10))
