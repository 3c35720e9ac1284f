"""Load the demo catalog, coupon, customer, shipping methods and tax rates; creates only what
is missing."""

import json
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cart.models import Coupon
from catalog.images import add_picture
from catalog.models import Category, Product
from demo.pictures import draw
from pricing.models import ShippingMethod, TaxRate

DEMO = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = "Load the demo catalog (idempotent: re-running changes nothing)."

    def handle(self, *args, **options):
        data = json.loads((DEMO / "catalog.json").read_text())
        created = []
        with transaction.atomic():
            categories = {}
            for row in data["categories"]:
                cat, new = Category.objects.get_or_create(slug=row["slug"], defaults=row)
                categories[cat.slug] = cat
                if new:
                    created.append(f"category {cat.slug}")
            tax_classes, weights = data["tax_class_by_category"], data["weights"]
            for cat, sku, name, price, stock, colour, description in data["products"]:
                if Product.objects.filter(sku=sku).exists():
                    continue
                product = Product.objects.create(
                    category=categories[cat],
                    sku=sku,
                    name=name,
                    slug=sku,
                    price=Decimal(price),
                    stock=stock,
                    description=description,
                    weight_grams=weights[sku],
                    tax_class=tax_classes[cat],
                )
                add_picture(product=product, file=draw(name=name, colour=colour), alt=name)
                created.append(f"product {sku}")
            for row in data["products_with_options"]:
                created += _product_with_options(row, categories[row["category"]], tax_classes)
            for row in data["coupons"]:
                _, new = Coupon.objects.get_or_create(code=row["code"], defaults=row)
                if new:
                    created.append(f"coupon {row['code']}")
            for row in data["shipping_methods"]:
                _, new = ShippingMethod.objects.get_or_create(name=row["name"], defaults=row)
                if new:
                    created.append(f"shipping method {row['name']}")
            for row in data["tax_rates"]:
                key = {"country": row["country"], "tax_class": row["tax_class"]}
                _, new = TaxRate.objects.get_or_create(**key, defaults={"rate": row["rate"]})
                if new:
                    created.append(f"tax rate {row['country']} {row['tax_class']} {row['rate']}%")
            User = get_user_model()
            for row in data["customers"]:
                if not User.objects.filter(email__iexact=row["email"]).exists():
                    User.objects.create_user(**row, email_verified_at=timezone.now())
                    created.append(f"customer {row['email']} (password {row['password']})")
        for line in created:
            self.stdout.write(f"created {line}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded: {len(created)} new object(s).")
            if created
            else "Demo data already loaded; nothing changed."
        )


def _product_with_options(row: dict, category: Category, tax_classes: dict) -> list[str]:
    """A product sold as variants, with its drawn pictures, and whichever of its variants are
    missing; each variant may show one of the product's pictures."""
    created = []
    product = Product.objects.filter(sku=row["sku"]).first()
    tax_class = tax_classes[category.slug]
    if product is None:
        product = Product.objects.create(
            category=category,
            sku=row["sku"],
            name=row["name"],
            slug=row["sku"],
            price=Decimal(row["price"]),
            description=row["description"],
            weight_grams=row["variants"][0]["weight_grams"],  # never shipped: its variants are
            tax_class=tax_class,
            option1_name=row["options"][0],
            option2_name=row["options"][1] if len(row["options"]) > 1 else "",
        )
        for spec in row["pictures"]:
            drawing = draw(name=spec["caption"], colour=row["colour"], style=spec["style"],
                           mark=spec.get("mark", ""))  # fmt: skip
            add_picture(product=product, file=drawing, alt=spec["alt"])
        created.append(f"product {product.sku}")
    pictures = list(product.images.all())
    for spec in row["variants"]:
        if Product.objects.filter(sku=spec["sku"]).exists():
            continue
        values = [*spec["values"], ""]
        Product.objects.create(
            parent=product,
            category=category,
            sku=spec["sku"],
            name=product.name,
            slug=spec["sku"],
            price=None if spec["price"] is None else Decimal(spec["price"]),
            stock=spec["stock"],
            weight_grams=spec["weight_grams"],
            tax_class=tax_class,
            option1=values[0],
            option2=values[1],
            picture=None if spec["picture"] is None else pictures[spec["picture"]],
        )
        created.append(f"variant {spec['sku']} ({' / '.join(spec['values'])})")
    return created
