"""Load the demo catalog, coupon, customer, shipping methods and tax rates; creates only what
is missing."""

import json
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cart.models import Coupon
from catalog.models import Category, Product
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
            for cat, sku, name, price, stock, _color, description in data["products"]:
                if Product.objects.filter(sku=sku).exists():
                    continue
                product = Product(
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
                with (DEMO / "images" / f"{sku}.svg").open("rb") as image:
                    product.image.save(f"{sku}.svg", File(image), save=False)
                product.save()
                created.append(f"product {sku}")
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
