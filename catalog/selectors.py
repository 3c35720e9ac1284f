"""Catalog reads."""

from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Func, IntegerField, Q, QuerySet, Subquery
from django.dispatch import receiver

from catalog.models import Category, Product
from core.money import cents_from_db


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


class Card(NamedTuple):
    """Everything a product card on the catalog page shows (so also part of its cache key)."""

    pk: int
    slug: str
    name: str
    price: Decimal
    image: str  # the file's name in storage; "" without a picture
    in_stock: bool

    @property
    def image_url(self) -> str:
        return Product._meta.get_field("image").storage.url(self.image)


def product_cards(
    *, q: str = "", category: str = "", page: str | None = None, per_page: int
) -> tuple[Page, list[Card]]:
    """One page of visible products as cards, with the paginator's count, in one query.

    The count comes with the rows (a COUNT subquery of the same filter). Page numbers
    follow Paginator.get_page: not a number is page 1; out of range is the last page, which
    costs a COUNT and a second read.
    """
    paginator = Paginator([], per_page)  # its count is set here; the cards are the rows
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    # Below 1 or past any real page (and any OFFSET a database takes): the last page.
    rows = _card_rows(q, category, number, per_page) if 1 <= number <= 10**9 else []
    if rows:
        paginator.count = rows[0][-1]  # a cached_property: the paginator does not count
    elif number == 1:
        paginator.count = 0  # no first page: nothing matches
    else:
        paginator.count = visible_products(q=q, category=category).count()
    page = paginator.get_page(number)
    if page.number != number:
        rows = _card_rows(q, category, page.number, per_page)
    return page, [
        Card(pk, slug, name, cents_from_db(price), image, stock > 0)
        for pk, slug, name, price, image, stock, _ in rows
    ]


def category_links() -> list[tuple[str, str]]:
    """(slug, name) of every category, by name: the catalog page's category filter."""
    return _fetch(_category_links_sql())


# The catalog page's two reads run SQL compiled by the ORM once per process and filter:
# compiling costs more than running them (~0.6 of ~0.9 ms for a page of cards).


def _card_rows(q: str, category: str, number: int, per_page: int) -> list[tuple]:
    return _fetch(_card_rows_sql(q, category, (number - 1) * per_page, number * per_page))


@lru_cache(maxsize=256)
def _card_rows_sql(q: str, category: str, start: int, stop: int) -> tuple[str, tuple]:
    matching = visible_products(q=q, category=category)
    # COUNT(*) of the same filter as a scalar subquery: on SQLite a third of the CPU of a
    # window COUNT() OVER (), which sorts every matching row into a temporary table.
    count = matching.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    rows = matching.annotate(total=Subquery(count, output_field=IntegerField()))
    return rows.values_list(*_CARD_FIELDS, "total")[start:stop].query.sql_with_params()


_CARD_FIELDS = ("pk", "slug", "name", "price", "image", "stock")


@lru_cache(maxsize=1)
def _category_links_sql() -> tuple[str, tuple]:
    return categories().values_list("slug", "name").query.sql_with_params()


def _fetch(sql_and_params: tuple[str, tuple]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(*sql_and_params)
        return cursor.fetchall()


@receiver(setting_changed)
def _forget_sql(**kwargs) -> None:
    _card_rows_sql.cache_clear()  # tests may change the database or the page size
    _category_links_sql.cache_clear()
