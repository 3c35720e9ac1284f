"""Shipping and tax in the browser (issue 19): the cart's estimate for a chosen country, the
checkout's shipping methods and totals, the order that keeps them, and a checkout that
refuses to charge figures the shopper was not shown.

The demo data (the `demo` fixture) has the shipping methods Standard (4.90, free over 50.00,
all countries), Express (9.90; US, GB, DE) and Pickup in store (0.00, US), and the tax rates
US 7.25 % (standard and reduced), GB 20 % (standard only: the food, in the reduced class,
is taxed at 0 % there) and DE 19 % standard / 7 % reduced. Food is in the reduced class,
drinks in the standard one. Every figure below is hand-computed with docs/PRICING.md.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product
from orders.models import Order
from pricing.models import ShippingMethod, TaxRate
from tests.browser.helpers import cart_row, fill_address, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal


@pytest.fixture
def demo_pricing(demo):
    """The demo's methods and rates, which the figures below depend on (checked, not assumed)."""
    methods = {
        m.name: (
            m.price,
            m.free_over,
            m.all_countries,
            sorted(c.code for c in m.countries),
            m.active,
        )
        for m in ShippingMethod.objects.all()
    }
    assert methods == {
        "Standard": (D("4.90"), D("50.00"), True, [], True),
        "Express": (D("9.90"), None, False, ["DE", "GB", "US"], True),
        "Pickup in store": (D("0.00"), None, False, ["US"], True),
    }
    rates = {(r.country.code, r.tax_class): r.rate for r in TaxRate.objects.all()}
    assert rates == {
        ("US", "standard"): D("7.25"),
        ("US", "reduced"): D("7.25"),
        ("GB", "standard"): D("20"),
        ("DE", "standard"): D("19"),
        ("DE", "reduced"): D("7"),
    }
    return {name: ShippingMethod.objects.get(name=name) for name in methods}


def add(page: Page, slug: str, quantity: int) -> None:
    page.goto(f"/products/{slug}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added {quantity} × ")


def estimate(page: Page, country: str, name: str) -> None:
    """Choose a country on the cart page and press "Estimate shipping and tax"."""
    page.get_by_label("Country", exact=True).select_option(country)
    page.get_by_role("button", name="Estimate shipping and tax").click()
    expect(page.get_by_role("status")).to_have_text(f"Shipping and tax are estimated for {name}.")


def methods(page: Page):
    """The radio group "Shipping method" of the cart or checkout page."""
    return page.get_by_role("group", name="Shipping method")


def totals(page: Page) -> dict[str, str]:
    """The totals box as {test id: text}, for the figures that are shown."""
    box = page.get_by_role("region", name="Totals")
    names = ("subtotal", "discount", "shipping", "tax", "total")
    return {n: box.get_by_test_id(n).inner_text() for n in names if box.get_by_test_id(n).count()}


