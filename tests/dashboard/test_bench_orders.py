"""The benchmark's generated order history (bench/orders.py) is valid and opens the
dashboard for its staff member."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from bench.orders import generate, staff_sessions
from orders.models import Order, OrderLine, Refund
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_generated_orders_spread_over_60_days_with_lines_and_refunds():
    ProductFactory()
    VariantFactory()
    now = timezone.now()

    generate(400)

    orders = Order.objects.all()
    assert orders.count() == 400
    assert not orders.filter(created_at__lt=now - timedelta(days=60)).exists()
    assert orders.filter(created_at__lt=now - timedelta(days=30)).exists()
    assert not orders.filter(lines__isnull=True).exists()
    assert not orders.filter(amount_refunded__gt=F("amount_paid")).exists()
    assert set(orders.values_list("status", flat=True)) >= {"paid", "shipped", "refunded"}
    assert OrderLine.objects.exclude(options={}).exists()  # variants are sold too
    refunds = Refund.objects.select_related("order")
    assert refunds and all(r.amount == r.order.amount_refunded for r in refunds)


def test_the_staff_sessions_open_the_dashboard_read_only():
    ProductFactory()
    generate(20)
    cookie = staff_sessions(2)[1]

    client = Client()
    client.cookies["sessionid"] = cookie
    assert client.get("/admin/dashboard/").status_code == 200
    assert client.get("/admin/catalog/product/").status_code == 403  # may view orders only
