"""Small helpers for the browser journeys: screenshots, money, keyboard, accessibility."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

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
            return
    raise AssertionError(f"{locator} is not reachable with Tab")
