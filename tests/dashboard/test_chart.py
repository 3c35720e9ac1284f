"""The chart's geometry: round axes, bars and markers in proportion, zeros on the axis."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.chart import HEIGHT, TICKS, axis_top, chart
from dashboard.figures import Day

START = date(2026, 11, 1)


@pytest.mark.parametrize(
    "largest, whole, top",
    [
        (0, False, 4),
        (Decimal("3.50"), False, 4),
        (Decimal("9.99"), False, 10),
        (Decimal("41.00"), False, 80),
        (Decimal("1234.56"), False, 2000),
        (7, True, 8),
        (10, True, 20),
        (333, True, 400),
    ],
)
def test_an_axis_ends_at_a_round_number_its_ticks_divide(largest, whole, top):
    assert axis_top(largest, whole=whole) == top
    assert axis_top(largest, whole=whole) >= largest
    if whole:
        assert axis_top(largest, whole=True) % TICKS == 0


def days(*figures) -> list[Day]:
    return [
        Day(day=START + timedelta(days=n), revenue=Decimal(revenue), orders=orders, refunds=0)
        for n, (revenue, orders) in enumerate(figures)
    ]


def test_bars_and_markers_are_in_proportion_and_a_day_without_orders_sits_on_zero():
    drawn = chart(days(("100.00", 4), ("0.00", 0), ("50.00", 2), ("25.00", 1), ("0", 0), ("0", 0)))
    tallest, empty, half = drawn.bars[:3]

    assert empty.height == 0 and empty.y == drawn.bottom and empty.marker_y == drawn.bottom
    assert half.height == pytest.approx(tallest.height / 2, abs=0.1)
    assert tallest.y == pytest.approx(drawn.ticks[-1].y, abs=0.1)  # 100 is the axis top
    assert drawn.ticks[-1].revenue == 100 and drawn.ticks[-1].orders == 4
    assert tallest.marker_y < half.marker_y < drawn.bottom <= HEIGHT
    assert [bar.label for bar in drawn.bars] == ["1 Nov", "", "", "", "", "6 Nov"]
    assert drawn.points.split()[1] == f"{empty.marker_x},{empty.marker_y}"
    assert (drawn.total_revenue, drawn.total_orders) == (Decimal("175.00"), 7)


def test_a_month_without_sales_draws_flat_zeros():
    drawn = chart(days(*[("0.00", 0)] * 30))
    assert {bar.height for bar in drawn.bars} == {0}
    assert drawn.ticks[-1].revenue == 4
