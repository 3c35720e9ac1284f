"""Staff open the dashboard from the admin index: figures, the chart, orders to ship."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from orders.models import Order
from tests.browser.helpers import buy, shot
from tests.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_view_only_staff_open_the_dashboard_from_the_admin_index(open_page):
    StaffFactory(email="viewer@example.com", permissions=["orders.view_order"])
    shopper, staff = open_page(), open_page()
    today = buy(shopper, "olive-oil", quantity=2, email="olive@example.com")
    earlier = buy(shopper, "honey", quantity=1, email="honey@example.com")
    Order.objects.filter(number=earlier).update(
        created_at=Order.objects.get(number=earlier).created_at - timedelta(days=3)
    )
    Product.objects.filter(sku="honey").update(stock=1)
    paid_today = Order.objects.get(number=today).amount_paid

    staff.goto("/admin/")
    staff.get_by_label("Email address").fill("viewer@example.com")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Site administration")
    shot(staff, "admin-index-dashboard-link")
    staff.get_by_role("link", name="Dashboard: the shop at a glance").click()

    expect(staff).to_have_url(re.compile(r"/admin/dashboard/$"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("Dashboard")
    today_figures = staff.get_by_role("table", name=re.compile(r"^Today"))
    expect(today_figures.get_by_role("row", name=re.compile("^Revenue"))).to_contain_text(
        f"{paid_today} USD"
    )
    expect(today_figures.get_by_role("row", name=re.compile("^Orders"))).to_contain_text("1")
    week = staff.get_by_role("table", name=re.compile(r"^Last 7 days"))
    expect(week.get_by_role("row", name=re.compile("^Orders"))).to_contain_text("2")
    expect(staff.get_by_text("How these are counted.")).to_be_visible()

    chart = staff.get_by_role("img", name=re.compile("Revenue and paid orders per day"))
    expect(chart).to_be_visible()
    days = staff.get_by_role("table", name="Revenue and orders per day")
    expect(days.locator("tbody tr")).to_have_count(30)
    expect(days.locator("tfoot")).to_contain_text("2")

    expect(staff.get_by_role("table", name="Top 10 by units sold")).to_contain_text("Olive oil")
    low = staff.get_by_test_id("low-stock")
    expect(low.get_by_role("link", name="Honey")).to_be_visible()
    waiting = staff.get_by_test_id("waiting-to-ship")
    expect(waiting.get_by_role("link")).to_have_text([earlier, today])  # oldest first
    expect(staff.locator("#content-main").get_by_role("button")).to_have_count(0)
    shot(staff, "admin-dashboard")

    waiting.get_by_role("link", name=today).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("View order")
