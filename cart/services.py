"""Cart writes: read the cart, change it, save it back, return it priced.

Each write loads the cart's products in one query (the product being added included), so
that an add on database sessions costs three statements: session read, products, session
write. A failed write raises before saving, so the stored cart is left as it was. A
signed-in shopper's cart is saved to the account too (`save`), so it follows them.
"""

from django.conf import settings

from cart.cart import Cart
from cart.errors import AmountTooLarge, CartFull, InvalidCoupon, InvalidQuantity, NotInCart
from cart.quote import quote_of
from cart.saved import merge_carts, save_cart, saved_cart
from cart.selectors import (
    ZERO,
    CartProduct,
    CartSummary,
    cart_products,
    coupon_problem,
    find_coupon,
    lines_of,
    summarize,
)
from catalog.errors import InsufficientStock, ProductNotFound, VariantRequired
from core.countries import country_problem
from core.errors import ShopError
from core.money import MAX_AMOUNT
from core.throttle import coupon_failures
from pricing.selectors import ShippingOption, price, shipping_options


def save(cart: Cart) -> None:
    """Store the cart in the session and, for a signed-in shopper, against the account."""
    cart.save()
    if cart.user is not None:
        save_cart(cart.user, cart.as_dict())


def start_over(*, cart: Cart) -> None:
    """After checkout: the cart is emptied and gets a new id."""
    cart.reset()
    save(cart)


def carry_into_account(*, cart: Cart, anonymous: dict) -> None:
    """At sign-in: add the session's anonymous cart into the account's saved cart.

    `cart` is the session's cart of the user just signed in; `anonymous` what the session
    held before (Cart.as_dict()).
    """
    saved = saved_cart(cart.user)
    cart.load(merge_carts(saved, anonymous, max_lines=Cart.MAX_LINES, max_qty=Cart.MAX_QTY))
    save(cart)


def shown(cart: Cart, summary: CartSummary) -> CartSummary:
    """Remember the figures about to be shown for a cart with lines (checkout compares them)."""
    if summary.lines:
        cart.show_quote(quote_of(summary))
    return summary


def _settle(cart: Cart, summary: CartSummary) -> None:
    """Let the lines and the coupon that went stale leave the cart (in memory)."""
    for pk in summary.dropped:
        del cart.items[pk]
    if summary.coupon_dropped:
        cart.coupon = None


def _commit(
    cart: Cart, products: dict[int, CartProduct], before: tuple, coupon=None
) -> CartSummary:
    """Price the changed cart, settle it, and save it if anything changed or it is new."""
    summary = summarize(cart, products, coupon)
    _settle(cart, summary)
    if cart.state() != before or not cart.is_stored():
        save(cart)
    return shown(cart, summary)


def read_cart(*, cart: Cart, keep_id: bool = True) -> CartSummary:
    """The priced cart; stale lines and coupons leave it with a notice.

    keep_id: store a new cart now, so that the next read shows the same `cart_id`
    (pages that do not show the id pass False and create no session).
    """
    summary = summarize(cart, cart_products(cart))
    if summary.dropped or summary.coupon_dropped or (keep_id and not cart.is_stored()):
        _settle(cart, summary)
        save(cart)
    return shown(cart, summary)


def _pick(products: dict[int, CartProduct], product_id: int | None, sku: str | None) -> CartProduct:
    for product in products.values():
        matches = product.id == product_id or (sku is not None and product.sku == sku)
        if matches and product.needs_variant:
            raise VariantRequired(
                f"{product.name} comes in several options: add one of its variants "
                "(`variant_id` or its `sku`).",
                fields={"variant_id": ["required for a product with options"]},
            )
        if matches and product.active:
            return product
    raise ProductNotFound()


def _check_stock(product: CartProduct, quantity: int) -> None:
    if quantity > product.stock:
        raise InsufficientStock(
            f"Only {product.stock} of {product.label} left.",
            product_id=product.product_id,
            variant_id=product.variant_id,
            available=product.stock,
        )


def _check_amount(
    cart: Cart, products: dict[int, CartProduct], product: CartProduct, quantity: int
) -> None:
    """Refuse a line that would take the cart past what an order can hold (MAX_AMOUNT)."""
    lines, _ = lines_of(cart, products)
    others = sum((ln.line_total for ln in lines if ln.product.id != product.id), ZERO)
    subtotal = others + product.price * quantity
    if subtotal > MAX_AMOUNT:
        raise AmountTooLarge(
            f"An order can come to at most {MAX_AMOUNT} {settings.CURRENCY}: {quantity} × "
            f"{product.label} would make this cart {subtotal} {settings.CURRENCY}."
        )


def _full(cart: Cart, products: dict[int, CartProduct]) -> bool:
    """Whether the cart holds MAX_LINES products that are still sold (stale lines will go)."""
    if len(cart.items) < Cart.MAX_LINES:
        return False
    lines, _ = lines_of(cart, products)
    return len(lines) >= Cart.MAX_LINES


