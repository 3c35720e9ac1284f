"""The orders app's errors (payments have theirs in orders/payments/errors.py)."""

from core.errors import Conflict, NotFound, ShopError
from orders.models import Order

Status = Order.Status

CONFLICT_CODES = {
    Status.PAID: "already_paid",
    Status.SHIPPED: "cannot_ship",
    Status.PARTIALLY_REFUNDED: "cannot_refund",
    Status.REFUNDED: "cannot_refund",
    Status.CANCELLED: "cannot_cancel",
}


class IllegalTransition(Conflict):
    """The order is not in a status that may move to the target status (409)."""

    def __init__(self, order: Order, to: str):
        super().__init__(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot become "
            f"{Status(to).label.lower()}.",
            code=CONFLICT_CODES[to],
            status_now=order.status,
        )


class OrderNotFound(NotFound):
    code, message = "order_not_found", "No such order."


class EmptyCart(ShopError):
    code, message = "empty_cart", "Your cart is empty."


class GuestLimit(Conflict):
    code = "guest_limit"
    message = "A guest order can hold only so many of one product; sign in to order more."


class CouponExhausted(Conflict):
    code, message = "coupon_exhausted", "This coupon has been used up."


class CouponUnusable(Conflict):
    code, message = "coupon_unusable", "This coupon cannot be used any more."


class IdempotencyKeyReused(ShopError):
    code, status = "idempotency_key_reused", 422
    message = "This Idempotency-Key was already used with a different request."


class OrderBusy(Conflict):
    message = "A payment or refund of this order is under way; try again in a moment."


class InvalidIdempotencyKey(ShopError):
    code = "invalid_idempotency_key"
    message = "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces."


class QuoteChanged(Conflict):
    """The figures differ from the ones last shown for the cart (409): `changes` lists them,
    `totals` gives the new ones, `shown` is the quote the session keeps from now on."""

    code, message = "quote_changed", "The figures changed since they were shown."

    def __init__(self, message: str, *, shown: dict, **extra):
        super().__init__(message, **extra)
        self.shown = shown
