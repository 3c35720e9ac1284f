"""The dashboard's figures: sales by period, sales per day, top products, orders waiting to
ship, low stock. Each function runs a fixed number of aggregate queries, whatever the
number of orders (the definitions are in docs/STAFF.md and under the page's figures).

Days are calendar days in settings.TIME_ZONE; `today` defaults to the current one.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.utils import timezone

from catalog.selectors import low_stock
from core.money import to_cents
from orders.models import Order, OrderLine, Refund

ZERO = Decimal("0.00")
PERIODS = (("today", "Today", 1), ("week", "Last 7 days", 7), ("month", "Last 30 days", 30))
CHART_DAYS = 30
TOP = 10
LIST_LIMIT = 20
# Paid and not yet shipped: what must go out (a cancelled or refunded order does not).
WAITING = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)
LINE_REVENUE = F("unit_price") * F("quantity") - F("discount")


def local_today() -> date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in settings.TIME_ZONE."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def paid_orders() -> QuerySet[Order]:
    """Orders that were paid (money taken), whatever their status since."""
    return Order.objects.filter(amount_paid__gt=0)


@dataclass(frozen=True)
class Change:
    """How a figure moved against the period before, in words and a signed percentage."""

    now: Decimal | int | None
    before: Decimal | int | None

    @property
    def percent(self) -> Decimal | None:
        """The change in % of the figure before, to 0.1; None when there is nothing to
        divide by or no figure now (an average without orders)."""
        if not self.before or self.now is None:
            return None
        return ((Decimal(self.now) - self.before) * 100 / self.before).quantize(Decimal("0.1"))

    @property
    def direction(self) -> str:
        """ "up", "down", "same", "new" (nothing before), or "none" (nothing now)."""
        if not self.now and not self.before:
            return "same"
        if not self.before:
            return "new"
        if self.now is None:
            return "none"
        return "up" if self.percent > 0 else "down" if self.percent < 0 else "same"


@dataclass(frozen=True)
class Figure:
    name: str
    now: Decimal | int | None  # None: no orders, so no average
    before: Decimal | int | None
    is_money: bool = True

    @property
    def change(self) -> Change:
        return Change(self.now, self.before)


@dataclass(frozen=True)
class Sales:
    revenue: Decimal
    orders: int
    refunds: Decimal

    @property
    def average(self) -> Decimal | None:
        return to_cents(self.revenue / self.orders) if self.orders else None


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    first: date  # the period's first and last day
    last: date
    previous_first: date
    previous_last: date
    now: Sales
    before: Sales

    @property
    def figures(self) -> list[Figure]:
        now, before = self.now, self.before
        return [
            Figure("Revenue", now.revenue, before.revenue),
            Figure("Orders", now.orders, before.orders, is_money=False),
            Figure("Average order value", now.average, before.average),
            Figure("Refunds", now.refunds, before.refunds),
        ]


@dataclass(frozen=True)
class Day:
    day: date
    revenue: Decimal
    orders: int
    refunds: Decimal


def _days_ago(today: date, days: list[int]) -> Case | Value:
    """How many days before `today` a row's created_at falls (0: today), for rows of the
    `days` listed (consecutive, newest first), by comparing it with the midnights in
    TIME_ZONE in a binary search: about 6 comparisons a row for 60 days, not up to 60.
    TruncDate would say the same, but on SQLite it calls Python for every row (5× slower
    on 100,000 orders, docs/PERFORMANCE.md)."""
    if len(days) == 1:
        return Value(days[0])
    newer, older = days[: len(days) // 2], days[len(days) // 2 :]
    since = day_start(today - timedelta(days=newer[-1]))
    return Case(
        When(created_at__gte=since, then=_days_ago(today, newer)),
        default=_days_ago(today, older),
        output_field=IntegerField(),
    )


def in_last_days(today: date, days: int) -> Q:
    """Rows created on one of the last `days` days, today included."""
    return Q(
        created_at__gte=day_start(today - timedelta(days=days - 1)),
        created_at__lt=day_start(today + timedelta(days=1)),
    )


def sales_per_day(today: date | None = None, days: int = 2 * CHART_DAYS) -> list[Day]:
    """Revenue and paid orders placed, and refunds made, on each of the last `days` days,
    oldest first; a day without any is there with zeros. Two queries."""
    today = today or local_today()
    in_days, days_ago = in_last_days(today, days), _days_ago(today, list(range(days)))
    orders = (
        paid_orders()
        .filter(in_days)
        .annotate(days_ago=days_ago)
        .values("days_ago")
        .annotate(revenue=Sum("amount_paid"), orders=Count("pk"))
        .order_by()
    )
    refunds = (
        Refund.objects.filter(in_days, status=Refund.Status.SUCCEEDED)
        .annotate(days_ago=days_ago)
        .values("days_ago")
        .annotate(refunds=Sum("amount"))
        .order_by()
    )
    sold = {row["days_ago"]: row for row in orders}
    refunded = {row["days_ago"]: row["refunds"] for row in refunds}
    result = []
    for n in reversed(range(days)):
        row = sold.get(n, {"revenue": ZERO, "orders": 0})
        result.append(
            Day(
                day=today - timedelta(days=n),
                revenue=to_cents(row["revenue"]),  # SQLite sums decimals as floats
                orders=row["orders"],
                refunds=to_cents(refunded.get(n, ZERO)),
            )
        )
    return result


def _sales(days: list[Day]) -> Sales:
    return Sales(
        revenue=sum((day.revenue for day in days), ZERO),
        orders=sum(day.orders for day in days),
        refunds=sum((day.refunds for day in days), ZERO),
    )


def sales_by_period(days: list[Day]) -> list[Period]:
    """Today, the last 7 and the last 30 days, each with the period just before, from
    `days` (sales_per_day of at least 60 days, today last)."""
    periods = []
    for key, label, length in PERIODS:
        now, before = days[-length:], days[-2 * length : -length]
        periods.append(
            Period(
                key=key,
                label=label,
                first=now[0].day,
                last=now[-1].day,
                previous_first=before[0].day,
                previous_last=before[-1].day,
                now=_sales(now),
                before=_sales(before),
            )
        )
    return periods


@dataclass(frozen=True)
class TopProduct:
    label: str  # the name with a variant's option values (OrderLine.label)
    sku: str
    units: int
    revenue: Decimal


def top_products(today: date | None = None, days: int = CHART_DAYS) -> dict[str, list]:
    """The TOP products (a variant counts as itself) by units and by revenue over the last
    `days` days, from the lines of paid orders: two queries (the sums per product, ranked
    here, at most one row per product sold; the labels, from each one's newest line)."""
    today = today or local_today()
    sold = list(
        OrderLine.objects.filter(order__in=paid_orders().filter(in_last_days(today, days)))
        .values("product_id", "sku")
        .annotate(
            units=Sum("quantity"),
            revenue=Sum(LINE_REVENUE, output_field=DecimalField(max_digits=12, decimal_places=2)),
            newest=Max("pk"),
        )
        .order_by()
    )
    by_units = sorted(sold, key=lambda row: (-row["units"], -row["revenue"], row["sku"]))[:TOP]
    by_revenue = sorted(sold, key=lambda row: (-row["revenue"], -row["units"], row["sku"]))[:TOP]
    newest = {row["newest"] for row in by_units + by_revenue}
    labels = {line.pk: line.label for line in OrderLine.objects.filter(pk__in=newest)}

    def top(rows: list[dict]) -> list[TopProduct]:
        return [
            TopProduct(
                label=labels[row["newest"]],
                sku=row["sku"],
                units=row["units"],
                revenue=to_cents(row["revenue"]),
            )
            for row in rows
        ]

    return {"by_units": top(by_units), "by_revenue": top(by_revenue)}


@dataclass(frozen=True)
class Listing:
    """At most LIST_LIMIT rows of a list and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _listing(queryset: QuerySet, limit: int) -> Listing:
    """The first `limit` rows with the count of all of them, in one query."""
    rows = list(queryset.annotate(total_count=Window(Count("pk")))[:limit])
    return Listing(rows=rows, total=rows[0].total_count if rows else 0)


def waiting_to_ship(limit: int = LIST_LIMIT) -> Listing:
    """Paid orders not shipped, cancelled or fully refunded, oldest first. One query."""
    orders = (
        Order.objects.filter(status__in=WAITING)
        .only("number", "email", "status", "total", "currency", "created_at")
        .order_by("created_at", "pk")
    )
    return _listing(orders, limit)


def running_low(limit: int = LIST_LIMIT) -> Listing:
    """Products and variants at or below their low-stock threshold, fewest first (rows
    with `threshold` and their `parent`). One query."""
    return _listing(low_stock(), limit)


@dataclass(frozen=True)
class Dashboard:
    today: date
    periods: list[Period]
    days: list[Day]
    top: dict[str, list[TopProduct]]
    waiting: Listing
    low_stock: Listing


def dashboard(today: date | None = None) -> Dashboard:
    """Everything the dashboard shows: 6 queries, whatever the number of orders."""
    today = today or local_today()
    days = sales_per_day(today)
    return Dashboard(
        today=today,
        periods=sales_by_period(days),
        days=days[-CHART_DAYS:],
        top=top_products(today),
        waiting=waiting_to_ship(),
        low_stock=running_low(),
    )
