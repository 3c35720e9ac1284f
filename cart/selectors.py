"""Cart reads: price the session's cart from the catalog."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from cart.cart import Cart
from cart.models import Coupon
from catalog.models import Product
from shop.money import to_cents


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass
class CartSummary:
    cart_id: str
    lines: list[CartLine]
    subtotal: Decimal
    coupon: Coupon | None
    discount: Decimal
    total: Decimal
    notices: list[str] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def cart_lines(cart: Cart) -> tuple[list[CartLine], list[int]]:
    """The cart's lines priced from the catalog in one query, and the ids that dropped out."""
    if not cart.items:
        return [], []
    products = Product.objects.filter(pk__in=cart.items, active=True).select_related("category")
    by_id = {p.pk: p for p in products}
    lines = [CartLine(by_id[pk], qty) for pk, qty in cart.items.items() if pk in by_id]
    return lines, [pk for pk in cart.items if pk not in by_id]


def coupon_problem(coupon: Coupon, subtotal: Decimal, now=None) -> str | None:
    """Why this coupon cannot be used now on this subtotal, or None if it can."""
    now = now or timezone.now()
    if not coupon.active or (coupon.starts_at and coupon.starts_at > now):
        return "This coupon code is not valid."
    if coupon.ends_at and coupon.ends_at <= now:
        return "This coupon has expired."
    if coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit:
        return "This coupon has been used up."
    if subtotal < coupon.min_subtotal:
        return f"This coupon needs a subtotal of at least {coupon.min_subtotal}."
    return None


def discount_for(coupon: Coupon | None, subtotal: Decimal) -> Decimal:
    """The discount a usable coupon gives on a subtotal (never more than the subtotal)."""
    if coupon is None or coupon_problem(coupon, subtotal):
        return Decimal("0.00")
    if coupon.kind == Coupon.Kind.PERCENT:
        return min(subtotal, to_cents(subtotal * coupon.value / 100))
    return min(subtotal, coupon.value)


def find_coupon(code: str | None) -> Coupon | None:
    if not code:
        return None
    return Coupon.objects.filter(code=code.strip().upper()).first()


def cart_summary(cart: Cart) -> CartSummary:
    """Lines, totals and coupon of the cart at today's catalog prices."""
    lines, dropped = cart_lines(cart)
    subtotal = to_cents(sum((line.line_total for line in lines), Decimal("0")))
    coupon = find_coupon(cart.coupon)
    discount = discount_for(coupon, subtotal)
    notices = []
    if dropped:
        notices.append(f"{len(dropped)} product(s) are no longer sold and left your cart.")
    if coupon and discount == 0 and lines:
        notices.append(coupon_problem(coupon, subtotal) or "")
    return CartSummary(
        cart_id=cart.id,
        lines=lines,
        subtotal=subtotal,
        coupon=coupon,
        discount=discount,
        total=subtotal - discount,
        notices=[n for n in notices if n],
    )
