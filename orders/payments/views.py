"""The storefront's payment page: a card form, its field errors, declines and retries."""

import secrets

from django import forms
from django.contrib import messages
from django.core.validators import RegexValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from core.clients import client_address
from core.errors import ShopError, Throttled
from core.throttle import card_failures_by_address
from orders import selectors
from orders.errors import IdempotencyKeyReused, OrderNotFound
from orders.expiry import expire_if_due
from orders.models import Order
from orders.ownership import Owner
from orders.payments.charge import pay
from orders.payments.errors import (
    GatewayTimedOut,
    InvalidCard,
    PaymentDeclined,
)
from orders.payments.gateway import get_gateway


class SecretInput(forms.TextInput):
    """A text box that never writes its value back into the page (card number, cvv)."""

    def format_value(self, value):
        return None


class CardForm(forms.Form):
    """Card details as typed; the payment service checks them (Luhn, expiry, cvv)."""

    number = forms.CharField(
        label="Card number",
        max_length=30,
        widget=SecretInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = forms.IntegerField(
        label="Expiry month",
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month", "placeholder": "MM"}),
    )
    exp_year = forms.IntegerField(
        label="Expiry year",
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year", "placeholder": "YYYY"}),
    )
    cvv = forms.CharField(
        label="Security code (CVV)",
        max_length=4,
        widget=SecretInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    token = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{20,64}$")],
        error_messages={"required": "The form expired; please submit it again."},
    )

    def add_card_errors(self, err: InvalidCard) -> None:
        for name, problems in (err.fields or {}).items():
            self.add_error(name.removeprefix("card."), problems)


def _owned(request, number: str) -> Order:
    try:
        order = selectors.order_for(Owner.of(request), number=number)
    except OrderNotFound:
        raise Http404("No such order.") from None
    expire_if_due(order=order)  # re-reads the order when it expires it
    return order


@sensitive_post_parameters("number", "cvv")
@require_http_methods(["GET", "POST"])
def pay_page(request, number: str):
    """Show the card form of a pending order; on success go back to the order."""
    order = _owned(request, number)
    if order.status != Order.Status.PENDING:
        messages.info(request, f"Order {order.number} is {order.get_status_display().lower()}.")
        return redirect(order)
    form, status, throttled = CardForm(), 200, None
    if request.method == "POST":
        form = CardForm(request.POST)
        try:
            status = _try_to_pay(request, order, form) if form.is_valid() else 400
        except Throttled as err:  # too many declined or invalid cards, per order or address
            form.add_error(None, err.message)
            status, throttled = 429, err
        if status == 302:
            return redirect(order)
    context = {
        "order": selectors.with_related(order),
        "form": form,
        "token": secrets.token_urlsafe(24),  # a new attempt after any failure
        "test_mode": get_gateway().name == "fake",
    }
    response = render(request, "orders/pay.html", context, status=status)
    if throttled is not None:
        response["Retry-After"] = str(throttled.retry_after)
    return response


@sensitive_variables()
def _try_to_pay(request, order: Order, form: CardForm) -> int:
    """Pay with the form's card; returns 302 when done, or the status to re-render with."""
    owner = Owner.of(request)
    data = form.cleaned_data
    try:
        with card_failures_by_address.attempt(
            client_address(request), counts=(InvalidCard, PaymentDeclined)
        ):
            pay(
                order=order,
                card={name: data[name] for name in ("number", "exp_month", "exp_year", "cvv")},
                idempotency_key="form:" + data["token"],  # a double submit pays once
                actor=owner.user,
                actor_label=owner.label,
            )
    except InvalidCard as err:
        form.add_card_errors(err)
        return 400
    except PaymentDeclined as err:
        form.add_error(None, err.message)
        return 402
    except Throttled:
        raise  # pay_page answers it, with Retry-After
    except (GatewayTimedOut, IdempotencyKeyReused) as err:
        form.add_error(None, err.message)
        return err.status
    except ShopError as err:  # paid meanwhile, cancelled, expired, processor error…
        if err.status == 409:
            messages.error(request, err.message)
            return 302
        form.add_error(None, err.message)
        return err.status
    messages.success(
        request, f"Thank you! We received your payment of {order.total} {order.currency}."
    )
    return 302