def test_a_guest_in_the_us_sees_tax_added_and_pays_subtotal_plus_shipping_plus_tax(
    open_page, demo_pricing
):
    page = open_page()
    add(page, "honey", 2)  # 2 × 6.75 = 13.50, reduced class
    add(page, "cold-brew", 1)  # 3.60, standard class
    page.goto("/cart/")
    expect(page.get_by_test_id("subtotal")).to_have_text("17.10 USD")
    expect(page.get_by_test_id("destination")).to_have_text(
        "Shipping and tax are added once you choose your country."
    )
    expect(methods(page)).to_have_count(0)
    expect(page.get_by_test_id("shipping")).to_have_count(0)
    expect(page.get_by_test_id("total")).to_have_text("17.10 USD")
    expect(page.get_by_label("Country", exact=True).locator("option").first).to_have_text(
        "Choose a country"
    )

    # The US: three methods, cheapest first, Pickup (free) preselected; tax 7.25 % added.
    estimate(page, "US", "United States of America")
    expect(methods(page).locator(".choice label")).to_have_text(
        ["Pickup in store Free", "Standard 4.90 USD", "Express 9.90 USD"]
    )
    expect(page.get_by_role("radio", name="Pickup in store Free")).to_be_checked()
    expect(page.get_by_text("Shipping (Pickup in store)")).to_be_visible()
    expect(page.get_by_test_id("destination")).to_have_text(
        "For delivery to United States of America."
    )
    # tax: 13.50 × 7.25 % = 0.97875 → 0.98; 3.60 × 7.25 % = 0.261 → 0.26; shipping 0
    assert totals(page) == {
        "subtotal": "17.10 USD",
        "shipping": "Free",
        "tax": "1.24 USD",
        "total": "18.34 USD",
    }
    expect(page.get_by_role("region", name="Totals").locator("dt")).to_contain_text(
        ["Subtotal", "Shipping (Pickup in store)", "Tax", "Total"]
    )

    # Standard instead: shipping 4.90 and its tax 4.90 × 7.25 % = 0.35525 → 0.36.
    page.get_by_role("radio", name="Standard 4.90 USD").check()
    page.get_by_role("button", name="Estimate shipping and tax").click()
    expect(page.get_by_text("Shipping (Standard)")).to_be_visible()
    expect(page.get_by_role("radio", name="Standard 4.90 USD")).to_be_checked()
    assert totals(page) == {
        "subtotal": "17.10 USD",
        "shipping": "4.90 USD",
        "tax": "1.60 USD",  # 0.98 + 0.26 + 0.36
        "total": "23.60 USD",  # 17.10 + 4.90 + 1.60
    }
    shot(page, "cart-shipping-estimate")

    # Checkout keeps the country and the method; the page shows the same figures.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_label("Country", exact=True)).to_have_value("US")
    expect(methods(page).locator(".choice label")).to_have_text(
        ["Pickup in store Free", "Standard 4.90 USD", "Express 9.90 USD"]
    )
    expect(page.get_by_role("radio", name="Standard 4.90 USD")).to_be_checked()
    expect(page.get_by_test_id("total")).to_have_text("23.60 USD")
    shot(page, "checkout-shipping-methods")

    # The destination was shown already: one "Place order" places the order.
    fill_address(page, email="us-guest@example.com", country="US", refresh=False)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    order = Order.objects.get()
    expect(page.get_by_test_id("order-number")).to_have_text(order.number)
    expect(page.get_by_text("Shipping (Standard)")).to_be_visible()
    assert totals(page) == {
        "subtotal": "17.10 USD",
        "shipping": "4.90 USD",
        "tax": "1.60 USD",
        "total": "23.60 USD",
    }
    expect(page.get_by_text("Tax (included)")).to_have_count(0)
    expect(page.locator(".order-lines tbody tr")).to_have_count(2)
    expect(page.locator(".order-lines tbody")).to_contain_text("Wildflower honey · tax 7.25%")
    expect(page.get_by_role("link", name="Pay 23.60 USD now")).to_be_visible()

    assert (
        order.ship_country.code,
        order.shipping_method_id,
        order.shipping_method_name,
        order.subtotal,
        order.discount,
        order.shipping,
        order.shipping_tax,
        order.tax,
        order.tax_included,
        order.total,
    ) == ("US", demo_pricing["Standard"].id, "Standard", D("17.10"), D("0.00"), D("4.90"),
          D("0.36"), D("1.60"), False, D("23.60"))  # fmt: skip
    lines = {ln.sku: (ln.unit_price, ln.quantity, ln.tax_rate, ln.tax)
             for ln in order.lines.all()}  # fmt: skip
    assert lines == {
        "honey": (D("6.75"), 2, D("7.25"), D("0.98")),
        "cold-brew": (D("3.60"), 1, D("7.25"), D("0.26")),
    }


