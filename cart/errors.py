"""The cart's errors."""

from core.errors import NotFound, ShopError


class InvalidQuantity(ShopError):
    code, message = "invalid_quantity", "Quantity must be between 1 and 99."


class CartFull(ShopError):
    code, message = "cart_full", "The cart is full (50 different products at most)."


class InvalidCoupon(ShopError):
    code, message = "invalid_coupon", "This coupon code is not valid."


class NotInCart(NotFound):
    code, message = "not_in_cart", "That product is not in the cart."


class AmountTooLarge(ShopError):
    """The cart (or an order placed from it) would come to more than the money columns hold."""

    code = "amount_too_large"
    message = "An order cannot come to that much; split it into smaller orders."
