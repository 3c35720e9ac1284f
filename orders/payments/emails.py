"""The refund email, sent after the refund commits (HTML and plain text)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from orders.models import Refund

log = logging.getLogger(__name__)


def send_refund_email(refund_id: int) -> None:
    """Tell the shopper how much was refunded; a mail outage never fails the refund."""
    refund = Refund.objects.select_related("order", "payment").get(pk=refund_id)
    order = refund.order
    context = {"refund": refund, "order": order, "payment": refund.payment}
    message = EmailMultiAlternatives(
        subject=f"Refund of {refund.amount} {order.currency} for order {order.number}",
        body=render_to_string("orders/email/refund.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string("orders/email/refund.html", context), "text/html")
    try:
        message.send()
    except Exception:
        log.exception("Could not send the refund email of order %s", order.number)
