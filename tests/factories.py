"""factory-boy factories with minimal valid defaults."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from cart.models import Coupon
from catalog.models import Category, Product
from pricing.models import ShippingBand, ShippingMethod, TaxRate

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# What a shop's staff member does: write products, ship, refund and cancel orders, manage
# shipping methods and tax rates.
STAFF_PERMISSIONS = [
    "catalog.add_product",
    "catalog.change_product",
    "catalog.delete_product",
    "orders.view_order",
    "orders.change_order",
    "orders.ship_order",
    "orders.refund_order",
    "orders.cancel_order",
    "pricing.view_shippingmethod",
    "pricing.add_shippingmethod",
    "pricing.change_shippingmethod",
    "pricing.delete_shippingmethod",
    "pricing.view_taxrate",
    "pricing.add_taxrate",
    "pricing.change_taxrate",
    "pricing.delete_taxrate",
]


def permissions_named(*names: str) -> list[Permission]:
    """The Permission rows of "app_label.codename" names; raises on a name that has none."""
    rows = []
    for name in names:
        app_label, codename = name.split(".")
        rows.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return rows


class StaffFactory(UserFactory):
    """A staff member with STAFF_PERMISSIONS; `StaffFactory(permissions=[...])` for others."""

    is_staff = True

    @factory.post_generation
    def permissions(obj, create, extracted, **kwargs):
        names = STAFF_PERMISSIONS if extracted is None else extracted
        if create:
            obj.user_permissions.set(permissions_named(*names))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    sku = factory.Sequence(lambda n: f"sku-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    price = Decimal("9.99")
    stock = 10


class VariantFactory(ProductFactory):
    """A variant (default: of a new product with one option, "Size"); no price of its own."""

    parent = factory.SubFactory(ProductFactory, option1_name="Size", stock=0)
    category = factory.SelfAttribute("parent.category")
    name = factory.SelfAttribute("parent.name")
    price = None
    option1 = factory.Sequence(lambda n: f"Size {n}")


def coffee_beans(**product) -> tuple[Product, dict[tuple[str, str], Product]]:
    """A product with two options (Size × Grind) and its four variants, keyed by values:
    250 g at the product's 4.50 (whole: 10 in stock, ground: sold out), 1 kg at 16.00
    (whole: 5, ground: 3); weights 250 and 1000 g."""
    beans = ProductFactory(
        sku="beans",
        name="Coffee beans",
        price=Decimal("4.50"),
        stock=0,
        option1_name="Size",
        option2_name="Grind",
        **product,
    )
    rows = [
        ("250 g", "Whole", None, 10, 250),
        ("250 g", "Ground", None, 0, 250),
        ("1 kg", "Whole", Decimal("16.00"), 5, 1000),
        ("1 kg", "Ground", Decimal("16.00"), 3, 1000),
    ]
    variants = {
        (size, grind): VariantFactory(
            parent=beans,
            sku=f"beans-{size.replace(' ', '')}-{grind.lower()}",
            option1=size,
            option2=grind,
            price=price,
            stock=stock,
            weight_grams=grams,
        )
        for size, grind, price, stock, grams in rows
    }
    return beans, variants


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = Coupon.Kind.PERCENT
    value = Decimal("10.00")


def product_admin_form(product, **fields) -> dict:
    """The admin's product change form as posted for `product`, with `fields` changed."""
    data = {
        "category": product.category_id,
        "sku": product.sku,
        "name": product.name,
        "slug": product.slug,
        "description": "",
        "price": str(product.price),
        "stock": str(product.stock),
        "weight_grams": str(product.weight_grams),
        "tax_class": product.tax_class,
        "active": "on",
        "option1_name": product.option1_name,
        "option2_name": product.option2_name,
        **inline_management("images", product.images.count()),
    }
    if product.has_options:
        data.update(variant_rows(product))
    return {**data, **fields}


def variant_rows(product, extra: int = 0) -> dict:
    """The admin's variants inline of `product` as posted: every variant unchanged, and
    room for `extra` new rows (named variants-<n>-<field>, n counting on)."""
    variants = list(Product.objects.filter(parent=product).order_by("pk"))
    data = inline_management("variants", len(variants), total=len(variants) + extra)
    for n, variant in enumerate(variants):
        data[f"variants-{n}-id"] = str(variant.pk)
        data[f"variants-{n}-parent"] = str(product.pk)
        for field in ("sku", "option1", "option2", "stock", "weight_grams", "tax_class"):
            data[f"variants-{n}-{field}"] = str(getattr(variant, field))
        data[f"variants-{n}-price"] = "" if variant.price is None else str(variant.price)
        if variant.active:
            data[f"variants-{n}-active"] = "on"
    return data


def inline_management(prefix: str, initial: int, total: int | None = None) -> dict:
    """The management form of an admin inline (rows already there: left unchanged by
    `product_admin_form`, which posts none of their fields)."""
    return {
        f"{prefix}-TOTAL_FORMS": str(initial if total is None else total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    name = factory.Sequence(lambda n: f"Method {n}")
    price = Decimal("4.90")
    all_countries = True


class ShippingBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingBand

    method = factory.SubFactory(ShippingMethodFactory)
    up_to_grams = 1000
    price = Decimal("5.00")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country", "tax_class")

    country = "DE"
    tax_class = "standard"
    rate = Decimal("19")


def worst_case_products(count: int) -> list[Product]:
    """Products with the largest ids the API accepts, so the cookie is as big as it gets."""
    category = CategoryFactory()
    return Product.objects.bulk_create(
        Product(
            pk=2**31 - 1 - i,
            category=category,
            sku=f"big-{i}",
            name=f"Big {i}",
            slug=f"big-{i}",
            price=Decimal("9999.99"),  # 50 × 99 of them stay within an order's largest total
            stock=1000,
        )
        for i in range(count)
    )
