"""Order emails, sent through Django's email framework (HTML and plain text)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from orders.models import Order

log = logging.getLogger(__name__)


def send_confirmation(order: Order) -> None:
    """Email the order's confirmation; runs after the checkout commits, never fails it.

    Takes the order checkout just placed, its lines attached: nothing is read again.
    """
    context = {"order": order, "lines": list(order.lines.all())}
    message = EmailMultiAlternatives(
        subject=f"Your Corner Shop order {order.number}",
        body=render_to_string("orders/email/confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("orders/email/confirmation.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:  # the order is placed; a mail outage must not turn that into an error
        log.exception("Could not send the confirmation of order %s", order.number)
