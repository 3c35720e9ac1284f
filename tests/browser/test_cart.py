"""The cart in the browser: add from the list and the product page, totals, quantity, coupon."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import cart_row, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_sourdough_and_tea(page):
    """Two sourdough loaves from the product page, one bag of tea from the search list."""
    page.goto("/products/sourdough/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("Added 2 × Sourdough loaf to your cart.")
    expect(page).to_have_url(re.compile(r"/products/sourdough/$"))  # back where we were

    page.get_by_role("searchbox", name="Search products").fill("earl grey")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add Earl Grey tea (250 g) to cart").click()
    expect(page.get_by_role("status")).to_contain_text("Added 1 × Earl Grey tea (250 g)")
    expect(page).to_have_url(re.compile(r"/\?q=earl\+grey$"))
    expect(page.get_by_test_id("cart-count")).to_have_text("3")


def test_cart_shows_lines_and_totals_updates_quantity_and_applies_a_coupon(page):
    add_sourdough_and_tea(page)
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")

    rows = page.locator(".cart-table tbody tr")
    expect(rows).to_have_count(2)
    sourdough, tea = cart_row(page, "Sourdough loaf"), cart_row(page, "Earl Grey tea (250 g)")
    expect(sourdough.get_by_label("Quantity of Sourdough loaf")).to_have_value("2")
    expect(sourdough.locator("td.num").last).to_have_text("9.00 USD")
    expect(tea.get_by_label("Quantity of Earl Grey tea (250 g)")).to_have_value("1")
    expect(tea.locator("td.num").first).to_have_text("9.50 USD")
    expect(page.get_by_test_id("item-count")).to_have_text("3")
    expect(page.get_by_test_id("subtotal")).to_have_text("18.50 USD")
    expect(page.get_by_test_id("total")).to_have_text("18.50 USD")

    tea.get_by_label("Quantity of Earl Grey tea (250 g)").fill("3")
    tea.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_contain_text("Your cart was updated.")
    expect(tea.locator("td.num").last).to_have_text("28.50 USD")
    expect(page.get_by_test_id("item-count")).to_have_text("5")
    expect(page.get_by_test_id("cart-count")).to_have_text("5")
    expect(page.get_by_test_id("subtotal")).to_have_text("37.50 USD")

    page.get_by_label("Coupon code").fill("NOPE99")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.locator(".message-error")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("37.50 USD")

    page.get_by_label("Coupon code").fill("save10")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_role("status")).to_contain_text("The coupon SAVE10 is applied.")
    expect(page.get_by_test_id("discount")).to_have_text("−3.75 USD")
    expect(page.get_by_test_id("total")).to_have_text("33.75 USD")
    shot(page, "cart")

    sourdough.get_by_role("button", name="Remove Sourdough loaf").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("subtotal")).to_have_text("28.50 USD")
    expect(page.get_by_test_id("total")).to_have_text("25.65 USD")

    page.get_by_role("button", name="Empty cart").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("0")


def test_setting_a_quantity_to_zero_removes_the_line_and_carts_are_per_shopper(open_page):
    alice, bob = open_page(), open_page()
    add_sourdough_and_tea(alice)
    bob.goto("/cart/")
    expect(bob.get_by_text("Your cart is empty.")).to_be_visible()

    alice.goto("/cart/")
    row = cart_row(alice, "Sourdough loaf")
    row.get_by_label("Quantity of Sourdough loaf").fill("0")
    row.get_by_role("button", name="Update").click()
    expect(alice.locator(".cart-table tbody tr")).to_have_count(1)
    expect(alice.get_by_test_id("subtotal")).to_have_text("9.50 USD")
