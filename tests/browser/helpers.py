"""Small helpers for the browser journeys: screenshots, money, keyboard, accessibility, and the
shopper's common steps (cart rows, the address form, the card form, a quick paid order, sign
in and sign up, the link in an account email)."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from outbox.models import Email
from tests.browser.conftest import DESKTOP, GUARDS_JS, PHONE

SHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def shot(page: Page, name: str) -> None:
    """Save full-page screenshots of the current page at desktop and phone widths."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.evaluate("() => { for (const img of document.images) img.loading = 'eager'; }")
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
        page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    page.set_viewport_size(size)


def money(text: str) -> Decimal:
    """'12.50 USD' or '−1.25 USD' as a Decimal."""
    number = text.replace("−", "-").split()[0]
    return Decimal(number)


def assert_accessible(page: Page) -> None:
    """The guards.js checks, from Python (they also run by themselves when JS is on)."""
    problems = page.evaluate(GUARDS_JS)
    assert not problems, f"{page.url}: {problems}"


def assert_images_loaded(page: Page) -> None:
    """Every <img> on the page decoded (a broken product image fails)."""
    page.evaluate("() => { for (const img of document.images) img.loading = 'eager'; }")
    page.wait_for_function("() => [...document.images].every((img) => img.complete)")
    broken = page.evaluate(
        "() => [...document.images].filter((img) => img.naturalWidth === 0).map((i) => i.src)"
    )
    assert not broken, f"broken images: {broken}"


def tab_to(page: Page, locator, limit: int = 60) -> None:
    """Press Tab until `locator` has the keyboard focus (fails after `limit` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("(el) => el === document.activeElement"):
            expect(locator).to_be_focused()
            ring = locator.evaluate(
                "(el) => { const s = getComputedStyle(el);"
                " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }"
            )
            assert ring, f"{locator} has no visible focus indicator"
            return
    raise AssertionError(f"{locator} is not reachable with Tab")


ADDRESS = {
    "Full name": "Ada Lovelace",
    "Street and number": "12 Analytical Row",
    "City": "London",
    "ZIP / postal code": "N1 9GU",
}
COUNTRY = "GB"  # the address's country, chosen by its 2-letter code from the "Country" list
COUNTRY_NAMES = {"GB": "United Kingdom", "US": "United States of America", "DE": "Germany"}


def cart_row(page: Page, name: str):
    """The cart table's row of the product called `name`."""
    return page.locator(".cart-table tbody tr").filter(has=page.get_by_role("link", name=name))


def fill_address(
    page: Page, *, email: str | None = None, country: str = COUNTRY, refresh: bool = True
) -> None:
    """Fill the checkout's address (and email), choose the country and, with `refresh`, press
    "Update shipping and totals" so that the next "Place order" places the order at the
    figures shown for that destination."""
    for label, value in ADDRESS.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Country", exact=True).select_option(country)
    if email is not None:
        page.get_by_label("Email", exact=True).fill(email)
    if refresh:
        page.get_by_role("button", name="Update shipping and totals").click()
        expect(page.get_by_test_id("destination")).to_contain_text(
            f"For delivery to {COUNTRY_NAMES[country]}."
        )


def pay_with_card(page: Page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill(str(date.today().year + 2))
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def place_order(page: Page, slug: str, *, quantity: int = 1, email: str | None = None) -> str:
    """Add a product, check out (as a guest if `email`) and return the new order's number."""
    page.goto(f"/products/{slug}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("to your cart")
    page.goto("/orders/checkout/")
    fill_address(page, email=email)
    page.get_by_role("button", name="Place order").click()
    return page.get_by_test_id("order-number").inner_text()


def buy(page: Page, slug: str, *, quantity: int = 1, email: str | None = None) -> str:
    """place_order, then pay with the good test card; returns the paid order's number."""
    number = place_order(page, slug, quantity=quantity, email=email)
    page.goto(f"/orders/{number}/pay/")
    pay_with_card(page, "4242424242424242")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    return number


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in from the header's "Sign in" link (the account page follows on success)."""
    page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_up(page: Page, email: str, password: str) -> None:
    """Create an account from the header's "Sign up" link, up to the "Check your inbox" page."""
    page.get_by_role("navigation").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")


def email_link(to: str, path: str) -> str:
    """The path of the link starting with `path` in the newest outbox email to `to` that has
    one (links are built from SITE_URL, not the live server's address; its path is opened)."""
    link = re.compile(re.escape(settings.SITE_URL + path) + r"\S*")
    for email in Email.objects.filter(to=to).order_by("-pk"):
        if found := link.search(email.text_body):
            assert found.group(0) in email.html_body, "the HTML part links elsewhere"
            return found.group(0).removeprefix(settings.SITE_URL)
    raise AssertionError(f"no email to {to} links {path}")
