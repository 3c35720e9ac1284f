"""Storefront catalog pages."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from catalog import selectors
from catalog.models import Product


def product_list(request):
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:100]
    paginator = Paginator(selectors.visible_products(q=q, category=category), settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/list.html",
        {
            "page": page,
            "products": list(page.object_list),
            "categories": list(selectors.categories()),
            "q": q,
            "category": category,
        },
    )


def product_detail(request, slug: str):
    try:
        product = selectors.visible_product(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    return render(request, "catalog/detail.html", {"product": product})
