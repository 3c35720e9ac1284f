"""Catalog reads."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Window

from catalog.models import Category, Product

# What a product card on the catalog page shows (the primary key is always read too).
CARD_FIELDS = ("slug", "name", "price", "image", "stock")

# Past this page number no catalog has rows; reading such a page would only risk an OFFSET
# larger than the database accepts.
MAX_PAGE = 1_000_000


def _matching(q: str, category: str) -> QuerySet[Product]:
    products = Product.objects.filter(active=True)
    if q:
        products = products.filter(
            Q(name__icontains=q) | Q(sku__icontains=q) | Q(description__icontains=q)
        )
    if category:
        products = products.filter(category__slug=category)
    return products


def visible_products(*, q: str = "", category: str = "") -> QuerySet[Product]:
    """Active products with their category, newest first, optionally searched and filtered
    by category slug."""
    return _matching(q, category).select_related("category")


def visible_product(*, product_id: int | None = None, slug: str | None = None) -> Product:
    """One active product with its category; raises Product.DoesNotExist otherwise."""
    lookup = {"pk": product_id} if product_id is not None else {"slug": slug}
    return visible_products().get(**lookup)


def product_cards(*, q: str = "", category: str = "") -> QuerySet[Product]:
    """Visible products as catalog cards: only the fields a card shows."""
    return _matching(q, category).only(*CARD_FIELDS)


def product_page(products: QuerySet[Product], *, page, per_page: int) -> Page:
    """One page of products, with the paginator's count read in the same query.

    Page numbers follow Paginator.get_page: not a number is page 1; out of range is the
    last page.

    Each row is annotated with `COUNT(*) OVER ()`, the number of rows the whole filter
    matches, so a page and its count cost one query instead of a COUNT and a read. Only a
    page without rows needs the count apart: page 1 then means nothing matches (a count of
    0); any other is past the end, so the count is read and the last page after it.
    """
    paginator = Paginator(products, per_page)
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    rows = []
    if 1 <= number <= MAX_PAGE:
        start = (number - 1) * per_page
        rows = list(products.annotate(total=Window(Count("pk")))[start : start + per_page])
    # Paginator.count is a cached property: setting it spares the paginator's COUNT.
    if rows:
        paginator.count = rows[0].total
        return Page(rows, number, paginator)
    if number == 1:
        paginator.count = 0
        return Page([], 1, paginator)
    paginator.count = products.count()
    return paginator.get_page(number)


def categories() -> QuerySet[Category]:
    """Every category, by name."""
    return Category.objects.all()