def add_to_cart(
    *, cart: Cart, product_id: int | None = None, sku: str | None = None, quantity: int = 1
) -> CartSummary:
    """Add units of a product or variant (by id or sku); adding one already there adds up.

    `product_id` names the row bought: a product without options or a variant (a variant's
    id). Raises InvalidQuantity, ProductNotFound, VariantRequired (a product with options),
    CartFull, InsufficientStock or AmountTooLarge.
    """
    if (product_id is None) == (sku is None):
        raise ShopError("Give either a sku or a product_id.", code="validation_error")
    if not 1 <= quantity <= Cart.MAX_QTY:
        raise InvalidQuantity(f"Quantity must be between 1 and {Cart.MAX_QTY}.")
    before = cart.state()
    products = cart_products(cart, product_id=product_id, sku=sku)
    product = _pick(products, product_id, sku)
    new_quantity = cart.items.get(product.id, 0) + quantity
    if new_quantity > Cart.MAX_QTY:
        raise InvalidQuantity(f"At most {Cart.MAX_QTY} of one product per cart.")
    if product.id not in cart.items and _full(cart, products):
        raise CartFull(f"The cart is full ({Cart.MAX_LINES} different products at most).")
    _check_stock(product, new_quantity)
    _check_amount(cart, products, product, new_quantity)
    cart.items[product.id] = new_quantity
    return _commit(cart, products, before)


def set_quantity(*, cart: Cart, product_id: int, quantity: int) -> CartSummary:
    """Set a line's quantity; 0 removes the line.

    Raises NotInCart for a product not there, InvalidQuantity, InsufficientStock or
    AmountTooLarge.
    """
    if not 0 <= quantity <= Cart.MAX_QTY:
        raise InvalidQuantity(f"Quantity must be between 0 and {Cart.MAX_QTY}.")
    if product_id not in cart.items:
        raise NotInCart()
    before = cart.state()
    products = cart_products(cart)
    if quantity == 0:
        del cart.items[product_id]
    else:
        product = _pick(products, product_id, None)
        _check_stock(product, quantity)
        _check_amount(cart, products, product, quantity)
        cart.items[product_id] = quantity
    return _commit(cart, products, before)


def remove_from_cart(*, cart: Cart, product_id: int) -> CartSummary:
    """Remove a line. Raises NotInCart (404) if the product is not in the cart."""
    if product_id not in cart.items:
        raise NotInCart()
    before = cart.state()
    del cart.items[product_id]
    return _commit(cart, cart_products(cart), before)


def clear_cart(*, cart: Cart) -> CartSummary:
    """Empty the cart and drop its coupon; the cart keeps its id."""
    cart.clear()
    save(cart)
    return summarize(cart, {})


def apply_coupon(*, cart: Cart, code: str) -> CartSummary:
    """Use a coupon code: a new valid code replaces the old one, the same code changes nothing.

    Raises InvalidCoupon (unknown, inactive, not started, expired, used up, subtotal too low);
    the cart keeps its old coupon then. Raises Throttled (429) after too many of those
    per cart (core/throttle.py).
    """
    try:
        with coupon_failures.attempt(cart.id, counts=InvalidCoupon):
            coupon = find_coupon(code)
            if coupon is None:
                raise InvalidCoupon("This coupon code is not valid.")
            before = cart.state()
            products = cart_products(cart)
            lines, _ = lines_of(cart, products)
            subtotal = sum((line.line_total for line in lines), 0)
            problem = coupon_problem(coupon, subtotal)
            if problem:
                raise InvalidCoupon(problem)
    except InvalidCoupon:
        if not cart.is_stored():
            save(cart)  # keep the cart id that the failure was counted against
        raise
    cart.coupon = coupon.code
    return _commit(cart, products, before, coupon=coupon)


def remove_coupon(*, cart: Cart) -> CartSummary:
    """Stop using the cart's coupon (nothing to do if it has none)."""
    before = cart.state()
    cart.coupon = None
    return _commit(cart, cart_products(cart), before)


def adopt_country(*, cart: Cart, country: str | None, replace: bool = False) -> None:
    """Estimate a cart that has no country yet (or any cart, `replace`) for this one: a
    signed-in shopper's default address's."""
    if country and (replace or not cart.country) and country != cart.country:
        cart.country, cart.method = country, None
        save(cart)


def choose_destination(*, cart: Cart, country: str, method: int | None = None) -> CartSummary:
    """Price the cart for a country and shipping method (None: the cheapest serving it).

    Raises a 400 for an unknown country, ShippingUnavailable (400) for a method that does
    not deliver this cart there; the cart keeps its old destination then.
    """
    if problem := country_problem(country):
        raise ShopError(
            "Some fields are invalid.", code="validation_error", fields={"country": [problem]}
        )
    country = country.upper()
    before = cart.state()
    products = cart_products(cart)
    summary = summarize(cart, products, destination=(country, method), strict=method is not None)
    if not summary.lines and method is not None:
        price(country=country, items=[], discount=ZERO, method_id=method)  # raises if it must
    cart.country, cart.method = country, method
    _settle(cart, summary)
    if cart.state() != before or not cart.is_stored():
        save(cart)
    return shown(cart, summary)


def chosen_method(cart: Cart, posted: int | None) -> int | None:
    """The method a page's radio buttons chose: None (the cheapest) when the shopper left
    the one preselected as the cheapest, so a new country gets its own cheapest."""
    shown = cart.shown_quote() or {}
    if cart.method is None and posted == shown.get("method"):
        return None
    return posted


def shipping_choices(*, cart: Cart, country: str | None = None) -> list[ShippingOption]:
    """The methods delivering this cart to a country (default: the cart's), priced for it."""
    country = country or cart.country
    if not country:
        raise ShopError(
            "Give a country to list the shipping methods for.",
            code="country_required",
            fields={"country": ["required when the cart has no country yet"]},
        )
    if problem := country_problem(country):
        raise ShopError(
            "Some fields are invalid.", code="validation_error", fields={"country": [problem]}
        )
    country = country.upper()
    summary = summarize(cart, cart_products(cart), destination=(country, None))
    if summary.lines:
        return summary.shipping_options
    return shipping_options(country, ZERO, 0)[0]
