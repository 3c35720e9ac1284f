"""The demo shop's shipping and tax (issue 19), products with options and their drawn
pictures (issue 21): what `make run` serves."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from catalog.models import Product, ProductImage
from pricing.models import ShippingMethod, TaxRate
from pricing.selectors import Item, price


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


def test_the_demo_ships_standard_express_and_pickup(demo):
    methods = {
        m.name: (m.price, m.free_over, m.all_countries, sorted(c.code for c in m.countries))
        for m in ShippingMethod.objects.all()
    }
    assert methods == {
        "Standard": (Decimal("4.90"), Decimal("50.00"), True, []),
        "Express": (Decimal("9.90"), None, False, ["DE", "GB", "US"]),
        "Pickup in store": (Decimal("0.00"), None, False, ["US"]),
    }


def test_the_demo_taxes_us_gb_and_de_with_food_reduced(demo):
    rates = {(r.country.code, r.tax_class): r.rate for r in TaxRate.objects.all()}
    assert rates == {
        ("US", "standard"): Decimal("7.25"),
        ("US", "reduced"): Decimal("7.25"),
        ("GB", "standard"): Decimal("20"),
        ("DE", "standard"): Decimal("19"),
        ("DE", "reduced"): Decimal("7"),
    }
    assert Product.objects.get(sku="sourdough").tax_class == "reduced"
    assert Product.objects.get(sku="lemonade").tax_class == "standard"
    assert Product.objects.filter(weight_grams=0).count() == 0


def test_a_demo_cart_in_the_us_picks_pickup_and_adds_tax(demo, settings):
    settings.PRICES_INCLUDE_TAX = False
    bread = Product.objects.get(sku="sourdough")
    priced = price(
        country="US", items=[Item(bread.price * 2, bread.tax_class, 1600)], discount=Decimal(0)
    )
    assert [o.name for o in priced.options] == ["Pickup in store", "Standard", "Express"]
    assert priced.method.name == "Pickup in store"
    assert (priced.totals.tax, priced.totals.total) == (Decimal("0.65"), Decimal("9.65"))


def test_loading_the_demo_twice_adds_no_methods_or_rates(demo):
    counts = ShippingMethod.objects.count(), TaxRate.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert (ShippingMethod.objects.count(), TaxRate.objects.count()) == counts == (3, 5)


def variants_of(sku: str) -> dict[tuple[str, ...], tuple]:
    product = Product.objects.get(sku=sku)
    return {
        tuple(v.option_values): (v.sku, v.price, v.stock, v.weight_grams, v.tax_class, v.active)
        for v in product.variants.all()
    }


def test_the_demo_sells_coffee_beans_by_size_and_grind_with_one_sold_out(demo):
    coffee = Product.objects.get(sku="coffee-beans")
    assert (coffee.name, coffee.category.slug, coffee.price) == (
        "Coffee beans",
        "pantry",
        Decimal("9.50"),
    )
    assert coffee.option_names == ["Size", "Grind"] and coffee.parent is None
    d = Decimal
    assert variants_of("coffee-beans") == {
        ("250 g", "Whole beans"): ("coffee-beans-250-whole", None, 30, 250, "reduced", True),
        ("250 g", "Ground"): ("coffee-beans-250-ground", None, 25, 250, "reduced", True),
        ("1 kg", "Whole beans"): ("coffee-beans-1kg-whole", d("32.00"), 12, 1000, "reduced", True),
        ("1 kg", "Ground"): ("coffee-beans-1kg-ground", d("32.00"), 0, 1000, "reduced", True),
    }


def test_the_demo_sells_a_t_shirt_by_size_alone_with_one_sold_out(demo):
    shirt = Product.objects.get(sku="shop-t-shirt")
    assert (shirt.category.slug, shirt.tax_class, shirt.option_names) == (
        "merch",
        "standard",
        ["Size"],
    )
    found = variants_of("shop-t-shirt")
    assert sorted(found) == [("L",), ("M",), ("S",), ("XL",)]
    assert [size for size, row in found.items() if row[2] == 0] == [("L",)]
    assert found[("XL",)][1] == Decimal("20.00") and found[("S",)][1] is None


def test_every_demo_product_has_drawn_pictures_with_renditions(demo):
    products = Product.objects.filter(parent=None)
    assert products.count() == 26
    for product in products:
        pictures = list(product.images.all())
        assert len(pictures) == (2 if product.has_options else 1), product.sku
        for picture in pictures:
            assert picture.alt and (picture.width, picture.height) == (960, 720)
            assert set(picture.renditions) == {"card", "product", "cart", "admin"}
            assert not picture.file.name.endswith(".svg")
    [apple] = Product.objects.get(sku="apple").images.all()
    with default_storage.open(apple.file.name) as file:
        assert Image.open(file).format == "JPEG"
    assert not ProductImage.objects.filter(file__endswith=".svg").exists()


def test_some_demo_variants_show_their_own_picture_of_their_product(demo):
    own = {v.sku: v.picture for v in Product.objects.filter(picture__isnull=False)}
    assert sorted(own) == [
        "coffee-beans-1kg-ground",
        "coffee-beans-1kg-whole",
        "coffee-beans-250-ground",
        "coffee-beans-250-whole",
        "shop-t-shirt-xl",
    ]
    coffee = list(Product.objects.get(sku="coffee-beans").images.all())
    assert (
        own["coffee-beans-250-ground"] == coffee[1] and own["coffee-beans-1kg-whole"] == coffee[0]
    )
    assert own["shop-t-shirt-xl"].product.sku == "shop-t-shirt"
    assert own["shop-t-shirt-xl"].alt == "The blue shop T-shirt in size XL"


def test_loading_the_demo_twice_creates_no_products_pictures_or_files(demo, settings):
    def files():
        return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())

    before = list(Product.objects.values_list("sku", "stock", "picture")), files()
    assert ProductImage.objects.count() == 24 + 2 * 2
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert (list(Product.objects.values_list("sku", "stock", "picture")), files()) == before
    assert ProductImage.objects.count() == 28
