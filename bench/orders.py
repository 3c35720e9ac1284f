"""Generated order history for the dashboard's benchmark case: bulk_create, in seconds.

    DJANGO_SETTINGS_MODULE=shop.settings DATABASE_URL=sqlite:///… \\
        python -m bench.orders --orders 100000 --cookies staff-cookies.txt

Spreads `--orders` orders over the last 60 days (more on recent days and on weekdays),
with 1–4 lines each (2 on average) of the catalog's sold rows (products without options
and variants; a few sell far more than the rest), a status by age (recent ones paid and
waiting, older ones shipped; some cancelled, refunded or never paid), and a refund (with
its payment) for each refunded one. Gives the catalog random stock (so some of it runs
low), creates a view-only staff member and writes the session cookies of `--sessions`
sign-ins to `--cookies`. Never used outside the benchmark and its test.
"""

import argparse
import random
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

DAY = 86_400
STAFF_EMAIL = "dashboard@bench.example"
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "CA", "NL"]
CENT = Decimal("0.01")


@contextmanager
def dates_as_given(*models):
    """Let bulk_create keep the created_at/updated_at the rows carry (auto_now_add and
    auto_now would set them to now)."""
    fields = [f for m in models for f in m._meta.fields if getattr(f, "auto_now_add", False)]
    fields += [f for m in models for f in m._meta.fields if getattr(f, "auto_now", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _status(rng: random.Random, age_days: float) -> str:
    """A realistic status for an order `age_days` old."""
    roll = rng.random()
    if age_days < 0.1:
        table = [("pending", 0.25), ("paid", 1.0)]
    elif age_days < 3:
        table = [("pending", 0.03), ("cancelled", 0.05), ("paid", 0.55), ("shipped", 1.0)]
    else:
        table = [
            ("cancelled", 0.06),
            ("refunded", 0.09),
            ("partially_refunded", 0.095),  # refunded in part before shipping
            ("paid", 0.10),  # a few old ones still waiting: the backlog
            ("shipped", 1.0),
        ]
    return next(status for status, upto in table if roll < upto)


def _sold_rows():
    """The catalog's rows a shopper buys: (id, sku, name, price, product id, options)."""
    from catalog.models import Product

    rows = []
    for product in Product.objects.filter(active=True).select_related("parent").order_by("pk"):
        if product.has_options:
            continue
        parent = product.parent
        price = product.price if product.price is not None else parent.price
        names = parent.option_names if parent else []
        options = dict(zip(names, product.option_values, strict=False))
        rows.append((product.pk, product.sku, product.name, price, parent and parent.pk, options))
    return rows


def generate(count: int, *, days: int = 60, seed: int = 22) -> int:
    """Create `count` orders (with lines, payments, refunds) over the last `days` days."""
    from django.db import transaction
    from django.utils import timezone

    from orders.models import Order, OrderLine, Payment, Refund

    rng = random.Random(seed)
    sold = _sold_rows()
    weights = [1 / (rank + 1) for rank in range(len(sold))]  # a few best sellers
    rng.shuffle(weights)
    now = timezone.now()
    orders, lines_of = [], []
    for n in range(count):
        while True:  # more orders lately, fewer at weekends
            age = days * rng.random() ** 1.3
            created = now - timedelta(seconds=age * DAY)
            if created.weekday() < 5 or rng.random() < 0.7:
                break
        status = _status(rng, age)
        lines = []
        for pk, sku, name, price, parent, options in rng.choices(
            sold, weights, k=rng.choice((1, 1, 2, 2, 3, 4))
        ):
            quantity = rng.choice((1, 1, 1, 2, 2, 3))
            lines.append((pk, sku, name, price, parent, options, quantity))
        subtotal = sum(line[3] * line[6] for line in lines)
        shipping = Decimal("4.90") if subtotal < 50 else Decimal("0.00")
        total = subtotal + shipping
        paid = status != "pending" and not (status == "cancelled" and rng.random() < 0.5)
        amount_paid = total if paid else Decimal("0.00")
        refunded = {"refunded": total, "partially_refunded": (total / 3).quantize(CENT)}
        orders.append(
            Order(
                number=f"BN-{n:07d}",
                email=f"shopper{n % 7919}@example.com",
                status=status,
                ship_name="Bench Shopper",
                ship_street="1 Main Street",
                ship_city="Springfield",
                ship_zip="12345",
                ship_country=rng.choice(COUNTRIES),
                currency="USD",
                subtotal=subtotal,
                shipping=shipping,
                shipping_method_name="Standard" if shipping else "Free",
                total=total,
                amount_paid=amount_paid,
                amount_refunded=refunded.get(status, Decimal("0.00")),
                stock_released=status in ("cancelled", "refunded"),
                expires_at=created + timedelta(hours=1),
                created_at=created,
                updated_at=created,
            )
        )
        lines_of.append(lines)
    with transaction.atomic(), dates_as_given(Order, Payment, Refund):
        Order.objects.bulk_create(orders, batch_size=2000)
        OrderLine.objects.bulk_create(
            (
                OrderLine(
                    order=order,
                    product_id=pk,
                    variant_of_id=parent,
                    options=options,
                    sku=sku,
                    name=name,
                    unit_price=price,
                    quantity=quantity,
                )
                for order, lines in zip(orders, lines_of, strict=True)
                for pk, sku, name, price, parent, options, quantity in lines
            ),
            batch_size=2000,
        )
        payments = [  # only what a refund needs (the dashboard reads no payments)
            Payment(
                order=order,
                amount=order.amount_paid,
                status=Payment.Status.SUCCEEDED,
                gateway="fake",
                reference=f"bench-pay-{order.number}",
                created_at=order.created_at,
                updated_at=order.created_at,
            )
            for order in orders
            if order.amount_refunded
        ]
        Payment.objects.bulk_create(payments, batch_size=2000)
        Refund.objects.bulk_create(
            [
                Refund(
                    order=payment.order,
                    payment=payment,
                    amount=payment.order.amount_refunded,
                    status=Refund.Status.SUCCEEDED,
                    reference=f"bench-refund-{payment.order.number}",
                    created_at=min(payment.created_at + timedelta(days=rng.uniform(0.5, 6)), now),
                )
                for payment in payments
            ],
            batch_size=2000,
        )
        _set_stock({pk: rng.choice((0, 2, 4, 8, 15, 30, 60, 120, 250)) for pk, *_ in sold})
    return count


def _set_stock(stock: dict[int, int]) -> None:
    from catalog.models import Product

    rows = list(Product.objects.filter(pk__in=stock).only("pk", "stock"))
    for row in rows:
        row.stock = stock[row.pk]
    Product.objects.bulk_update(rows, ["stock"], batch_size=500)


def staff_sessions(count: int) -> list[str]:
    """Session cookies of `count` sign-ins of a view-only staff member (orders.view_order)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    staff, _ = get_user_model().objects.get_or_create(
        email=STAFF_EMAIL, defaults={"is_staff": True}
    )
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="orders", codename="view_order")
    )
    cookies = []
    for _ in range(count):
        client = Client()
        client.force_login(staff)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=32)
    parser.add_argument("--cookies", type=Path, required=True)
    args = parser.parse_args()
    django.setup()
    generate(args.orders)
    args.cookies.write_text("\n".join(staff_sessions(args.sessions)) + "\n")


if __name__ == "__main__":
    main()
