"""Storefront order pages: checkout, confirmation, detail with history, order history."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from cart.cart import cart_for
from cart.selectors import cart_summary
from core.clients import client_address
from core.errors import ShopError, Throttled
from core.throttle import checkouts_by_address
from orders import selectors
from orders.errors import IdempotencyKeyReused, OrderNotFound
from orders.expiry import expire_if_due, expire_stale
from orders.forms import CancelForm, CheckoutForm, new_form_token
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout as place_order
from orders.services.lifecycle import cancel
from orders.states import ALLOWED


def _owned(request, number: str, *, lazy_expiry: bool = True) -> Order:
    """The caller's order row (404 otherwise), expired first if its reservation ran out."""
    try:
        order = selectors.order_for(Owner.of(request), number=number)
    except OrderNotFound:
        raise Http404("No such order.") from None
    if lazy_expiry:
        expire_if_due(order=order)  # re-reads the order when it expires it
    return order


@require_http_methods(["GET", "POST"])
def checkout(request):
    cart = cart_for(request)
    owner = Owner.of(request)
    form, throttled = None, None
    if request.method == "POST":
        form = CheckoutForm(request.POST, guest=owner.is_guest)
        if form.is_valid():
            try:
                checkouts_by_address.hit(client_address(request))
                result = place_order(
                    cart=cart,
                    owner=owner,
                    address=form.address,
                    email=form.cleaned_data.get("email"),
                    idempotency_key="form:" + form.cleaned_data["token"],
                )
            except IdempotencyKeyReused:
                # Back button, changed details, submitted again: a fresh token places a new order.
                messages.error(
                    request, "This form already placed an order. Submit it again to place another."
                )
                data = request.POST.copy()
                data["token"] = new_form_token()
                form = CheckoutForm(data, guest=owner.is_guest)
            except Throttled as err:
                messages.error(request, "Too many orders from your network. Try again later.")
                throttled = err
            except ShopError as err:
                messages.error(request, err.message)
                for name, problems in (err.fields or {}).items():
                    field = name.removeprefix("shipping_address.")
                    if field in form.fields:
                        form.add_error(field, problems)
            else:
                return redirect("orders:confirmation", result.order.number)
    summary = cart_summary(cart)
    if not summary.lines:
        if request.method == "GET":
            messages.info(request, "Your cart is empty.")
        return redirect("cart:detail")
    if form is None:
        email = "" if owner.is_guest else owner.user.email
        form = CheckoutForm(
            initial={"token": new_form_token(), "email": email}, guest=owner.is_guest
        )
    response = render(request, "orders/checkout.html", {"form": form, "summary": summary})
    if throttled is not None:
        response.status_code = 429
        response["Retry-After"] = str(throttled.retry_after)
    return response


def confirmation(request, number: str):
    order = selectors.with_related(_owned(request, number))
    return render(request, "orders/confirmation.html", {"order": order})


def detail(request, number: str):
    order = selectors.with_related(_owned(request, number))
    context = {
        "order": order,
        "events": list(order.events.all()),
        "can_cancel": order.status in ALLOWED[Order.Status.CANCELLED],
        "cancel_form": CancelForm(),
        "pay_url": _pay_url(order),
    }
    return render(request, "orders/detail.html", context)


def _pay_url(order: Order) -> str | None:
    """The payment page of a pending order, once the payments app provides `orders:pay`."""
    if order.status != Order.Status.PENDING:
        return None
    try:
        return reverse("orders:pay", args=[order.number])
    except NoReverseMatch:
        return None


@require_POST
def cancel_order(request, number: str):
    # A due order is cancelled as asked; the page redirects, so no related rows are read.
    order = _owned(request, number, lazy_expiry=False)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(order)
    owner = Owner.of(request)
    try:
        cancel(
            order=order,
            actor=owner.user,
            actor_label=owner.label,
            reason=form.cleaned_data["reason"],
        )
    except ShopError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"Order {order.number} was cancelled.")
    return redirect(order)


def history(request):
    owner = Owner.of(request)
    expire_stale(orders=selectors.orders_for(owner, related=False))
    orders = list(selectors.orders_for(owner, related=False))  # the page shows order rows only
    return render(request, "orders/history.html", {"orders": orders})
