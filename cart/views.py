"""Storefront cart pages: thin over cart.services; every change redirects with a message."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cart import services
from cart.cart import Cart, cart_for
from cart.errors import InvalidCoupon
from cart.forms import AddToCartForm, CouponForm, DestinationForm, QuantityForm
from catalog.selectors import pictures_for
from core.clients import client_address
from core.countries import country_name
from core.errors import ShopError
from core.throttle import coupon_failures_by_address
from pricing.errors import ShippingUnavailable

REMOVED = "The product was removed from your cart."


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _back(request, target: str):
    """Redirect to a same-site `next` path if given, else to the cart."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("cart:detail")


@require_GET
def detail(request):
    summary = services.read_cart(cart=cart_for(request), keep_id=False)
    pictures = pictures_for(
        [(ln.product.product_id, ln.product.picture_id) for ln in summary.lines]
    )
    context = {
        "summary": summary,
        "rows": [
            (line, pictures[line.product.product_id, line.product.picture_id])
            for line in summary.lines
        ],
        "coupon_form": CouponForm(),
        "destination_form": DestinationForm(initial={"country": summary.country}),
        "max_quantity": Cart.MAX_QTY,
        "cart_count": summary.item_count,  # the badge, without reading the session's cart again
    }
    return render(request, "cart/detail.html", context)


@require_POST
def add(request, product_id: int | None = None):
    """Add units of a product, named by the URL or (the catalog's cards) by the form."""
    form = AddToCartForm(request.POST)
    if form.is_valid() and product_id is None and form.cleaned_data["product"] is None:
        form.add_error("product", "Choose a product.")
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(request, request.POST.get("next", ""))
    product_id = product_id or form.cleaned_data["product"]
    quantity = form.cleaned_data["quantity"]
    try:
        summary = services.add_to_cart(
            cart=cart_for(request), product_id=product_id, quantity=quantity
        )
    except ShopError as err:
        messages.error(request, err.message)
    else:
        name = summary.line(product_id).product.label
        messages.success(request, f"Added {quantity} × {name} to your cart.")
    return _back(request, form.cleaned_data["next"])


@require_POST
def update(request, product_id: int):
    """The row's form: a new quantity, or (its Remove button) no line at all."""
    if "remove" in request.POST:
        return remove(request, product_id)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("cart:detail")
    quantity = form.cleaned_data["quantity"]
    try:
        services.set_quantity(cart=cart_for(request), product_id=product_id, quantity=quantity)
    except ShopError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, REMOVED if quantity == 0 else "Your cart was updated.")
    return redirect("cart:detail")


@require_POST
def remove(request, product_id: int):
    try:
        services.remove_from_cart(cart=cart_for(request), product_id=product_id)
    except ShopError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, REMOVED)
    return redirect("cart:detail")


@require_POST
def clear(request):
    services.clear_cart(cart=cart_for(request))
    messages.success(request, "Your cart is empty now.")
    return redirect("cart:detail")


@require_POST
def coupon(request):
    form = CouponForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("cart:detail")
    try:
        # Invalid codes count per cart (in the service) and per client address (here).
        with coupon_failures_by_address.attempt(client_address(request), counts=InvalidCoupon):
            summary = services.apply_coupon(cart=cart_for(request), code=form.cleaned_data["code"])
    except ShopError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"The coupon {summary.coupon.code} is applied.")
    return redirect("cart:detail")


@require_POST
def remove_coupon(request):
    services.remove_coupon(cart=cart_for(request))
    messages.success(request, "The coupon was removed.")
    return redirect("cart:detail")


@require_POST
def destination(request):
    """The country (and shipping method) to estimate shipping and tax for.

    A new country keeps the method the shopper chose if it delivers there, else gets its
    cheapest.
    """
    form = DestinationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("cart:detail")
    cart = cart_for(request)
    country = form.cleaned_data["country"]
    method = services.chosen_method(cart, form.cleaned_data["shipping_method"])
    try:
        try:
            services.choose_destination(cart=cart, country=country, method=method)
        except ShippingUnavailable:
            if country == cart.country:
                raise
            # The methods on the page were the old country's: the cheapest of the new one.
            services.choose_destination(cart=cart, country=country)
    except ShopError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"Shipping and tax are estimated for {country_name(country)}.")
    return redirect("cart:detail")
