"""Catalog writes (staff)."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from catalog.models import Category, Product, TaxClass
from core.errors import Conflict, ShopError

EDITABLE = (
    "sku",
    "name",
    "price",
    "stock",
    "category",
    "description",
    "active",
    "weight_grams",
    "tax_class",
)


def _category(slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise ShopError(
            "Unknown category.", code="validation_error", fields={"category": ["Unknown category."]}
        ) from None


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:90] or "product"
    slug, n = base, 2
    while Product.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_product(
    *,
    sku: str,
    name: str,
    price,
    category: str,
    stock: int = 0,
    description: str = "",
    active: bool = True,
    weight_grams: int = 0,
    tax_class: str = TaxClass.STANDARD,
) -> Product:
    """Add a product to the catalog; the sku must be new."""
    product = Product(
        sku=sku,
        name=name,
        price=price,
        stock=stock,
        description=description,
        active=active,
        weight_grams=weight_grams,
        tax_class=tax_class,
        category=_category(category),
        slug=_unique_slug(name),
    )
    return _save(product)


def update_product(*, product: Product, **changes) -> Product:
    """Change any of the editable fields of a product."""
    for field, value in changes.items():
        if field not in EDITABLE:
            continue
        if field == "category":
            value = _category(value)
        setattr(product, field, value)
    return _save(product)


def deactivate_product(*, product: Product) -> None:
    """Hide a product from the shop; orders keep their lines."""
    Product.objects.filter(pk=product.pk).update(active=False)


def _save(product: Product) -> Product:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict("A product with this SKU already exists.", code="sku_taken") from None
    return product
