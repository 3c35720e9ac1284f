"""The demo shop's shipping and tax, as issue 19 asks: what `make run` serves."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product
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
