"""The domain errors of payments and refunds (the API renders them as the contract says)."""

from core.errors import Conflict, ShopError


class InvalidCard(ShopError):
    code, message = "invalid_card", "The card details are not valid."


class PaymentDeclined(ShopError):
    code, status, message = "card_declined", 402, "Your card was declined."

    MESSAGES = {
        "card_declined": "Your card was declined. Try another card.",
        "insufficient_funds": "Your card was declined for insufficient funds. Try another card.",
    }

    def __init__(self, code: str = "card_declined"):
        super().__init__(self.MESSAGES.get(code, self.message), code=code)


class GatewayFailed(ShopError):
    code, status = "gateway_error", 502
    message = "The payment processor failed; nothing was charged. Please try again."


class GatewayTimedOut(ShopError):
    code, status = "gateway_timeout", 504
    message = (
        "The payment processor did not answer in time. Try again: you will not be charged twice."
    )


class AlreadyPaid(Conflict):
    code, message = "already_paid", "This order is already paid."


class PaymentInProgress(Conflict):
    code, message = "payment_in_progress", "A payment for this order is in progress."


class NotPayable(Conflict):
    code, message = "cannot_pay", "This order can no longer be paid."


class OrderExpired(Conflict):
    code, message = "order_expired", "This order expired before it was paid."


class NotPaid(Conflict):
    code, message = "not_paid", "This order has not been paid."


class RefundExceedsPayment(Conflict):
    code, message = "refund_exceeds_payment", "The refund is more than what remains to refund."


class CannotRefund(Conflict):
    code, message = "cannot_refund", "This order cannot be refunded."


class InvalidRestock(Conflict):
    code = "invalid_restock"
    message = "Restock is only possible with a refund of everything that remains."
