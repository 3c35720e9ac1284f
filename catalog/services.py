"""Catalog writes (staff)."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from catalog.back_in_stock import notify_restocked
from catalog.models import Category, Product, TaxClass
from core.errors import Conflict, NotFound, ShopError

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


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    """A slug from the name that no product or variant has yet."""
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
    options: list[str] | None = None,
) -> Product:
    """Add a product to the catalog; the sku must be new. `options` names its options (at
    most two, e.g. ["Size", "Grind"]): it is then sold as the variants added to it."""
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
        slug=unique_slug(name),
    )
    _name_options(product, options or [])
    return _save(product)


def update_product(*, product: Product, **changes) -> Product:
    """Change any of the editable fields of a product, and the names of its options (their
    number only while it has no variants)."""
    before = (product.stock, product.active)
    for field, value in changes.items():
        if field == "options":
            _name_options(product, value)
        if field not in EDITABLE:
            continue
        if field == "category":
            value = _category(value)
        setattr(product, field, value)
    _save(product)
    _notify_if_back(product, before)
    return product


def _name_options(product: Product, names: list[str]) -> None:
    names = [name.strip() for name in names]
    if len(names) > 2 or len(set(names)) != len(names) or not all(names):
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={"options": ["at most two different, non-empty option names"]},
        )
    if len(names) != len(product.option_names) and product.pk and product.variants.exists():
        raise Conflict(
            "The product has variants: its options can be renamed, not added or removed.",
            code="options_in_use",
        )
    product.option1_name, product.option2_name = (*names, "", "")[:2]


VARIANT_EDITABLE = ("sku", "price", "stock", "active", "weight_grams", "tax_class")


def create_variant(*, product: Product, options: dict[str, str], **fields) -> Product:
    """Add a variant to a product with options: one value per option (by name), its own
    sku; a price of None sells it at the product's. Weight and tax class default to the
    product's."""
    if not product.has_options:
        raise Conflict(
            f"{product.name} has no options: name them first (`options`).", code="no_options"
        )
    fields = {key: value for key, value in fields.items() if key in VARIANT_EDITABLE}
    fields.setdefault("weight_grams", product.weight_grams)
    fields.setdefault("tax_class", product.tax_class)
    variant = Product(
        parent=product,
        category_id=product.category_id,
        name=product.name,
        slug=unique_slug(f"{product.slug}-{fields.get('sku', '')}"),
        **fields,
    )
    _set_values(variant, product, options)
    return _save(variant)


def update_variant(*, variant: Product, **changes) -> Product:
    """Change a variant's fields or values (`options`, by option name)."""
    before = (variant.stock, variant.active)
    for field, value in changes.items():
        if field == "options":
            _set_values(variant, variant.parent, value)
        elif field in VARIANT_EDITABLE:
            setattr(variant, field, value)
    _save(variant)
    _notify_if_back(variant, before)
    return variant


def _notify_if_back(row: Product, before: tuple[int, bool]) -> None:
    """Its stock or active flag changed and it has stock: email whoever waits for it."""
    if (row.stock, row.active) != before and row.stock > 0:
        notify_restocked([row.pk])


def _set_values(variant: Product, product: Product, options: dict[str, str]) -> None:
    names = product.option_names
    values = {name: str(value).strip() for name, value in options.items()}
    if sorted(values) != sorted(names) or not all(values.values()):
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={"options": [f"one non-empty value for each of: {', '.join(names)}"]},
        )
    variant.option1, variant.option2 = (*(values[name] for name in names), "")[:2]


def generate_variants(*, product: Product, values: list[list[str]]) -> list[Product]:
    """Add the variants missing among the combinations of option values (one list per
    option), with derived SKUs, no stock, and the product's price, weight and tax class."""
    names = product.option_names
    if len(values) != len(names) or not all(values):
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={"values": [f"one or more values for each of: {', '.join(names)}"]},
        )
    combinations = [[]]
    for axis in values:
        combinations = [[*combo, value] for combo in combinations for value in axis]
    existing = {tuple(v.option_values) for v in Product.objects.filter(parent=product)}
    made = []
    for combo in combinations:
        if tuple(combo) in existing:
            continue
        sku = _unique_sku("-".join([product.sku, *(slugify(value) for value in combo)])[:64])
        options = dict(zip(names, combo, strict=True))
        made.append(create_variant(product=product, options=options, sku=sku))
    return made


def _unique_sku(base: str) -> str:
    sku, n = base, 2
    while Product.objects.filter(sku=sku).exists():
        sku, n = f"{base[:60]}-{n}", n + 1
    return sku


def variant_of(product: Product, variant_id: int) -> Product:
    """One of the product's variants (active or not); NotFound otherwise."""
    try:
        variant = Product.objects.get(parent=product, pk=variant_id)
    except Product.DoesNotExist:
        raise NotFound("No such variant of this product.", code="variant_not_found") from None
    variant.parent = product
    return variant


def deactivate_product(*, product: Product) -> None:
    """Hide a product (or a variant) from the shop: carts drop its lines with a notice on
    their next read; orders keep theirs."""
    Product.objects.filter(pk=product.pk).update(active=False)


def _save(product: Product) -> Product:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        if product.parent_id and _same_values(product):
            raise Conflict(
                "Another variant of this product has these values.", code="variant_exists"
            ) from None
        raise Conflict("A product with this SKU already exists.", code="sku_taken") from None
    return product


def _same_values(variant: Product) -> bool:
    others = Product.objects.filter(parent_id=variant.parent_id).exclude(pk=variant.pk)
    return others.filter(option1=variant.option1, option2=variant.option2).exists()
