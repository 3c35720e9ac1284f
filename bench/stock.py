"""Stock the benchmark's scratch catalog and print the products a shopper adds by id.

    DJANGO_SETTINGS_MODULE=shop.settings DATABASE_URL=… python -m bench.stock --stock 1000000

Gives every product `--stock` units (so the purchase cases never run out) and prints, as a
JSON list, the ids of the active products added by `product_id` alone: those without
options (a product with options is bought as one of its variants). Through the ORM, so the
same on SQLite and PostgreSQL. Never used outside the benchmark.
"""

import argparse
import json


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stock", type=int, default=1_000_000)
    args = parser.parse_args()
    django.setup()
    from catalog.models import Product

    Product.objects.update(stock=args.stock)
    ids = Product.objects.filter(active=True, parent__isnull=True, option1_name="")
    print(json.dumps(list(ids.order_by("id").values_list("id", flat=True))))


if __name__ == "__main__":
    main()
