"""Staff in the Django admin: stock, shipping and refunds; shoppers are kept out."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from orders.models import Order
from tests.browser.helpers import buy
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_sign_in(page, email):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def select_order_and_run(page, number, action):
    page.goto("/admin/orders/order/")
    row = page.locator("#result_list tbody tr").filter(has_text=number)
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def test_staff_edits_stock_ships_and_refunds(open_page):
    StaffFactory(email="staff@example.com", is_superuser=True)
    shopper, staff = open_page(), open_page()
    shipped = buy(shopper, "olive-oil", quantity=2, email="olive@example.com")
    # 2 × 6.75 + Standard 4.90 + its GB tax 0.98 (the food is in the reduced class: GB 0 %)
    refunded = buy(shopper, "honey", quantity=2, email="olive@example.com")
    assert Product.objects.get(sku="olive-oil").stock == 28

    admin_sign_in(staff, "staff@example.com")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Site administration")

    # Stock: search the product, change its stock, see it on the storefront.
    staff.get_by_role("link", name="Products").first.click()
    staff.get_by_role("searchbox").fill("olive")  # the admin's search box
    staff.get_by_role("button", name="Search").click()
    staff.locator("#result_list").get_by_role("link", name="olive-oil").click()
    staff.get_by_label(re.compile(r"^Stock:?$")).fill("40")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Product.objects.get(sku="olive-oil").stock == 40
    shopper.goto("/products/olive-oil/")
    expect(shopper.get_by_text("40 in stock")).to_be_visible()

    # Ship one paid order with the admin action.
    select_order_and_run(staff, shipped, "Mark shipped")
    expect(staff.locator(".messagelist")).to_contain_text("1 order(s) marked shipped.")
    expect(staff.locator("#result_list tbody tr").filter(has_text=shipped)).to_contain_text(
        "Shipped"
    )
    assert Order.objects.get(number=shipped).status == Order.Status.SHIPPED

    # Refund part of the other with the refund form, then the rest with the action.
    staff.locator("#result_list").get_by_role("link", name=refunded).click()
    staff.get_by_role("link", name="Refund…").click()
    staff.get_by_label("Amount").fill("5.00")
    staff.get_by_label("Reason").fill("One jar arrived broken")
    staff.get_by_role("button", name=re.compile("Refund")).click()
    expect(staff.locator(".messagelist")).to_be_visible()
    order = Order.objects.get(number=refunded)
    assert (order.status, order.amount_refunded) == (
        Order.Status.PARTIALLY_REFUNDED,
        Decimal("5.00"),
    )

    select_order_and_run(staff, refunded, "Refund what remains (no restock)")
    expect(staff.locator(".messagelist")).to_contain_text("1 order(s) refunded.")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("19.38"))

    # The shopper sees both on the order pages.
    shopper.goto(f"/orders/{shipped}/")
    expect(shopper.get_by_test_id("order-status")).to_have_text("Shipped")
    shopper.goto(f"/orders/{refunded}/")
    expect(shopper.get_by_test_id("order-status")).to_have_text("Refunded")
    expect(shopper.get_by_test_id("amount-paid")).to_have_text("19.38 USD")
    expect(shopper.get_by_test_id("amount-refunded")).to_have_text("19.38 USD")


def test_a_shopper_is_refused_the_admin(page):
    UserFactory(email="shopper@example.com")
    page.goto("/account/login/")
    page.get_by_label("Email address").fill("shopper@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("link", name="Shop admin")).to_have_count(0)

    for path in ("/admin/", "/admin/orders/order/", "/admin/catalog/product/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
        expect(page.locator(".errornote")).to_contain_text("not authorized to access this page")
        expect(page.locator("#result_list")).to_have_count(0)
