"""Order emails: rendered from their templates (plain text and HTML) into the outbox."""

from django.template.loader import render_to_string

from orders.models import Order
from outbox.services import enqueue


def queue_confirmation(order: Order) -> None:
    """Queue the order's confirmation in the checkout's transaction (sent after the commit).

    Takes the order checkout just placed, its lines attached: nothing is read again.
    """
    context = {"order": order, "lines": list(order.lines.all())}
    enqueue(
        to=order.email,
        subject=f"Your Corner Shop order {order.number}",
        text_body=render_to_string("orders/email/confirmation.txt", context),
        html_body=render_to_string("orders/email/confirmation.html", context),
    )
