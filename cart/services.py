"""Cart writes. Each one reads the cart, changes it, and saves it back to the session."""

from cart.cart import Cart
from cart.selectors import cart_lines, coupon_problem, find_coupon
from catalog.models import Product
from shop.errors import (
    CartFull,
    InsufficientStock,
    InvalidCoupon,
    InvalidQuantity,
    NotFound,
    ProductNotFound,
)


def _product(*, product_id: int | None = None, sku: str | None = None) -> Product:
    lookup = {"pk": product_id} if product_id is not None else {"sku": sku}
    try:
        return Product.objects.only("id", "sku", "name", "stock", "active").get(
            active=True, **lookup
        )
    except Product.DoesNotExist:
        raise ProductNotFound() from None


def _check_stock(product: Product, quantity: int) -> None:
    if quantity > product.stock:
        raise InsufficientStock(
            f"Only {product.stock} of {product.name} left.",
            product_id=product.pk,
            available=product.stock,
        )


def add_to_cart(
    *, cart: Cart, product_id: int | None = None, sku: str | None = None, quantity: int = 1
) -> Product:
    """Add units of a product (by id or sku); adding a product already there adds up."""
    if not 1 <= quantity <= Cart.MAX_QTY:
        raise InvalidQuantity()
    product = _product(product_id=product_id, sku=sku)
    new_quantity = cart.items.get(product.pk, 0) + quantity
    if new_quantity > Cart.MAX_QTY:
        raise InvalidQuantity(f"At most {Cart.MAX_QTY} of one product per order.")
    if product.pk not in cart.items and len(cart.items) >= Cart.MAX_LINES:
        raise CartFull()
    _check_stock(product, new_quantity)
    cart.items[product.pk] = new_quantity
    cart.save()
    return product


def set_quantity(*, cart: Cart, product_id: int, quantity: int) -> None:
    """Set a line's quantity; 0 removes the line."""
    if not 0 <= quantity <= Cart.MAX_QTY:
        raise InvalidQuantity(f"Quantity must be between 0 and {Cart.MAX_QTY}.")
    if quantity == 0:
        cart.items.pop(product_id, None)
    else:
        product = _product(product_id=product_id)
        if product.pk not in cart.items and len(cart.items) >= Cart.MAX_LINES:
            raise CartFull()
        _check_stock(product, quantity)
        cart.items[product.pk] = quantity
    cart.save()


def remove_from_cart(*, cart: Cart, product_id: int) -> None:
    """Remove a line. Raises NotFound (404) if the product is not in the cart."""
    if product_id not in cart.items:
        raise NotFound("That product is not in the cart.", code="not_in_cart")
    del cart.items[product_id]
    cart.save()


def clear_cart(*, cart: Cart) -> None:
    cart.clear()


def apply_coupon(*, cart: Cart, code: str) -> None:
    """Use a coupon code; a new valid code replaces the old one, the same code is a no-op."""
    coupon = find_coupon(code)
    if coupon is None:
        raise InvalidCoupon()
    if coupon.code == cart.coupon:
        return
    lines, _ = cart_lines(cart)
    subtotal = sum((line.line_total for line in lines), 0)
    problem = coupon_problem(coupon, subtotal)
    if problem:
        raise InvalidCoupon(problem)
    cart.coupon = coupon.code
    cart.save()


def remove_coupon(*, cart: Cart) -> None:
    cart.coupon = None
    cart.save()


def drop_unavailable(*, cart: Cart) -> list[int]:
    """Remove lines whose product is gone or inactive; returns their ids."""
    _, dropped = cart_lines(cart)
    if dropped:
        for pk in dropped:
            del cart.items[pk]
        cart.save()
    return dropped
