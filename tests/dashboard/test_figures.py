"""The dashboard's figures against orders made through checkout, payment and refund."""

from datetime import timedelta
from decimal import Decimal

import pytest

from dashboard import figures
from dashboard.figures import Change
from orders.models import Order
from orders.services.lifecycle import cancel, ship
from tests.dashboard.helpers import at, placed_on, refunded, sale
from tests.factories import ProductFactory, VariantFactory, coffee_beans
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

TODAY = figures.local_today()


def ago(days: int):
    return TODAY - timedelta(days=days)


@pytest.fixture
def ten():
    """A product at 10.00 (no shipping methods or tax rates: an order's total is its lines')."""
    return ProductFactory(price=Decimal("10.00"), stock=100)


def by_key(periods) -> dict:
    return {period.key: period for period in periods}


def figures_of(period) -> dict:
    return {figure.name: (figure.now, figure.before) for figure in period.figures}


def test_periods_count_paid_orders_where_placed_and_refunds_when_made(ten):
    today = sale({ten: 2}, TODAY)
    assert today.amount_paid == Decimal("20.00")
    sale({ten: 1}, ago(1))
    sale({ten: 3}, ago(3))
    sale({ten: 1}, ago(10))  # the 7 days before the last 7
    old = sale({ten: 4}, ago(40))  # the 30 days before the last 30
    placed_on(place({ten: 5}), TODAY)  # never paid: not an order of the figures
    sale({ten: 9}, ago(61))  # before every period
    refunded(today, Decimal("5.00"), TODAY)
    refunded(old, Decimal("10.00"), ago(2))  # counted when refunded, not when placed

    periods = by_key(figures.sales_by_period(figures.sales_per_day(TODAY)))

    assert figures_of(periods["today"]) == {
        "Revenue": (Decimal("20.00"), Decimal("10.00")),
        "Orders": (1, 1),
        "Average order value": (Decimal("20.00"), Decimal("10.00")),
        "Refunds": (Decimal("5.00"), Decimal("0.00")),
    }
    assert figures_of(periods["week"]) == {
        "Revenue": (Decimal("60.00"), Decimal("10.00")),
        "Orders": (3, 1),
        "Average order value": (Decimal("20.00"), Decimal("10.00")),
        "Refunds": (Decimal("15.00"), Decimal("0.00")),
    }
    assert figures_of(periods["month"]) == {
        "Revenue": (Decimal("70.00"), Decimal("40.00")),
        "Orders": (4, 1),
        "Average order value": (Decimal("17.50"), Decimal("40.00")),
        "Refunds": (Decimal("15.00"), Decimal("0.00")),
    }
    week = periods["week"]
    assert (week.first, week.last) == (ago(6), TODAY)
    assert (week.previous_first, week.previous_last) == (ago(13), ago(7))


def test_a_paid_order_cancelled_or_shipped_later_still_counts(ten):
    shipped = ship(order=sale({ten: 1}, TODAY), actor_label="staff")
    cancelled = cancel(order=sale({ten: 2}, TODAY), actor_label="staff")
    assert (shipped.status, cancelled.status) == (Order.Status.SHIPPED, Order.Status.CANCELLED)
    cancelled.refunds.update(created_at=at(TODAY))

    today = figures.sales_by_period(figures.sales_per_day(TODAY))[0]

    assert (today.now.orders, today.now.revenue) == (2, Decimal("30.00"))
    assert today.now.refunds == Decimal("20.00")  # the cancel refunded all of it


def test_the_change_against_the_period_before_in_words_and_percent(ten):
    for _ in range(3):
        sale({ten: 1}, ago(2))
    sale({ten: 4}, ago(9))

    week = by_key(figures.sales_by_period(figures.sales_per_day(TODAY)))["week"]
    changes = {figure.name: figure.change for figure in week.figures}

    assert (changes["Revenue"].direction, changes["Revenue"].percent) == ("down", Decimal("-25.0"))
    assert (changes["Orders"].direction, changes["Orders"].percent) == ("up", Decimal("200.0"))
    assert changes["Average order value"].percent == Decimal("-75.0")
    assert (changes["Refunds"].direction, changes["Refunds"].percent) == ("same", None)


@pytest.mark.parametrize(
    "now, before, direction, percent",
    [
        (Decimal("12.50"), Decimal("10.00"), "up", Decimal("25.0")),
        (Decimal("0.00"), Decimal("10.00"), "down", Decimal("-100.0")),
        (3, 3, "same", Decimal("0.0")),
        (Decimal("5.00"), Decimal("0.00"), "new", None),
        (0, 0, "same", None),
        (None, Decimal("15.00"), "none", None),  # an average without orders now
        (Decimal("15.00"), None, "new", None),
    ],
)
def test_a_change_says_which_way_and_how_much(now, before, direction, percent):
    change = Change(now, before)
    assert (change.direction, change.percent) == (direction, percent)


