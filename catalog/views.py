"""Storefront catalog pages."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.template.context_processors import csrf

from catalog import selectors
from catalog.models import Product
from shop import fragments


def product_list(request):
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:100]
    page, cards = selectors.product_cards(
        q=q, category=category, page=request.GET.get("page"), per_page=settings.PAGE_SIZE
    )
    categories = selectors.category_links()
    # Rendering the cards was most of the page's CPU: the content is cached under
    # everything it shows (read above on every request), so it is never stale.
    shown = (q, category, page.number, page.paginator.count, page.paginator.per_page)
    content = fragments.render(
        "catalog/_products.html",
        key=(shown, categories, cards),
        context=lambda: {
            "page": page,
            "cards": cards,
            "categories": categories,
            "q": q,
            "category": category,
            "CURRENCY": settings.CURRENCY,
        },
        # The token is lazy (made only if a card has a form), as with {% csrf_token %}.
        slots={"csrf_token": csrf(request)["csrf_token"], "next": request.get_full_path()},
    )
    return render(
        request,
        "catalog/list.html",
        {"page": page, "products": cards, "content": content, "q": q, "category": category},
    )


def product_detail(request, slug: str):
    try:
        product = selectors.visible_product(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    # Cached under every column of the product and its category: exact, as on the list.
    content = fragments.render(
        "catalog/_product.html",
        key=(_columns(product), _columns(product.category)),
        context=lambda: {"product": product, "CURRENCY": settings.CURRENCY},
        slots={"csrf_token": csrf(request)["csrf_token"], "next": request.get_full_path()},
    )
    return render(request, "catalog/detail.html", {"product": product, "content": content})


def _columns(row) -> tuple:
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)
