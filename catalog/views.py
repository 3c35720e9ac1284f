"""Storefront catalog pages."""

from django.conf import settings
from django.http import Http404

from catalog import selectors
from catalog.models import Product
from shop import pages


def product_list(request):
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:100]
    page, cards = selectors.product_cards(
        q=q, category=category, page=request.GET.get("page"), per_page=settings.PAGE_SIZE
    )
    categories = selectors.category_links()
    shown = (q, category, page.number, page.paginator.count, page.paginator.per_page)
    return pages.render(
        request,
        "catalog/list.html",
        key=(shown, tuple(categories), tuple(cards)),
        context=lambda: {
            "page": page,
            "cards": cards,
            "categories": categories,
            "q": q,
            "category": category,
        },
    )


def product_detail(request, slug: str):
    try:
        product = selectors.visible_product(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    # Keyed on every column of the product and its category: exact, as on the list.
    return pages.render(
        request,
        "catalog/detail.html",
        key=(_columns(product), _columns(product.category)),
        context=lambda: {"product": product},
    )


def _columns(row) -> tuple:
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)
