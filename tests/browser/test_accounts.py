"""Accounts in the browser: sign up, the cart that follows the shopper, order history."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.browser.helpers import (
    assert_accessible,
    buy,
    cart_row,
    fill_address,
    pay_with_card,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "lin@example.com", "plum-orchard-47"


def field_error(page, label):
    return (
        page.locator(".field")
        .filter(has=page.get_by_label(label, exact=True))
        .locator(".field-error")
    )


def add(page, slug, quantity=1):
    page.goto(f"/products/{slug}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("to your cart")


def sign_in(page, email, password):
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_sign_up_keep_the_cart_across_sign_in_and_see_the_order_history(open_page, js):
    page = open_page(js=js)
    add(page, "croissant", 2)
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    # Mistakes are shown next to their fields.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill("something-else-entirely")
    page.get_by_role("button", name="Create account").click()
    expect(field_error(page, "Password again")).to_have_text("The two passwords do not match.")
    if js:
        shot(page, "sign-up")
    else:
        assert_accessible(page)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_text(f"We sent an email to {EMAIL}.")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")  # not signed in yet

    # The account signs in at once; until the address is confirmed, a reminder shows.
    sign_in(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_test_id("verify-reminder")).to_contain_text(
        f"Confirm your email address: we sent a link to {EMAIL}."
    )
    expect(page.get_by_role("link", name=EMAIL)).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")  # the cart came along

    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")

    # Signed out, a bagel goes into a new anonymous cart; signing in merges both.
    add(page, "bagel")
    sign_in(page, EMAIL, "wrong-password-1")
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_test_id("cart-count")).to_have_text("3")
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(cart_row(page, "Butter croissant").get_by_role("spinbutton")).to_have_value("2")
    expect(cart_row(page, "Sesame bagel").get_by_role("spinbutton")).to_have_value("1")
    expect(page.get_by_test_id("subtotal")).to_have_text("4.80 USD")  # 2 × 1.80 + 1.20

    # Signed in, checkout asks for no email: the order belongs to the account.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("Email", exact=True)).to_have_count(0)
    fill_address(page)
    page.get_by_role("button", name="Place order").click()
    number = page.get_by_test_id("order-number").inner_text()
    expect(page.get_by_text(f"We sent a confirmation to {EMAIL}.")).to_be_visible()
    page.goto(f"/orders/{number}/pay/")
    pay_with_card(page, "4242424242424242")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    assert Order.objects.get(number=number).user.email == EMAIL

    page.get_by_role("link", name=EMAIL).click()
    page.get_by_role("link", name="Your orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    rows = page.locator(".order-history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("Paid")
    expect(rows.first.locator(".num")).to_have_text("10.68 USD")  # 4.80 + 4.90 + 0.98 (GB)
    if js:
        shot(page, "order-history")
    else:
        assert_accessible(page)


def test_orders_are_private_to_their_owner(open_page):
    alice, mallory = open_page(), open_page()
    number = buy(alice, "honey", email="alice@example.com")
    mallory.guard.allow(rf"/orders/{number}/(pay/)?: Failed to load resource: .* 404")
    for path in (f"/orders/{number}/", f"/orders/{number}/pay/"):
        assert mallory.goto(path).status == 404
        expect(mallory.get_by_role("heading", level=1)).to_have_text("We couldn’t find that page")
    mallory.goto("/orders/")
    expect(mallory.get_by_text("No orders yet.")).to_be_visible()
    alice.goto("/orders/")
    expect(alice.locator(".order-history tbody tr")).to_have_count(1)