def test_a_guest_in_germany_with_tax_inclusive_prices_pays_subtotal_plus_shipping(
    open_page, demo_pricing, settings
):
    # The live server runs in this process (a thread): the setting applies to its pages too.
    settings.PRICES_INCLUDE_TAX = True
    page = open_page()
    add(page, "cold-brew", 2)  # 2 × 3.60 = 7.20, standard class (DE 19 %)
    add(page, "earl-grey", 1)  # 9.50, reduced class (DE 7 %)
    page.goto("/cart/")
    page.get_by_label("Coupon code").fill("SAVE10")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_test_id("discount")).to_have_text("−1.67 USD")  # 10 % of 16.70
    expect(page.get_by_test_id("destination")).to_have_text(
        "Shipping is added once you choose your country."
    )
    expect(page.get_by_test_id("total")).to_have_text("15.03 USD")

    # This time the country is chosen on the checkout page.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_test_id("choose-country")).to_be_visible()
    expect(methods(page)).to_have_count(0)
    fill_address(page, email="de-guest@example.com", country="DE")  # "Update shipping and totals"
    expect(page.get_by_test_id("destination")).to_have_text(
        "Prices include tax. For delivery to Germany."
    )
    expect(methods(page).locator(".choice label")).to_have_text(
        ["Standard 4.90 USD", "Express 9.90 USD"]
    )
    expect(page.get_by_role("radio", name="Standard 4.90 USD")).to_be_checked()
    expect(page.get_by_label("Email", exact=True)).to_have_value("de-guest@example.com")
    expect(page.get_by_label("City")).to_have_value("London")
    # Discount split: 7.20 × 1.67 / 16.70 = 0.72 and 9.50 × 1.67 / 16.70 = 0.95 (exact).
    # Tax inside: 6.48 × 19/119 = 1.0346 → 1.03; 8.55 × 7/107 = 0.5593 → 0.56;
    # shipping 4.90 × 19/119 = 0.7823 → 0.78. Total 16.70 − 1.67 + 4.90 = 19.93 (tax not added).
    assert totals(page) == {
        "subtotal": "16.70 USD",
        "discount": "−1.67 USD",
        "shipping": "4.90 USD",
        "tax": "2.37 USD",
        "total": "19.93 USD",
    }
    box = page.get_by_role("region", name="Totals")
    expect(box.get_by_text("Tax (included)", exact=True)).to_be_visible()
    expect(box.get_by_text("Tax", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    order = Order.objects.get()
    expect(page.get_by_test_id("order-number")).to_have_text(order.number)
    expect(page.get_by_text("Tax (included)", exact=True)).to_be_visible()
    expect(page.get_by_text("Shipping (Standard)")).to_be_visible()
    assert totals(page) == {
        "subtotal": "16.70 USD",
        "discount": "−1.67 USD",
        "shipping": "4.90 USD",
        "tax": "2.37 USD",
        "total": "19.93 USD",
    }
    expect(page.get_by_role("link", name="Pay 19.93 USD now")).to_be_visible()

    assert (
        order.ship_country.code,
        order.shipping_method_name,
        order.coupon_code,
        order.subtotal,
        order.discount,
        order.shipping,
        order.shipping_tax,
        order.tax,
        order.tax_included,
        order.total,
    ) == ("DE", "Standard", "SAVE10", D("16.70"), D("1.67"), D("4.90"), D("0.78"), D("2.37"),
          True, D("19.93"))  # fmt: skip
    lines = {ln.sku: (ln.discount, ln.tax_rate, ln.tax)
             for ln in order.lines.all()}  # fmt: skip
    assert lines == {
        "cold-brew": (D("0.72"), D("19"), D("1.03")),
        "earl-grey": (D("0.95"), D("7"), D("0.56")),
    }


def test_free_shipping_appears_when_the_cart_reaches_the_threshold(open_page, demo_pricing):
    page = open_page()
    add(page, "olive-oil", 5)  # 5 × 8.90 = 44.50, reduced class (GB: 0 %)
    add(page, "cold-brew", 1)  # 3.60, standard class (GB: 20 %)
    page.goto("/cart/")
    estimate(page, "GB", "United Kingdom")

    # 48.10 is under 50.00: Standard costs 4.90 (+ 20 % tax: 0.98).
    expect(methods(page).locator(".choice label")).to_have_text(
        ["Standard 4.90 USD", "Express 9.90 USD"]
    )
    expect(page.get_by_role("radio", name="Standard 4.90 USD")).to_be_checked()
    assert totals(page) == {
        "subtotal": "48.10 USD",
        "shipping": "4.90 USD",
        "tax": "1.70 USD",  # 3.60 × 20 % = 0.72, shipping 0.98
        "total": "54.70 USD",
    }

    # One more cold brew: 51.70 reaches 50.00, Standard is free (and so is its tax).
    cold_brew = cart_row(page, "Cold brew coffee")
    cold_brew.get_by_label("Quantity of Cold brew coffee").fill("2")
    cold_brew.get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("subtotal")).to_have_text("51.70 USD")
    expect(methods(page).locator(".choice label")).to_have_text(
        ["Standard Free", "Express 9.90 USD"]
    )
    expect(page.get_by_role("radio", name="Standard Free")).to_be_checked()
    expect(page.get_by_text("Shipping (Standard)")).to_be_visible()
    assert totals(page) == {
        "subtotal": "51.70 USD",
        "shipping": "Free",
        "tax": "1.44 USD",  # 7.20 × 20 %
        "total": "53.14 USD",  # less than before the extra bottle
    }

    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("radio", name="Standard Free")).to_be_checked()
    fill_address(page, email="free@example.com", refresh=False)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    expect(page.get_by_test_id("shipping")).to_have_text("Free")
    expect(page.get_by_test_id("total")).to_have_text("53.14 USD")
    order = Order.objects.get()
    assert (
        order.ship_country.code,
        order.shipping_method_name,
        order.shipping,
        order.shipping_tax,
        order.tax,
        order.total,
    ) == ("GB", "Standard", D("0.00"), D("0.00"), D("1.44"), D("53.14"))


