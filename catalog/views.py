"""Storefront catalog pages."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog import back_in_stock as alerts
from catalog import selectors
from catalog.forms import BackInStockForm
from catalog.models import Product
from catalog.options import pick
from core.clients import client_address
from core.errors import ShopError, Throttled
from core.text import without_controls


def product_list(request):
    # Control characters never reach a query (PostgreSQL refuses NUL, SQLite does not): the
    # search loses them, and a category holding one is no category's slug, so none is listed.
    q = without_controls(request.GET.get("q", "")).strip()[:100]
    typed = request.GET.get("category", "").strip()[:100]
    category = without_controls(typed)
    cards = selectors.product_cards(q=q, category=category)
    if category != typed:
        cards = cards.none()
    page = selectors.product_page(cards, page=request.GET.get("page"), per_page=settings.PAGE_SIZE)
    context = {
        "page": page,
        "categories": selectors.categories(),
        "q": q,
        "category": category,
    }
    return render(request, "catalog/list.html", context)


def product_detail(request, slug: str):
    product = _visible_product(slug)
    return render(request, "catalog/detail.html", _detail(request, product, request.GET))


def _visible_product(slug: str) -> Product:
    try:
        return selectors.visible_product(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None


def _detail(request, product: Product, params, alert_form=None) -> dict:
    """The product page's context for `params` (the option picker's choice). What is
    bought (`buy`) when sold out comes with the back-in-stock form."""
    context = {"product": product, "buy": product}
    if product.has_options:
        picker = pick(product, list(product.variants.all()), params)
        context.update(picker=picker, buy=picker.variant)
    buy = context["buy"]
    context["picture"] = product.picture_of(buy)
    if buy is not None and not buy.in_stock:
        email = request.user.email if request.user.is_authenticated else ""
        context["alert_form"] = alert_form or BackInStockForm(initial={"email": email})
    return context


@require_POST
def back_in_stock(request, slug: str):
    """Ask for one email when the sold-out product (or the posted `variant`) is back."""
    product = _visible_product(slug)
    context = _detail(request, product, request.POST)
    buy, form = context["buy"], BackInStockForm(request.POST)
    if buy is None:
        return redirect(product)
    status, retry_after = 400, None
    if form.is_valid():
        email, user = form.cleaned_data["email"], request.user
        try:
            sub = alerts.subscribe(buy, email, user, client=client_address(request))
        except Throttled as err:
            form.add_error(None, f"Too many alerts asked for. Try again {_wait(err)}.")
            status, retry_after = 429, err.retry_after
        except ShopError as err:  # on sale again meanwhile
            messages.info(request, err.message)
            return redirect(alerts.page_path(buy))
        else:
            messages.success(request, _subscribed(sub, user))
            return redirect(alerts.page_path(buy))
    context["alert_form"] = form
    response = render(request, "catalog/detail.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _subscribed(sub, user) -> str:
    if sub.confirmed_at and sub.user_id and sub.user_id == user.pk:
        return f"We'll email {sub.email} when it is back."
    # The same answer whether the address was on the list already or not.
    return (
        f"Check your inbox at {sub.email} to confirm. "
        "(If the address is on the list already, there is nothing more to do.)"
    )


def _wait(err: Throttled) -> str:
    """How long to wait, in words: "in 12 minutes", "in 40 seconds"."""
    if err.retry_after < 60:
        return f"in {err.retry_after} seconds"
    minutes = -(-err.retry_after // 60)
    return f"in {minutes} minute{'s' if minutes > 1 else ''}"


@never_cache
def back_in_stock_confirm(request, token: str):
    """GET shows a button, POST confirms: mail scanners that prefetch links confirm nothing."""
    try:
        if request.method == "POST":
            sub, done = alerts.confirm(token), True
        else:
            sub, done = alerts.subscription_to_confirm(token), False
    except ShopError as err:
        return _link_error(request, "catalog/back_in_stock/confirm.html", err)
    context = {"subscription": sub, "done": done, **_about(sub)}
    return render(request, "catalog/back_in_stock/confirm.html", context)


@csrf_exempt  # the signed token is the authority; mail clients POST it (RFC 8058)
@never_cache
def back_in_stock_unsubscribe(request, token: str):
    """GET shows a button, POST unsubscribes: the mail client's one-click button (the
    List-Unsubscribe-Post header) or the page's. Prefetching scanners change nothing."""
    try:
        sub = alerts.subscription_to_end(token)
        if request.method == "POST":
            alerts.unsubscribe(token)
    except ShopError as err:
        return _link_error(request, "catalog/back_in_stock/unsubscribe.html", err)
    context = {"subscription": sub, "done": request.method == "POST" or sub is None}
    if sub is not None:
        context.update(_about(sub))
    return render(request, "catalog/back_in_stock/unsubscribe.html", context)


def _about(sub) -> dict:
    return {"title": alerts.title(sub.product), "product_url": alerts.page_path(sub.product)}


def _link_error(request, template: str, err: ShopError):
    return render(request, template, {"error": err.message}, status=err.status)
