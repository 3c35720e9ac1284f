"""Accounts a shopper runs alone (issue 20), in the browser: a forgotten password reset by
email, a verified address that brings the guest orders along, the address book at checkout,
and the data download and account deletion. Links are read from the outbox's Email rows."""

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from orders.models import Order, SavedAddress
from tests.browser.helpers import (
    ADDRESS,
    buy,
    email_link,
    fill_address,
    place_order,
    shot,
    sign_in,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD, NEW_PASSWORD = "plum-orchard-47", "quince-harbour-93"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def nav(page: Page):
    return page.get_by_role("navigation", name="Account and cart")


def expect_signed_out(page: Page, email: str) -> None:
    expect(nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav(page).get_by_role("link", name=email)).to_have_count(0)


def customer(email: str, *, verified: bool = True) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def add_to_cart(page: Page, slug: str) -> None:
    page.goto(f"/products/{slug}/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("to your cart")


def test_a_forgotten_password_is_reset_by_email_and_signs_out_everywhere(open_page):
    email = "rosa@example.com"
    user = customer(email)
    laptop = open_page()  # signed in before the reset
    laptop.goto("/")
    sign_in(laptop, email, PASSWORD)
    expect(heading(laptop)).to_have_text("Your account")

    page = open_page()
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    expect(heading(page)).to_have_text("Reset your password")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(heading(page)).to_have_text("Check your inbox")
    expect(page.get_by_text("If an account uses the address you entered")).to_be_visible()

    link = email_link(email, "/account/password-reset/")
    page.goto(link)
    expect(heading(page)).to_have_text("Choose a new password")
    assert "set-password" in page.url  # the token left the address bar (no Referer leak)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(heading(page)).to_have_text("Password changed")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)

    # The reset signed in nobody: the old password fails, the new one works.
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your account")
    expect(nav(page).get_by_role("link", name=email)).to_be_visible()

    # The browser signed in before the reset is signed out.
    laptop.reload()
    expect(heading(laptop)).to_have_text("Sign in")
    expect_signed_out(laptop, email)

    # The link worked once.
    page.goto(link)
    expect(heading(page)).to_have_text("This link is not valid")
    expect(page.get_by_role("alert")).to_have_text(
        "This password reset link is invalid, expired or already used."
    )
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()


def test_verifying_the_address_brings_the_guest_orders_into_the_account(open_page):
    email = "noor@example.com"
    guest = open_page()
    number = place_order(guest, "honey", email=email)  # as a guest, before the account exists

    page = open_page()
    page.goto("/")
    sign_up(page, email, PASSWORD)
    expect(page.get_by_text(f"We sent an email to {email}.")).to_be_visible()
    expect_signed_out(page, email)
    sign_in(page, email, PASSWORD)
    expect(heading(page)).to_have_text("Your account")
    reminder = page.get_by_test_id("verify-reminder")
    expect(reminder).to_contain_text(f"Confirm your email address: we sent a link to {email}.")
    expect(reminder.get_by_role("button", name="Send it again")).to_be_visible()
    expect(page.get_by_test_id("email-state")).to_have_text("not confirmed yet")
    shot(page, "account-verify-reminder")

    # Typing an address at sign-up proves nothing: the guest order stays the guest's.
    page.get_by_role("link", name="Your orders").click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    assert Order.objects.get(number=number).user is None

    page.goto(email_link(email, "/account/verify/"))
    expect(heading(page)).to_have_text("Confirm your email address")
    expect(page.get_by_text(f"Confirm that {email} is your email address.")).to_be_visible()
    assert not User.objects.get(email=email).email_verified  # opening the link is not enough
    page.get_by_role("button", name=f"Confirm {email}").click()
    expect(heading(page)).to_have_text("Your account")
    expect(page.get_by_role("status")).to_contain_text(f"Thank you: {email} is confirmed.")
    expect(page.get_by_test_id("verify-reminder")).to_have_count(0)
    expect(page.get_by_test_id("email-state")).to_have_text("confirmed")

    page.get_by_role("link", name="Your orders").click()
    rows = page.locator(".order-history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    rows.first.get_by_role("link", name=number).click()
    expect(heading(page)).to_have_text(f"Order {number}")
    expect(page.get_by_test_id("verify-reminder")).to_have_count(0)
    order = Order.objects.get(number=number)
    assert order.user == User.objects.get(email=email)
    assert order.user.email_verified

    # The order is the account's now: the guest's browser no longer sees it.
    guest.guard.allow(rf"/orders/{number}/: Failed to load resource: .* 404")
    assert guest.goto(f"/orders/{number}/").status == 404


HOME = {"name": "Ines Duarte", "street": "1 Main Street", "city": "Springfield", "zip": "12345"}
HOME |= {"country": "US"}
OFFICE = {"name": "Ines Duarte", "street": "Hauptstraße 5", "city": "Berlin", "zip": "10115"}
OFFICE |= {"country": "DE"}


def two_addresses_the_second_default(page: Page, email: str):
    """Sign in, add HOME then OFFICE on the address book page, make OFFICE the default;
    returns the book's rows."""
    page.goto("/")
    sign_in(page, email, PASSWORD)
    page.get_by_role("link", name="Your addresses").click()
    expect(heading(page)).to_have_text("Your addresses")
    expect(page.get_by_text("Your address book is empty.")).to_be_visible()
    add_form = page.get_by_role("region", name="Add an address")
    for address in (HOME, OFFICE):
        add_form.get_by_label("Full name").fill(address["name"])
        add_form.get_by_label("Street and number").fill(address["street"])
        add_form.get_by_label("City").fill(address["city"])
        add_form.get_by_label("ZIP / postal code").fill(address["zip"])
        add_form.get_by_label("Country", exact=True).select_option(address["country"])
        add_form.get_by_role("button", name="Add address").click()
        expect(page.get_by_role("status")).to_have_text(
            "The address was added to your address book."
        )
    rows = page.get_by_test_id("address")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Springfield")  # the first address is the default
    expect(rows.nth(0).get_by_test_id("default")).to_have_text("Default address")
    expect(rows.nth(1).get_by_test_id("default")).to_have_count(0)

    rows.filter(has_text="Berlin").get_by_role("button", name="Make default").click()
    expect(page.get_by_role("status")).to_have_text("This is your default address now.")
    expect(rows.nth(0)).to_contain_text("Berlin")  # the default comes first
    expect(rows.nth(0).get_by_test_id("default")).to_be_visible()
    springfield = rows.filter(has_text="Springfield")
    expect(springfield.get_by_test_id("default")).to_have_count(0)
    expect(springfield.get_by_role("button", name="Make default")).to_be_visible()
    defaults = SavedAddress.objects.filter(user__email=email, is_default=True)
    assert list(defaults.values_list("city", flat=True)) == ["Berlin"]
    return rows


def ship_to(page: Page):
    """The checkout's saved-address radio group."""
    return page.get_by_role("group", name="Ship to")


def test_checkout_estimates_for_the_default_address_chosen_after_the_first(open_page):
    email = "ines@example.com"
    customer(email)
    page = open_page()
    two_addresses_the_second_default(page, email)
    add_to_cart(page, "croissant")
    page.goto("/orders/checkout/")
    expect(ship_to(page).get_by_role("radio", name=re.compile(r"^.*Berlin.*"))).to_be_checked()
    expect(page.get_by_test_id("destination")).to_have_text("For delivery to Germany.")
    methods = page.get_by_role("group", name="Shipping method").get_by_role("radio")
    expect(methods).to_have_count(2)  # Standard and Express deliver to Germany


def test_checkout_offers_the_saved_addresses_with_the_default_preselected(open_page):
    email = "ines@example.com"
    customer(email)
    page = open_page()
    rows = two_addresses_the_second_default(page, email)
    shot(page, "address-book")

    # At checkout the saved addresses are offered, the default preselected (its estimate:
    # test_checkout_estimates_for_the_default_address_chosen_after_the_first).
    add_to_cart(page, "croissant")
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    page.get_by_role("link", name="Check out").click()
    choices = ship_to(page).get_by_role("radio")
    expect(choices).to_have_count(3)
    expect(choices.nth(0)).to_have_accessible_name(
        "Ines Duarte, Hauptstraße 5, 10115 Berlin, Germany (default)"
    )
    expect(choices.nth(0)).to_be_checked()
    expect(choices.nth(1)).to_have_accessible_name(
        "Ines Duarte, 1 Main Street, 12345 Springfield, United States of America"
    )
    expect(choices.nth(2)).to_have_accessible_name("A new address")

    # The other saved address, priced for its country, is where the order goes.
    choices.nth(1).check()
    page.get_by_role("button", name="Update shipping and totals").click()
    expect(page.get_by_test_id("destination")).to_have_text(
        "For delivery to United States of America."
    )
    expect(choices.nth(1)).to_be_checked()
    shot(page, "checkout-saved-addresses")
    expect(page.get_by_role("radio", name=re.compile(r"^Pickup in store"))).to_be_visible()
    total = page.get_by_test_id("total").inner_text()
    page.get_by_role("button", name="Place order").click()
    number = page.get_by_test_id("order-number").inner_text()
    order = Order.objects.get(number=number)
    assert order.shipping_address == HOME
    assert order.email == email
    assert f"{order.total} {order.currency}" == total

    # A new address typed at checkout, saved to the book on request.
    add_to_cart(page, "bagel")
    page.goto("/orders/checkout/")
    page.get_by_role("radio", name="A new address").check()
    page.get_by_label("Save this address to my address book").check()
    fill_address(page)  # United Kingdom, then "Update shipping and totals"
    expect(page.get_by_role("radio", name="A new address")).to_be_checked()
    expect(page.get_by_label("Save this address to my address book")).to_be_checked()
    page.get_by_role("button", name="Place order").click()
    number = page.get_by_test_id("order-number").inner_text()
    expect(page.get_by_role("status")).to_contain_text(
        "The address was saved to your address book."
    )
    assert Order.objects.get(number=number).ship_street == ADDRESS["Street and number"]
    page.goto("/orders/addresses/")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=ADDRESS["Street and number"])).to_contain_text("United Kingdom")
    expect(rows.nth(0)).to_contain_text("Berlin")  # still the default
    assert SavedAddress.objects.filter(user__email=email).count() == 3


def test_download_the_data_then_delete_the_account(open_page):
    email = "yara@example.com"
    user = customer(email)
    page = open_page()
    page.goto("/")
    sign_in(page, email, PASSWORD)
    number = buy(page, "honey")  # to the helpers' address in the United Kingdom
    SavedAddress.objects.create(user=user, is_default=True, **HOME)
    order = Order.objects.get(number=number)

    page.get_by_role("link", name=email).click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download your data").click()
    download = info.value
    assert re.fullmatch(r"corner-shop-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads(Path(download.path()).read_text())
    assert data["account"]["email"] == email
    assert data["account"]["email_verified"] is True
    assert data["addresses"] == [{**HOME, "is_default": True}]
    [exported] = data["orders"]
    assert exported["number"] == number
    assert exported["status"] == "paid"
    assert exported["email"] == email
    assert exported["shipping_address"]["name"] == ADDRESS["Full name"]
    assert exported["total"] == str(order.total)  # amounts as exact decimal strings
    assert exported["amount_paid"] == str(order.total)

    page.get_by_role("link", name="Delete your account").click()
    expect(heading(page)).to_have_text("Delete your account")
    expect(page.get_by_text("Deleting your account cannot be undone.")).to_be_visible()
    shot(page, "account-delete")
    page.get_by_label("Your password").fill("not-my-password-1")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert User.objects.filter(email=email).exists()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your account is deleted and your personal data erased."
    )
    expect_signed_out(page, email)
    page.goto("/orders/")
    expect(page.get_by_text("No orders yet.")).to_be_visible()

    assert not User.objects.filter(email=email).exists()
    assert not SavedAddress.objects.filter(user_id=user.pk).exists()
    order.refresh_from_db()
    assert order.user is None
    assert order.email == f"deleted-{order.pk}@deleted.invalid"
    assert (order.ship_name, order.ship_street, order.ship_city, order.ship_zip) == (
        "",
        "deleted",
        "deleted",
        "deleted",
    )
    assert order.ship_country.code == "GB"
    assert order.status == "paid"
    assert order.amount_paid == order.total

    # The address is free again.
    page.goto("/")
    sign_up(page, email, PASSWORD)
    sign_in(page, email, PASSWORD)
    expect(heading(page)).to_have_text("Your account")
    page.get_by_role("link", name="Your orders").click()
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    assert not User.objects.get(email=email).orders.exists()