def test_days_are_calendar_days_in_the_shops_time_zone(settings, ten):
    settings.TIME_ZONE = "America/New_York"
    today = figures.local_today()
    late = sale({ten: 1}, today - timedelta(days=1), hour=23)  # 04:00 UTC today, or 05:00
    early = sale({ten: 2}, today, hour=1)
    assert late.created_at.date() == figures.day_start(today).date()  # the same UTC date

    days = figures.sales_per_day(today)

    assert (days[-1].day, days[-1].orders, days[-1].revenue) == (today, 1, early.amount_paid)
    assert (days[-2].orders, days[-2].revenue) == (1, late.amount_paid)


def test_every_day_is_there_oldest_first_with_zeros_for_days_without_orders(ten):
    sale({ten: 1}, TODAY)
    sale({ten: 2}, TODAY)
    sale({ten: 3}, ago(2))

    days = figures.sales_per_day(TODAY)

    assert len(days) == 60
    assert [day.day for day in days] == [ago(n) for n in reversed(range(60))]
    assert [(day.orders, day.revenue) for day in days[-3:]] == [
        (1, Decimal("30.00")),
        (0, Decimal("0.00")),
        (2, Decimal("30.00")),
    ]
    assert sum(day.orders for day in days[:-3]) == 0


def test_the_sales_per_day_read_only_the_orders_index(settings):
    """On SQLite: EXPLAIN QUERY PLAN shows a range search of the index alone (migration
    orders 0007), not a scan of the orders table."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the plan checked is SQLite's")
    orders = figures.paid_orders().filter(figures.in_last_days(TODAY, 60))
    plan = orders.values("created_at", "amount_paid").order_by().explain()
    assert "USING COVERING INDEX order_created_paid (created_at>? AND created_at<?)" in plan


def test_top_products_by_units_and_by_revenue_count_a_variant_as_itself(ten):
    dear = ProductFactory(name="Teapot", price=Decimal("60.00"), stock=10)
    _, beans = coffee_beans()
    kilo = beans[("1 kg", "Whole")]
    sale({ten: 5, kilo: 2}, ago(3))
    sale({dear: 1}, TODAY)
    sale({kilo: 1}, ago(35))  # outside the last 30 days
    placed_on(place({dear: 3}), TODAY)  # not paid

    top = figures.top_products(TODAY)

    units = [(row.label, row.units, row.revenue) for row in top["by_units"]]
    assert units == [
        (ten.name, 5, Decimal("50.00")),
        ("Coffee beans (1 kg, Whole)", 2, Decimal("32.00")),
        ("Teapot", 1, Decimal("60.00")),
    ]
    revenue = [(row.label, row.sku) for row in top["by_revenue"]]
    assert revenue == [
        ("Teapot", dear.sku),
        (ten.name, ten.sku),
        ("Coffee beans (1 kg, Whole)", kilo.sku),
    ]


def test_top_products_stop_at_ten(settings):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 12
    products = [ProductFactory(price=Decimal("1.00"), stock=50) for _ in range(12)]
    sale({product: n + 1 for n, product in enumerate(products)}, TODAY)

    top = figures.top_products(TODAY)

    assert [row.units for row in top["by_units"]] == list(range(12, 2, -1))
    assert len(top["by_revenue"]) == 10


def test_orders_waiting_to_ship_are_paid_and_not_shipped_oldest_first(ten):
    newest = sale({ten: 1}, TODAY)
    oldest = sale({ten: 1}, ago(5))
    partly = refunded(sale({ten: 2}, ago(3)), Decimal("5.00"), ago(2))
    ship(order=sale({ten: 1}, ago(6)), actor_label="staff")
    cancel(order=sale({ten: 1}, ago(7)), actor_label="staff")
    refunded(sale({ten: 1}, ago(8)), Decimal("10.00"), ago(8))  # all of it
    placed_on(place({ten: 1}), ago(9))  # not paid
    assert partly.status == Order.Status.PARTIALLY_REFUNDED

    waiting = figures.waiting_to_ship()
    assert [order.number for order in waiting.rows] == [
        oldest.number,
        partly.number,
        newest.number,
    ]
    assert (waiting.total, waiting.more) == (3, 0)

    first = figures.waiting_to_ship(limit=2)
    assert (len(first.rows), first.total, first.more) == (2, 3, 1)


def test_nothing_waiting_is_an_empty_list_with_total_zero():
    assert figures.waiting_to_ship() == figures.Listing(rows=[], total=0)


def test_low_stock_lists_products_and_variants_at_or_below_their_threshold(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    low = ProductFactory(sku="low", stock=2)
    own = ProductFactory(sku="own-threshold", stock=10, low_stock_threshold=12)
    ProductFactory(sku="plenty", stock=6)
    ProductFactory(sku="retired", stock=0, active=False)
    variant = VariantFactory(sku="variant", stock=1)

    listing = figures.running_low()

    assert [(row.sku, row.stock, row.threshold) for row in listing.rows] == [
        ("variant", 1, 5),
        ("low", 2, 5),
        ("own-threshold", 10, 12),
    ]
    assert listing.rows[0].parent == variant.parent
    assert figures.running_low(limit=1).total == 3
    assert {low.pk, own.pk} < {row.pk for row in listing.rows}
