"""Orders for the dashboard tests, made through the real services and placed in time."""

from datetime import date, timedelta

from dashboard.figures import day_start
from orders.models import Order
from orders.payments.refund import refund
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid


def at(day: date, hour: int = 12):
    """`hour` o'clock on `day` in settings.TIME_ZONE."""
    return day_start(day) + timedelta(hours=hour)


def placed_on(order: Order, day: date, hour: int = 12) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=at(day, hour))
    order.refresh_from_db()
    return order


def sale(items: dict, day: date, hour: int = 12) -> Order:
    """A checkout of {product: quantity}, paid by card, placed at `hour` on `day`."""
    return placed_on(paid(place(items)), day, hour)


def refunded(order: Order, amount, day: date, hour: int = 12) -> Order:
    """Refund `amount` of the order (staff, through the payments service) on `day`."""
    order = refund(order=order, amount=amount, actor_label="staff", allow_shipped=True)
    order.refunds.update(created_at=at(day, hour))
    return order
