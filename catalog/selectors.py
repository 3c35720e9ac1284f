"""Catalog reads."""

from django.db.models import Q, QuerySet

from catalog.models import Category, Product


def visible_products(*, q: str = "", category: str = "") -> QuerySet[Product]:
    """Active products, newest first, optionally searched and filtered by category slug."""
    products = Product.objects.filter(active=True).select_related("category")
    if q:
        products = products.filter(
            Q(name__icontains=q) | Q(sku__icontains=q) | Q(description__icontains=q)
        )
    if category:
        products = products.filter(category__slug=category)
    return products


def visible_product(*, product_id: int | None = None, slug: str | None = None) -> Product:
    """One active product; raises Product.DoesNotExist otherwise."""
    lookup = {"pk": product_id} if product_id is not None else {"slug": slug}
    return visible_products().get(**lookup)


def categories() -> QuerySet[Category]:
    return Category.objects.all()
