"""The geometry of the dashboard's chart: revenue per day as bars (left axis) and orders
per day as a line with round markers (right axis). Numbers only; the SVG is drawn by
templates/admin/dashboard/chart.html."""

from dataclasses import dataclass
from decimal import Decimal

from dashboard.figures import Day

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 84, 52, 16, 44  # room for the axes' labels
TICKS = 4  # gridlines above zero
LABEL_EVERY = 5  # a date under every 5th day (and the last)


def axis_top(largest: Decimal | int, *, whole: bool = False) -> Decimal:
    """A round top for an axis whose TICKS steps are round too: TICKS × the smallest of
    1, 2, 2.5, 5 × 10^k (1, 2, 5 × 10^k for counts, `whole`; at least 1) that reaches
    `largest` in TICKS steps."""
    wanted = Decimal(largest) / TICKS
    if wanted <= 1:
        return Decimal(TICKS)
    scale = Decimal(10) ** wanted.adjusted()
    steps = (1, 2, 5, 10) if whole else (1, 2, Decimal("2.5"), 5, 10)
    step = next(s * scale for s in steps if s * scale >= wanted)
    return step * TICKS


@dataclass(frozen=True)
class Bar:
    day: Day
    x: float
    y: float
    width: float
    height: float
    marker_x: float  # the centre of the day, where its orders marker sits
    marker_y: float
    label: str  # the date under the axis, or "" for most days


@dataclass(frozen=True)
class Tick:
    y: float
    revenue: Decimal
    orders: Decimal


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float  # x of the right axis
    bottom: float  # y of the zero line
    bars: list[Bar]
    ticks: list[Tick]
    points: str  # the orders line's "x,y x,y …"
    first: Day
    last: Day

    @property
    def date_y(self) -> float:  # the baseline of the dates under the axis
        return self.bottom + 18

    @property
    def title_y(self) -> float:  # the axes' titles, under the dates
        return self.bottom + 38

    @property
    def left_labels_x(self) -> int:
        return self.left - 6

    @property
    def right_labels_x(self) -> float:
        return self.right + 6

    @property
    def total_revenue(self) -> Decimal:
        return sum((bar.day.revenue for bar in self.bars), Decimal("0.00"))

    @property
    def total_orders(self) -> int:
        return sum(bar.day.orders for bar in self.bars)


def chart(days: list[Day]) -> Chart:
    """Place each day's bar and marker, and the axes' ticks, in a WIDTH × HEIGHT box."""
    top_revenue = axis_top(max(day.revenue for day in days))
    top_orders = axis_top(max(day.orders for day in days), whole=True)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    zero = TOP + plot_h
    step = plot_w / len(days)
    bars = []
    for n, day in enumerate(days):
        height = float(day.revenue / top_revenue) * plot_h
        centre = LEFT + step * (n + 0.5)
        last = n == len(days) - 1
        bars.append(
            Bar(
                day=day,
                x=round(LEFT + step * n + step * 0.15, 1),
                y=round(zero - height, 1),
                width=round(step * 0.7, 1),
                height=round(height, 1),
                marker_x=round(centre, 1),
                marker_y=round(zero - day.orders / float(top_orders) * plot_h, 1),
                label=day.day.strftime("%-d %b") if n % LABEL_EVERY == 0 or last else "",
            )
        )
    ticks = [
        Tick(
            y=round(zero - plot_h * n / TICKS, 1),
            revenue=top_revenue * n / TICKS,
            orders=top_orders * n / TICKS,
        )
        for n in range(TICKS + 1)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=zero,
        bars=bars,
        ticks=ticks,
        points=" ".join(f"{bar.marker_x},{bar.marker_y}" for bar in bars),
        first=days[0],
        last=days[-1],
    )
