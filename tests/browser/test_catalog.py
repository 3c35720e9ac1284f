"""Browsing the catalog: home, pages, categories, search, a product, the 404 page."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.browser.helpers import SHOTS, assert_images_loaded, money, shot, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_lists_the_demo_catalog_with_prices_and_images(page, settings):
    page.goto("/")
    expect(page).to_have_title("Products · Corner Shop")
    expect(page.get_by_role("heading", level=1)).to_have_text("All products")
    expect(page.get_by_text("26 products")).to_be_visible()
    cards = page.locator(".grid .card")
    expect(cards).to_have_count(min(26, settings.PAGE_SIZE))
    prices = {p.name: f"{p.price} USD" for p in Product.objects.filter(parent=None)}
    prices.update({"Coffee beans": "from 9.50 USD", "Shop T-shirt": "from 18.00 USD"})
    for card in cards.all():
        name = card.get_by_role("heading").inner_text()
        expect(card.locator(".price")).to_have_text(prices[name])
        expect(card.get_by_role("img", name=name)).to_have_attribute("alt", name)
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    assert_images_loaded(page)
    shot(page, "home")

    if settings.PAGE_SIZE < 26:
        page.get_by_role("link", name="Next").click()
        expect(page).to_have_url(re.compile(r"\?page=2$"))
        expect(cards).to_have_count(26 - settings.PAGE_SIZE)
        expect(page.get_by_text("Page 2 of 2")).to_be_visible()


def test_categories_and_search_narrow_the_list(page):
    page.goto("/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Bakery").click()
    expect(page).to_have_url(re.compile(r"\?category=bakery$"))
    expect(page.get_by_role("link", name="Bakery")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("6 products")).to_be_visible()
    expect(page.locator(".card-title")).to_have_count(6)
    assert set(page.locator(".card-title").all_inner_texts()) == {
        "Sourdough loaf",
        "Baguette",
        "Butter croissant",
        "Rye bread",
        "Blueberry muffin",
        "Sesame bagel",
    }

    search = page.get_by_role("searchbox", name="Search products")
    search.fill("coffee")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=coffee$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “coffee”")
    expect(page.get_by_text("2 products")).to_be_visible()
    assert set(page.locator(".card-title").all_inner_texts()) == {
        "Coffee beans",
        "Cold brew coffee",
    }
    expect(search).to_have_value("coffee")

    search.fill("zzz-nothing")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No products match.")).to_be_visible()
    expect(page.locator(".card")).to_have_count(0)


def test_product_page_shows_price_stock_image_and_a_keyboard_reachable_buy_button(page):
    page.goto("/?q=sourdough")
    page.get_by_role("link", name="Sourdough loaf").click()
    expect(page).to_have_url(re.compile(r"/products/sourdough/$"))
    expect(page).to_have_title("Sourdough loaf · Corner Shop")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sourdough loaf")
    assert money(page.locator(".product .price").inner_text()) == money("4.50 USD")
    expect(page.get_by_text("25 in stock")).to_be_visible()
    expect(page.get_by_text("Slow-fermented sourdough with a crackling crust.")).to_be_visible()
    expect(page.get_by_role("img", name="Sourdough loaf")).to_be_visible()
    assert_images_loaded(page)
    shot(page, "product")

    # Keyboard only: Tab to the quantity, type 2, Tab to "Add to cart", Enter.
    quantity = page.get_by_label("Quantity")
    tab_to(page, quantity)
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    add = page.get_by_role("button", name="Add to cart")
    tab_to(page, add)
    page.screenshot(path=SHOTS / "keyboard-focus-desktop.png")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Added 2 × Sourdough loaf to your cart.")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Bakery").click()
    expect(page).to_have_url(re.compile(r"\?category=bakery$"))


def test_unknown_product_is_a_friendly_404(page):
    page.guard.allow(r"/products/no-such-thing/: Failed to load resource: .* 404")
    response = page.goto("/products/no-such-thing/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn’t find that page")
    shot(page, "not-found")
    page.get_by_role("link", name="Back to the shop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All products")


def test_the_api_docs_linked_from_the_footer_render_without_console_errors(page):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="API").click()
    expect(page).to_have_url(re.compile(r"/api/docs$"))
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()  # the operations were fetched
