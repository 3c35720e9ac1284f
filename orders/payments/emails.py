"""Payment and refund emails: rendered from their templates (plain text and HTML) into the
outbox, in the transaction that records the payment or the refund."""

from django.template.loader import render_to_string

from orders.models import Order, Payment, Refund
from outbox.services import enqueue


def queue_payment_receipt(order: Order, payment: Payment | None) -> None:
    """Queue the receipt of a paid order (`payment` None: the total was zero, nothing charged)."""
    context = {"order": order, "payment": payment}
    enqueue(
        to=order.email,
        subject=f"Payment received for order {order.number}",
        text_body=render_to_string("orders/email/payment.txt", context),
        html_body=render_to_string("orders/email/payment.html", context),
    )


def queue_refund_email(refund: Refund, order: Order) -> None:
    """Queue the email telling the shopper how much was refunded, to their card."""
    context = {"refund": refund, "order": order, "payment": refund.payment}
    enqueue(
        to=order.email,
        subject=f"Refund of {refund.amount} {order.currency} for order {order.number}",
        text_body=render_to_string("orders/email/refund.txt", context),
        html_body=render_to_string("orders/email/refund.html", context),
    )