def test_a_price_changed_while_the_shopper_is_on_checkout_is_shown_before_charging(
    open_page, demo_pricing
):
    page = open_page()
    add(page, "honey", 2)  # 2 × 6.75 = 13.50
    page.goto("/cart/")
    estimate(page, "GB", "United Kingdom")
    page.get_by_role("link", name="Check out").click()
    fill_address(page, email="grace@example.com", refresh=False)
    assert totals(page) == {
        "subtotal": "13.50 USD",
        "shipping": "4.90 USD",
        "tax": "0.98 USD",
        "total": "19.38 USD",
    }

    # Staff raise the price while the page is open.
    Product.objects.filter(sku="honey").update(price=D("7.25"))

    page.get_by_role("button", name="Place order").click()
    changes = page.get_by_test_id("quote-changes")
    expect(changes).to_be_visible()
    expect(changes.get_by_role("heading")).to_have_text("The figures changed since you saw them")
    expect(changes.locator("li")).to_have_text(
        ["Wildflower honey: price 6.75 → 7.25 USD", "Total 19.38 → 20.38 USD"]
    )
    expect(page).to_have_url(re.compile(r"/orders/checkout/$"))
    assert Order.objects.count() == 0
    assert totals(page) == {
        "subtotal": "14.50 USD",
        "shipping": "4.90 USD",
        "tax": "0.98 USD",
        "total": "20.38 USD",
    }
    expect(page.get_by_label("Email", exact=True)).to_have_value("grace@example.com")
    expect(page.get_by_role("radio", name="Standard 4.90 USD")).to_be_checked()
    shot(page, "checkout-quote-changed")

    # Placing it again accepts the new figures.
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order!")
    expect(page.get_by_test_id("total")).to_have_text("20.38 USD")
    order = Order.objects.get()
    line = order.lines.get()
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        D("14.50"),
        D("4.90"),
        D("0.98"),
        D("20.38"),
    )
    assert (line.unit_price, line.quantity) == (D("7.25"), 2)
