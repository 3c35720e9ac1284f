"""Cart reads: price the session's cart from the catalog."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cart.cart import Cart
from cart.models import Coupon
from catalog.models import Product
from core.countries import country_name
from core.money import to_cents
from pricing.errors import ShippingUnavailable
from pricing.selectors import Item, Priced, ShippingOption, price

ZERO = Decimal("0.00")


class CartProduct(NamedTuple):
    """What a cart line buys: a product without options, or a variant of one (both Product
    rows), with the fields its line, notices and link need."""

    id: int  # the row bought (a variant's own id)
    sku: str
    name: str  # the product's name (for a variant, its product's)
    slug: str  # of the product's page
    price: Decimal  # a variant without a price of its own: its product's
    stock: int
    active: bool  # on sale: active, its product too, and not a product with options itself
    tax_class: str
    weight_grams: int
    product_id: int  # the product's (for a variant, its product's)
    options: tuple[tuple[str, str], ...] = ()  # a variant's (option, value) pairs
    needs_variant: bool = False  # a product with options: only its variants are bought
    picture_id: int | None = None  # a variant's own picture, if it has one

    @property
    def variant_id(self) -> int | None:
        return self.id if self.options else None

    @property
    def label(self) -> str:
        """The name with a variant's values, e.g. "Coffee beans (1 kg, Ground)"."""
        if not self.options:
            return self.name
        return f"{self.name} ({', '.join(value for _, value in self.options)})"


# One row per cart product: its own columns and, for a variant, its product's (LEFT JOIN).
COLUMNS = (
    *("id", "sku", "name", "slug", "price", "stock", "active", "tax_class", "weight_grams"),
    *("option1_name", "option1", "option2", "picture_id"),
    *("parent_id", "parent__name", "parent__slug"),
    *("parent__price", "parent__active", "parent__option1_name", "parent__option2_name"),
)


def _cart_product(row: tuple) -> CartProduct:
    col = dict(zip(COLUMNS, row, strict=True))
    own = {name: col[name] for name in ("id", "sku", "stock", "tax_class", "weight_grams")}
    if col["parent_id"] is None:
        return CartProduct(
            **own,
            name=col["name"],
            slug=col["slug"],
            price=col["price"],
            active=col["active"] and not col["option1_name"],
            product_id=col["id"],
            needs_variant=bool(col["option1_name"]),
        )
    names = (col["parent__option1_name"], col["parent__option2_name"])
    values = (col["option1"], col["option2"])
    return CartProduct(
        **own,
        name=col["parent__name"],
        slug=col["parent__slug"],
        price=col["price"] if col["price"] is not None else col["parent__price"],
        active=col["active"] and col["parent__active"],
        product_id=col["parent_id"],
        options=tuple((n, v) for n, v in zip(names, values, strict=True) if n),
        picture_id=col["picture_id"],
    )


class CartLine(NamedTuple):
    product: CartProduct
    quantity: int
    line_total: Decimal  # price × quantity
    tax: Decimal | None = None  # once a destination is known
    tax_rate: Decimal | None = None

    @property
    def id(self) -> int:
        """What names the line (the API's path): the product or variant bought."""
        return self.product.id

    @property
    def product_id(self) -> int:
        return self.product.product_id

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def name(self) -> str:
        return self.product.name

    @property
    def variant_id(self) -> int | None:
        return self.product.variant_id

    @property
    def options(self) -> dict[str, str]:
        return dict(self.product.options)

    @property
    def unit_price(self) -> Decimal:
        return self.product.price


@dataclass
class CartSummary:
    """The cart as a shopper sees it; `dropped`/`coupon_dropped` say what went stale.

    `priced` holds shipping and tax once a destination is known (else they are None and
    the total is the subtotal less the discount).
    """

    cart_id: str
    lines: list[CartLine]
    subtotal: Decimal
    coupon: Coupon | None
    discount: Decimal
    total: Decimal
    notices: list[str] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    coupon_dropped: bool = False
    country: str | None = None  # the destination's, priced or not (an empty cart is not)
    priced: Priced | None = None

    @property
    def currency(self) -> str:
        return settings.CURRENCY

    @property
    def tax_included(self) -> bool:
        return settings.PRICES_INCLUDE_TAX

    @property
    def shipping_method(self) -> ShippingOption | None:
        return self.priced.method if self.priced else None

    @property
    def shipping_options(self) -> list[ShippingOption]:
        return self.priced.options if self.priced else []

    @property
    def shipping(self) -> Decimal | None:
        return self.priced.totals.shipping if self.priced else None

    @property
    def tax(self) -> Decimal | None:
        return self.priced.totals.tax if self.priced else None

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    def line(self, line_id: int) -> CartLine | None:
        """The line buying this product or variant, if any."""
        return next((ln for ln in self.lines if ln.product.id == line_id), None)


def cart_products(
    cart: Cart, *, product_id: int | None = None, sku: str | None = None
) -> dict[int, CartProduct]:
    """The cart's products and variants (on sale or not), plus one more by id or sku, in
    one query."""
    ids = [*cart.items, product_id] if product_id is not None else list(cart.items)
    wanted = Q(id__in=ids) if ids else Q()
    if sku is not None:
        wanted |= Q(sku=sku)
    if not wanted:
        return {}
    # Keyed by id below, so the model's default ordering is dropped.
    rows = Product.objects.filter(wanted).order_by().values_list(*COLUMNS)
    return {row[0]: _cart_product(row) for row in rows}


