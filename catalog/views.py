"""Storefront catalog pages."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from catalog import selectors
from catalog.models import Product


def product_list(request):
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:100]
    page = selectors.product_page(
        selectors.product_cards(q=q, category=category),
        page=request.GET.get("page"),
        per_page=settings.PAGE_SIZE,
    )
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
    return render(request, "catalog/detail.html", {"product": product})
