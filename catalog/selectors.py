"""Catalog reads."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from catalog.models import Category, Product, ProductImage

# What a product card on the catalog page shows (the primary key is always read too).
CARD_FIELDS = ("slug", "name", "price", "stock", "option1_name")

# Past this page number no catalog has rows; reading such a page would only risk an OFFSET
# larger than the database accepts.
MAX_PAGE = 1_000_000


def _matching(q: str, category: str) -> QuerySet[Product]:
    # Ordered explicitly: Django drops Meta.ordering from the grouped query of with_figures.
    products = Product.objects.filter(active=True, parent__isnull=True).order_by(
        *Product._meta.ordering
    )
    if q:
        variant_sku = Product.objects.filter(parent=OuterRef("pk"), active=True, sku__icontains=q)
        products = products.filter(
            Q(name__icontains=q)
            | Q(sku__icontains=q)
            | Q(description__icontains=q)
            | Exists(variant_sku)
        )
    if category:
        products = products.filter(category__slug=category)
    return products


def with_figures(products: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate what a card and the API show of each product, variants or not, in the same
    query (its active variants LEFT JOINed and grouped): `available` (units for sale: a
    product with options sums its active variants'), `price_from` and `price_to` (its active
    variants' cheapest and dearest price, a variant without a price counting at the
    product's; both the price itself without options)."""
    on_sale = Q(variants__active=True)
    variant_price = Coalesce("variants__price", "price")
    money = Product._meta.get_field("price")
    without_options = Q(option1_name="")
    return products.annotate(
        available=Case(
            When(without_options, then="stock"),
            default=Coalesce(Sum("variants__stock", filter=on_sale), Value(0)),
            output_field=IntegerField(),
        ),
        price_from=Case(
            When(without_options, then="price"),
            default=Min(variant_price, filter=on_sale),
            output_field=money,
        ),
        price_to=Case(
            When(without_options, then="price"),
            default=Max(variant_price, filter=on_sale),
            output_field=money,
        ),
    )


def _pictures() -> Prefetch:
    return Prefetch("images", queryset=ProductImage.objects.all())


def _variants() -> Prefetch:
    return Prefetch("variants", queryset=Product.objects.filter(active=True).order_by("id"))


def _shown(products: QuerySet[Product]) -> QuerySet[Product]:
    """Products with their category, figures, pictures and active variants."""
    return (
        with_figures(products).select_related("category").prefetch_related(_pictures(), _variants())
    )


def visible_products(*, q: str = "", category: str = "") -> QuerySet[Product]:
    """Active products (not variants) with their category, figures, pictures and active
    variants, newest first, optionally searched and filtered by category slug."""
    return _shown(_matching(q, category))


def product_figures(*, product_id: int) -> Product:
    """An active product (not a variant) with its figures alone; raises
    Product.DoesNotExist otherwise."""
    return with_figures(_matching("", "")).get(pk=product_id)


def any_product(*, product_id: int) -> Product:
    """A product (not a variant), active or not, as staff writes answer with it; raises
    Product.DoesNotExist otherwise."""
    return _shown(Product.objects.filter(parent__isnull=True)).get(pk=product_id)


def visible_product(*, product_id: int | None = None, slug: str | None = None) -> Product:
    """One active product (not a variant) with its category, figures, pictures and active
    variants; raises Product.DoesNotExist otherwise."""
    lookup = {"pk": product_id} if product_id is not None else {"slug": slug}
    shown = with_figures(_matching("", "")).select_related("category")
    product = shown.prefetch_related(_pictures()).get(**lookup)
    if product.has_options:  # a product without options has no variants to read
        prefetch_related_objects([product], _variants())
    return product


def product_cards(*, q: str = "", category: str = "") -> QuerySet[Product]:
    """Visible products as catalog cards: only the fields a card shows, its figures, and
    its pictures (one query for the page's)."""
    return with_figures(_matching(q, category).only(*CARD_FIELDS)).prefetch_related(_pictures())


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


def pictures_for(wanted: list[tuple[int, int | None]]) -> dict[tuple, ProductImage | None]:
    """The picture to show for each (product id, own picture id or None) pair: its own,
    else the product's first. One query for any number of pairs."""
    if not wanted:
        return {}
    products, own = {pk for pk, _ in wanted}, {pic for _, pic in wanted if pic is not None}
    by_id, first = {}, {}
    for image in ProductImage.objects.filter(Q(product_id__in=products) | Q(pk__in=own)):
        by_id[image.pk] = image
        first.setdefault(image.product_id, image)  # ordered by position: the first is main
    return {(pk, pic): by_id.get(pic) or first.get(pk) for pk, pic in wanted}


def low_stock_threshold() -> Coalesce:
    """A row's low-stock threshold as an expression: its own, else LOW_STOCK_THRESHOLD."""
    return Coalesce("low_stock_threshold", Value(settings.LOW_STOCK_THRESHOLD))


def low_stock() -> QuerySet[Product]:
    """What is sold and at or below its low-stock threshold, fewest first: active products
    without options and the active variants of active products (a product with options is
    not sold itself). Each row carries `threshold` and its `parent` (a variant's product)."""
    sold = Q(parent__isnull=True, option1_name="") | Q(parent__active=True)
    return (
        Product.objects.filter(sold, active=True)
        .annotate(threshold=low_stock_threshold())
        .filter(stock__lte=F("threshold"))
        .select_related("parent")
        .order_by("stock", "sku")
    )