def lines_of(cart: Cart, products: dict[int, CartProduct]) -> tuple[list[CartLine], list[int]]:
    """Active lines in the order they were added, and the ids of gone or inactive products."""
    lines, dropped = [], []
    for pk, qty in cart.items.items():
        product = products.get(pk)
        if product is not None and product.active:
            lines.append(CartLine(product, qty, product.price * qty))
        else:
            dropped.append(pk)
    return lines, dropped


def coupon_problem(coupon: Coupon, subtotal: Decimal, now=None) -> str | None:
    """Why this coupon cannot be used now on this subtotal, or None if it can."""
    problem = _lasting_problem(coupon, now)
    if problem is None and subtotal < coupon.min_subtotal:
        return f"This coupon needs a subtotal of at least {coupon.min_subtotal}."
    return problem


def _lasting_problem(coupon: Coupon, now=None) -> str | None:
    """A problem that no change to the cart can fix (inactive, not started, expired, used up)."""
    now = now or timezone.now()
    if not coupon.active or (coupon.starts_at and coupon.starts_at > now):
        return f"The coupon {coupon.code} is not valid."
    if coupon.ends_at and coupon.ends_at <= now:
        return f"The coupon {coupon.code} has expired."
    if coupon.usage_limit is not None and coupon.times_used >= coupon.usage_limit:
        return f"The coupon {coupon.code} has been used up."
    return None


def discount_for(coupon: Coupon | None, subtotal: Decimal) -> Decimal:
    """The discount a usable coupon gives on a subtotal (never more than the subtotal)."""
    if coupon is None or coupon_problem(coupon, subtotal):
        return ZERO
    if coupon.kind == Coupon.Kind.PERCENT:
        return min(subtotal, to_cents(subtotal * coupon.value / 100))
    return min(subtotal, coupon.value)


def find_coupon(code: str | None) -> Coupon | None:
    if not code:
        return None
    return Coupon.objects.filter(code=code.strip().upper()).first()


def summarize(
    cart: Cart,
    products: dict[int, CartProduct],
    coupon: Coupon | None = None,
    *,
    destination: tuple[str, int | None] | None = None,
    strict: bool = False,
) -> CartSummary:
    """Price the cart from loaded products; pass its coupon if you have it, else it is looked up.

    Shipping and tax are priced for `destination` (country, shipping method id or None for
    the cheapest), by default the cart's own. strict (checkout): a method that does not
    deliver there raises ShippingUnavailable; otherwise the estimate falls back to the
    cheapest method, or to none, with a notice.
    """
    lines, dropped = lines_of(cart, products)
    subtotal = to_cents(sum((line.line_total for line in lines), ZERO))
    if coupon is None:
        coupon = find_coupon(cart.coupon)  # no query when the cart has no coupon
    notices = [_dropped_notice(products.get(pk)) for pk in dropped]
    notices += [
        f"Only {ln.product.stock} of {ln.product.label} left in stock."
        for ln in lines
        if ln.quantity > ln.product.stock
    ]
    coupon_dropped = False
    if cart.coupon and coupon is None:
        coupon_dropped = True
        notices.append(f"The coupon {cart.coupon} no longer exists and was removed.")
    elif coupon is not None and (problem := _lasting_problem(coupon)):
        coupon, coupon_dropped = None, True
        notices.append(f"{problem} It was removed from your cart.")
    elif coupon is not None and lines and subtotal < coupon.min_subtotal:
        notices.append(coupon_problem(coupon, subtotal))
    discount = discount_for(coupon, subtotal)
    country, method = destination or (cart.country, cart.method)
    priced = None
    if country and lines:
        priced = _price(lines, discount, country, method, strict, notices)
    if priced is not None:
        lines = [
            line._replace(tax=tax, tax_rate=rate)
            for line, tax, rate in zip(lines, priced.totals.line_taxes, priced.rates, strict=True)
        ]
    return CartSummary(
        cart_id=cart.id,
        lines=lines,
        subtotal=subtotal,
        coupon=coupon,
        discount=discount,
        total=priced.totals.total if priced else subtotal - discount,
        notices=notices,
        dropped=dropped,
        coupon_dropped=coupon_dropped,
        country=country,
        priced=priced,
    )


def _price(
    lines: list[CartLine],
    discount: Decimal,
    country: str,
    method: int | None,
    strict: bool,
    notices: list[str],
) -> Priced | None:
    items = [
        Item(line.line_total, line.product.tax_class, line.product.weight_grams * line.quantity)
        for line in lines
    ]
    try:
        return price(country=country, items=items, discount=discount, method_id=method)
    except ShippingUnavailable:
        if strict:
            raise
    if method is not None:
        notices.append("The shipping method you chose does not deliver this cart there.")
        return _price(lines, discount, country, None, strict, notices)
    notices.append(f"No shipping method delivers this cart to {country_name(country)}.")
    return None


def _dropped_notice(product: CartProduct | None) -> str:
    if product is None:
        return "A product that is no longer sold was removed from your cart."
    return f"{product.label} is no longer sold and was removed from your cart."


def cart_summary(cart: Cart) -> CartSummary:
    """Lines, totals and coupon of the cart at today's catalog prices (one product query)."""
    return summarize(cart, cart_products(cart))
