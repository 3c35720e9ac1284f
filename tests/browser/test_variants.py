"""Products with options in the browser: the picker (without JavaScript), two variants of one
product in the cart, a sold-out variant, and the pictures' sizes."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.browser.helpers import assert_images_loaded, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def beans() -> tuple[Product, dict[tuple[str, str], Product]]:
    """The demo's coffee beans with options, and their variants by (size, grind)."""
    product = Product.objects.get(option2_name__gt="", option1_name="Size")
    variants = {(v.option1, v.option2): v for v in product.variants.all()}
    return product, variants


def choose(page, size: str, grind: str) -> None:
    page.get_by_label("Size").select_option(size)  # by value: the label may say "sold out"
    page.get_by_label("Grind").select_option(grind)
    page.get_by_role("button", name="Show this option").click()


def test_choose_two_variants_of_one_product_without_javascript(open_page):
    page = open_page(js=False)
    product, variants = beans()
    in_stock = [key for key, v in variants.items() if v.stock > 0]
    first, second = in_stock[0], in_stock[-1]
    page.goto("/")
    card = page.locator(".card", has=page.get_by_role("heading", name=product.name, exact=True))
    prices = {v.price or product.price for v in variants.values()}
    if len(prices) > 1:
        expect(card.locator(".price")).to_have_text(f"from {min(prices)} USD")
    card.get_by_role("link", name=re.compile("^Choose")).click()
    expect(page).to_have_url(re.compile(f"/products/{product.slug}/$"))

    choose(page, *second)
    chosen = variants[second]
    expect(page.locator(".price-lg")).to_have_text(f"{chosen.price or product.price} USD")
    expect(page.locator(".product-info p .stock.ok")).to_have_text(f"{chosen.stock} in stock")
    expect(page.get_by_label("Size")).to_have_value(second[0])
    shot(page, "variant-picker")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name=re.compile("^Add .* to cart$")).click()
    label = f"{product.name} ({second[0]}, {second[1]})"
    expect(page.get_by_role("status")).to_contain_text(f"Added 2 × {label} to your cart.")

    choose(page, *first)
    page.get_by_role("button", name=re.compile("^Add .* to cart$")).click()
    expect(page.get_by_test_id("cart-count")).to_have_text("3")

    page.goto("/cart/")
    rows = page.locator(".cart-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"Size: {second[0]} · Grind: {second[1]}")
    expect(rows.nth(1)).to_contain_text(f"Size: {first[0]} · Grind: {first[1]}")
    expect(rows.nth(0).get_by_label(f"Quantity of {label}")).to_have_value("2")
    assert_images_loaded(page)
    shot(page, "cart-variants")
    rows.nth(0).get_by_role("link", name=product.name).click()
    expect(page).to_have_url(re.compile(rf"\?variant={chosen.pk}$"))
    expect(page.get_by_label("Grind")).to_have_value(second[1])


def test_a_sold_out_variant_is_marked_and_cannot_be_added(page):
    product, variants = beans()
    sold_out = next(key for key, v in variants.items() if v.stock == 0)
    page.goto(f"/products/{product.slug}/")
    choose(page, *sold_out)
    expect(page.locator(".product-info .stock.out")).to_have_text("Sold out")
    expect(page.get_by_role("button", name=re.compile("^Add"))).to_have_count(0)
    grind = page.get_by_label("Grind")
    expect(grind.locator("option:checked")).to_have_text(f"{sold_out[1]} — sold out")
    shot(page, "variant-sold-out")


def test_pictures_come_in_the_size_shown_with_webp_and_no_layout_shift(page):
    page.goto("/")
    picture = page.locator(".card picture").first
    expect(picture.locator('source[type="image/webp"]')).to_have_count(1)
    img = picture.locator("img")
    width, height = int(img.get_attribute("width")), int(img.get_attribute("height"))
    assert 0 < width <= 240 and 0 < height <= 180
    assert " 1x" in img.get_attribute("srcset")
    assert_images_loaded(page)
    current = img.evaluate("(el) => el.currentSrc")
    assert current.endswith(".webp"), current  # Chromium takes WebP
    natural = img.evaluate("(el) => [el.naturalWidth, el.naturalHeight]")
    assert natural[0] <= 2 * 240  # a rendition, never the full-size upload
    shot(page, "pictures")
