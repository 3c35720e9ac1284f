"""Storefront order pages: checkout, confirmation, detail with history, order history."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from cart import services as cart_services
from cart.cart import cart_for
from cart.quote import describe, quote_of
from cart.selectors import CartSummary
from core.clients import client_address
from core.countries import country_name
from core.errors import ShopError, Throttled
from core.throttle import checkouts_by_address
from orders import address_book, selectors
from orders.address_book import ADDRESS_BOOK_MAX, AddressBookFull
from orders.errors import IdempotencyKeyReused, OrderNotFound, QuoteChanged
from orders.expiry import expire_if_due, expire_stale
from orders.forms import CancelForm, CheckoutForm, new_form_token
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout as place_order
from orders.services.lifecycle import cancel
from orders.states import ALLOWED
from pricing.errors import ShippingUnavailable


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
    """The address, shipping method and totals, then the order.

    The page always shows the totals for the country and method in the form. Without
    JavaScript, "Update shipping and totals" (`refresh`) reprices for the country chosen;
    "Place order" with another destination than the one shown does the same unless the
    figures come out the same, so nobody pays an amount they were not shown.
    """
    cart = cart_for(request)
    owner = Owner.of(request)
    book = [] if owner.is_guest else address_book.addresses_of(owner.user)
    if request.method == "GET":
        # The default address is preselected: the totals shown are for its country.
        default = address_book.default_country_of(book)
        if default and default != cart.country:
            summary = cart_services.choose_destination(cart=cart, country=default)
        else:
            summary = cart_services.read_cart(cart=cart, keep_id=False)  # records what is shown
        if not summary.lines:
            messages.info(request, "Your cart is empty.")
            return redirect("cart:detail")
        initial = {
            "token": new_form_token(),
            "email": "" if owner.is_guest else owner.user.email,
            "country": summary.country,
        }
        return _checkout_page(request, _form(owner, book, initial=initial), summary)
    form = _form(owner, book, request.POST)
    valid = form.is_valid()
    if not cart.items:
        if valid and "refresh" not in request.POST:
            return _place(request, cart, owner, form, None)  # a double submit finds its order
        return redirect("cart:detail")
    country = form.cleaned_data.get("country")
    if country is None:  # no destination to show: the cart's own, and the form's errors
        summary = cart_services.read_cart(cart=cart, keep_id=False)
        return _checkout_page(request, form, summary)
    shown = cart.shown_quote() or {}
    posted = form.cleaned_data.get("shipping_method")  # the radio checked, chosen or preselected
    method = cart_services.chosen_method(cart, posted)
    # The methods on the page were the old country's: one that does not deliver to the new
    # country quietly gives way to the cheapest there.
    new_country = country != shown.get("country")
    if "refresh" in request.POST:
        summary = _show(cart, form, country, method, quiet=new_country)
        return _checkout_page(request, _unbound(form, request.POST, owner), summary)
    if (country, posted) != (shown.get("country"), shown.get("method")):
        summary = _show(cart, form, country, method, quiet=new_country)
        same = _charges_as_shown(shown, summary, posted)
        if not same:
            where = (
                f"for {country_name(country)}"
                if new_country or summary.shipping_method is None
                else f"with {summary.shipping_method.name}"
            )
            messages.warning(
                request, f"Check the shipping and totals {where}, then place your order."
            )
        if not same or form.errors:
            return _checkout_page(request, form, summary)
        method = summary.shipping_method.id if summary.shipping_method else None
    elif not valid:
        return _checkout_page(request, form, _show(cart, form, country, method))
    return _place(request, cart, owner, form, method)


def _form(owner: Owner, book: list, data=None, *, initial=None) -> CheckoutForm:
    """The checkout form: a signed-in shopper's saved addresses offered, if any."""
    full = len(book) >= ADDRESS_BOOK_MAX
    return CheckoutForm(data, initial=initial, guest=owner.is_guest, addresses=book, book_full=full)


def _save_to_book(request, owner: Owner, form: CheckoutForm) -> None:
    """After the order: the typed address into the address book, if the shopper asked."""
    if owner.is_guest or form.chosen is not None or not form.cleaned_data.get("save_address"):
        return
    try:
        address_book.remember_address(user=owner.user, address=form.address)
    except AddressBookFull as err:
        messages.warning(request, f"{err.message} The address was not saved.")
    else:
        messages.success(request, "The address was saved to your address book.")


def _place(request, cart, owner, form, method):
    """Place the order for a valid form, or show the page again with what went wrong."""
    country = form.cleaned_data["country"]
    changed, throttled = None, None
    try:
        checkouts_by_address.hit(client_address(request))
        result = place_order(
            cart=cart,
            owner=owner,
            address=form.address,
            email=form.cleaned_data.get("email"),
            idempotency_key="form:" + form.cleaned_data["token"],
            shipping_method=method,
        )
    except QuoteChanged as err:
        # The session now holds the new figures: the next submit places the order at them.
        changed = [describe(change, settings.CURRENCY) for change in err.extra["changes"]]
    except IdempotencyKeyReused:
        # Back button, changed details, submitted again: a fresh token places a new order.
        messages.error(
            request, "This form already placed an order. Submit it again to place another."
        )
        data = request.POST.copy()
        data["token"] = new_form_token()
        form = _form(owner, form.addresses, data)
        form.is_valid()
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
        _save_to_book(request, owner, form)
        return redirect("orders:confirmation", result.order.number)
    if not cart.items:
        return redirect("cart:detail")
    summary = _show(cart, form, country, method)
    response = _checkout_page(request, form, summary, changed=changed)
    if throttled is not None:
        response.status_code = 429
        response["Retry-After"] = str(throttled.retry_after)
    return response


def _show(cart, form, country: str, method: int | None, *, quiet: bool = False) -> CartSummary:
    """The cart priced for the destination about to be shown (recorded as shown).

    A method that does not deliver there is an error on its field (unless `quiet`); the
    cheapest is shown.
    """
    try:
        return cart_services.choose_destination(cart=cart, country=country, method=method)
    except ShippingUnavailable as err:
        if not quiet and "shipping_method" not in form.errors:
            form.add_error("shipping_method", err.message)
        return cart_services.choose_destination(cart=cart, country=country, method=None)


def _charges_as_shown(shown: dict, summary: CartSummary, method: int | None) -> bool:
    """Whether the cart, priced for a destination the page did not show, charges exactly
    what it showed, with the shipping method posted (if the country has any)."""
    chosen = summary.shipping_method
    if chosen is not None and chosen.id != method:
        return False
    now = quote_of(summary)
    same = ("lines", "coupon", "discount", "total")
    unpriced_as_zero = ("shipping", "tax")  # a page without a country showed none of either
    return (
        bool(shown)
        and all(shown.get(name) == now[name] for name in same)
        and all((shown.get(name) or "0.00") == (now[name] or "0.00") for name in unpriced_as_zero)
    )


def _unbound(form: CheckoutForm, data, owner: Owner) -> CheckoutForm:
    """The form as posted, without errors (a refresh is no attempt to place the order)."""
    initial = {name: data.get(name, "") for name in form.fields}
    if not form.cleaned_data.get("token"):
        initial["token"] = new_form_token()
    return _form(owner, form.addresses, initial=initial)


def _checkout_page(request, form, summary: CartSummary, *, changed: list[str] | None = None):
    context = {"form": form, "summary": summary, "changed": changed}
    return render(request, "orders/checkout.html", context)


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
