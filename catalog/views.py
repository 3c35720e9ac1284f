"""Storefront catalog pages."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from catalog import selectors
from catalog.models import Product
from catalog.options import pick
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
    try:
        product = selectors.visible_product(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    context = {"product": product, "buy": product}
    if product.has_options:
        picker = pick(product, list(product.variants.all()), request.GET)
        context.update(picker=picker, buy=picker.variant)
    context["picture"] = product.picture_of(context["buy"])
    return render(request, "catalog/detail.html", context)
