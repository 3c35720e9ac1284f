"""The whole purchase as a guest: search, product, cart, coupon, checkout, confirmation."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from orders.models import Order
from tests.browser.helpers import (
    assert_accessible,
    cart_row,
    fill_address,
    pay_with_card,
    place_order,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def field(page, label):
    """The .field block of the input labelled `label` (its errors sit inside it)."""
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def shop_for_sourdough_and_tea(page):
    """Search, open a product, add two products, fix a quantity and apply SAVE10 in the cart."""
    page.goto("/")
    page.get_by_role("searchbox", name="Search products").fill("bread")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “bread”")
    assert set(page.locator(".card-title").all_inner_texts()) == {"Rye bread"}
    page.get_by_role("link", name="Rye bread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rye bread")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Bakery").click()
    page.get_by_role("link", name="Sourdough loaf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sourdough loaf")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")

    page.get_by_role("searchbox", name="Search products").fill("earl grey")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add Earl Grey tea (250 g) to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")

    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(page.locator(".cart-table tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("subtotal")).to_have_text("14.00 USD")  # 4.50 + 9.50
    sourdough = cart_row(page, "Sourdough loaf")
    sourdough.get_by_label("Quantity of Sourdough loaf").fill("2")
    sourdough.get_by_role("button", name="Update").click()
    expect(sourdough.locator("td.num").last).to_have_text("9.00 USD")
    expect(page.get_by_test_id("subtotal")).to_have_text("18.50 USD")
    page.get_by_label("Coupon code").fill("SAVE10")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_test_id("discount")).to_have_text("−1.85 USD")
    expect(page.get_by_test_id("total")).to_have_text("16.65 USD")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_guest_buys_two_products_with_a_coupon(open_page, js):
    page = open_page(js=js)
    shop_for_sourdough_and_tea(page)
    page.get_by_role("link", name="Check out").click()
    expect(page).to_have_url(re.compile(r"/orders/checkout/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_test_id("total")).to_have_text("16.65 USD")

    # Mistakes are explained next to the fields, and nothing is ordered yet.
    expect(page.get_by_label("Country", exact=True)).to_have_value("")  # "Choose a country"
    expect(page.get_by_test_id("choose-country")).to_be_visible()
    page.get_by_label("Street and number").fill("   ")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Place order").click()
    expect(field(page, "Street and number").locator(".field-error")).to_be_visible()
    expect(field(page, "Country").locator(".field-error")).to_contain_text("Choose a country.")
    expect(field(page, "Email").locator(".field-error")).to_contain_text("valid email")
    expect(field(page, "City").locator(".field-error")).to_be_visible()
    assert Order.objects.count() == 0
    if js:
        shot(page, "checkout")
    else:
        assert_accessible(page)

    # The first "Place order" for a new destination only shows its shipping and totals
    # (GB: Standard 4.90, the cheapest, taxed at 20 %; GB has no reduced rate for the food).
    fill_address(page, email="ada@example.com", refresh=False)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Check the shipping and totals for United Kingdom, then place your order."
    )
    assert Order.objects.count() == 0
    expect(page.get_by_role("radio", name=re.compile(r"^Standard"))).to_be_checked()
    expect(page.get_by_text("Shipping (Standard)")).to_be_visible()
    expect(page.get_by_test_id("shipping")).to_have_text("4.90 USD")
    expect(page.get_by_test_id("tax")).to_have_text("0.98 USD")
    expect(page.get_by_test_id("total")).to_have_text("22.53 USD")  # 16.65 + 4.90 + 0.98
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    order = Order.objects.get()
    expect(page.get_by_test_id("order-number")).to_have_text(order.number)
    expect(page.get_by_text("We sent a confirmation to ada@example.com.")).to_be_visible()
    expect(page.get_by_test_id("shipping")).to_have_text("4.90 USD")
    expect(page.get_by_test_id("tax")).to_have_text("0.98 USD")
    expect(page.get_by_test_id("total")).to_have_text("22.53 USD")
    assert (
        order.email,
        order.subtotal,
        order.discount,
        order.shipping,
        order.tax,
        order.total,
        order.coupon_code,
        order.ship_country.code,
    ) == (
        "ada@example.com",
        Decimal("18.50"),
        Decimal("1.85"),
        Decimal("4.90"),
        Decimal("0.98"),
        Decimal("22.53"),
        "SAVE10",
        "GB",
    )
    assert Product.objects.get(sku="sourdough").stock == 25 - 2
    assert Product.objects.get(sku="earl-grey").stock == 35 - 1
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    if js:
        shot(page, "confirmation")
    else:
        assert_accessible(page)

    page.get_by_role("link", name="See your order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending payment")
    expect(page.locator("address")).to_contain_text("12 Analytical Row")

    page.go_back()
    page.get_by_role("link", name="Pay 22.53 USD now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {order.number}")
    if js:
        shot(page, "payment")
    pay_with_card(page, "4242 4242 4242 4242")
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Thank you! We received your payment of 22.53 USD."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("amount-paid")).to_have_text("22.53 USD")
    expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
    order.refresh_from_db()
    assert (order.status, order.amount_paid) == (Order.Status.PAID, Decimal("22.53"))
    if js:
        shot(page, "order-paid")
    else:
        assert_accessible(page)


def test_a_declined_card_says_so_and_the_order_stays_payable(page):
    page.guard.allow(r"/pay/: Failed to load resource: .* (400|402)")
    number = place_order(page, "honey", email="grace@example.com")
    page.goto(f"/orders/{number}/pay/")

    # A mistyped number (bad check digit) is explained next to the card number field.
    pay_with_card(page, "4242424242424241")
    card_field = page.locator(".field").filter(has=page.get_by_label("Card number"))
    expect(card_field.locator(".field-error")).to_be_visible()
    expect(page.get_by_test_id("pay-error")).to_have_count(0)

    pay_with_card(page, "4000000000000002")
    expect(page.get_by_test_id("pay-error")).to_have_text(
        "Your card was declined. Try another card."
    )
    expect(card_field.locator(".field-error")).to_have_count(0)
    shot(page, "payment-declined")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {number}")
    expect(page.get_by_label("Card number")).to_have_value("")  # never echoed back
    order = Order.objects.get(number=number)
    assert (order.status, order.amount_paid) == (Order.Status.PENDING, Decimal("0.00"))
    page.goto(f"/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending payment")

    page.get_by_role("link", name="Pay now").click()
    pay_with_card(page, "4242424242424242")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("amount-paid")).to_have_text("12.63 USD")  # 6.75 + 4.90 + 0.98
