"""The totals rule (docs/PRICING.md) on hand-computed cases, and price() against the database.

Every expected figure below was worked out by hand from the rule, not by running the code.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import ShippingUnavailable
from pricing.selectors import Item, price
from pricing.totals import compute, split_discount, tax_of
from tests.factories import (
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    TaxRateFactory,
)


def D(value) -> Decimal:
    return Decimal(str(value))


def ds(*values) -> tuple[Decimal, ...]:
    return tuple(D(v) for v in values)


# id: (amounts, rates, discount, shipping, shipping rate, included)
#  →  (line discounts, line taxes, shipping tax, tax, total)
CASES = {
    # docs/PRICING.md's worked example: A 2 × 12.99 standard, B 3 × 4.50 reduced, 10 % off
    # 39.48 = 3.95, shipping 4.90 at DE standard 19 %.
    "worked example, prices exclude tax": (
        (ds("25.98", "13.50"), ds(19, 7), "3.95", "4.90", 19, False),
        (ds("2.60", "1.35"), ds("4.44", "0.85"), "0.93", "6.22", "46.65"),
    ),
    "worked example, prices include tax": (
        (ds("25.98", "13.50"), ds(19, 7), "3.95", "4.90", 19, True),
        (ds("2.60", "1.35"), ds("3.73", "0.79"), "0.78", "5.30", "40.43"),
    ),
    # 0.50 × 5 % = 0.025: half up gives 0.03 (half even would give 0.02).
    "exclusive tax exactly at .005 rounds up": (
        (ds("0.50"), ds(5), "0", "0", 0, False),
        (ds("0.00"), ds("0.03"), "0.00", "0.03", "0.53"),
    ),
    # 0.49 × 1 % = 0.0049 → 0.00
    "exclusive tax just under .005 rounds down": (
        (ds("0.49"), ds(1), "0", "0", 0, False),
        (ds("0.00"), ds("0.00"), "0.00", "0.00", "0.49"),
    ),
    # 2.41 × 100 / 200 = 1.205 → 1.21 (half even: 1.20)
    "inclusive tax exactly at .005 rounds up": (
        (ds("2.41"), ds(100), "0", "0", 0, True),
        (ds("0.00"), ds("1.21"), "0.00", "1.21", "2.41"),
    ),
    # 10.00 × 19 / 119 = 1.5966… → 1.60; the total is the price
    "inclusive standard rate": (
        (ds("10.00"), ds(19), "0", "0", 19, True),
        (ds("0.00"), ds("1.60"), "0.00", "1.60", "10.00"),
    ),
    # 0.03 × 19 % = 0.0057 → 0.01 per line: 0.02 (the sum's tax would be 0.0114 → 0.01)
    "tax is rounded per line, not on the sum": (
        (ds("0.03", "0.03"), ds(19, 19), "0", "0", 0, False),
        (ds("0.00", "0.00"), ds("0.01", "0.01"), "0.00", "0.02", "0.08"),
    ),
    # exact shares 0.333… each: floors 0.99, the cent left goes to the first (tie)
    "remainder cent to the earlier line on a tie": (
        (ds("1.00", "1.00", "1.00"), ds(0, 0, 0), "1.00", "0", 0, False),
        (ds("0.34", "0.33", "0.33"), ds("0.00", "0.00", "0.00"), "0.00", "0.00", "2.00"),
    ),
    # exact 0.0333… and 0.0666…: floors 0.03 + 0.06, the cent to the larger remainder
    "remainder cent to the largest remainder": (
        (ds("1.00", "2.00"), ds(0, 0), "0.10", "0", 0, False),
        (ds("0.03", "0.07"), ds("0.00", "0.00"), "0.00", "0.00", "2.90"),
    ),
    # exact 0.00666… each: floors 0, two cents left to the first two lines
    "two remainder cents": (
        (ds("1.00", "1.00", "1.00"), ds(0, 0, 0), "0.02", "0", 0, False),
        (ds("0.01", "0.01", "0.00"), ds("0.00", "0.00", "0.00"), "0.00", "0.00", "2.98"),
    ),
    # the one-cent share makes line 1 taxable on 9.99: 1.8981 → 1.90, as the others
    "a remainder cent lowers one line's taxable amount": (
        (ds("10.00", "10.00", "10.00"), ds(19, 19, 19), "0.01", "0", 0, False),
        (ds("0.01", "0.00", "0.00"), ds("1.90", "1.90", "1.90"), "0.00", "5.70", "35.69"),
    ),
    # exact 3.998 and 1.002: floors 3.99 + 1.00, the cent to line 1; no tax anywhere
    "zero rates": (
        (ds("19.99", "5.01"), ds(0, 0), "5.00", "3.00", 0, False),
        (ds("4.00", "1.00"), ds("0.00", "0.00"), "0.00", "0.00", "23.00"),
    ),
    # the lines cost nothing after the discount; shipping is not discounted: 4.90 + 0.931
    "100 % discount, prices exclude tax": (
        (ds("12.34", "5.66"), ds(19, 7), "18.00", "4.90", 19, False),
        (ds("12.34", "5.66"), ds("0.00", "0.00"), "0.93", "0.93", "5.83"),
    ),
    "100 % discount, prices include tax": (
        (ds("12.34", "5.66"), ds(19, 7), "18.00", "4.90", 19, True),
        (ds("12.34", "5.66"), ds("0.00", "0.00"), "0.78", "0.78", "4.90"),
    ),
    # 10.00 × 19 % = 1.90; shipping 5.00 × 7 % = 0.35
    "shipping taxed at its own (reduced) rate": (
        (ds("10.00"), ds(19), "0", "5.00", 7, False),
        (ds("0.00"), ds("1.90"), "0.35", "2.25", "17.25"),
    ),
    # 10.70 × 7 / 107 = 0.70; 3.21 × 7 / 107 = 0.21
    "reduced rate, prices include tax": (
        (ds("10.70"), ds(7), "0", "3.21", 7, True),
        (ds("0.00"), ds("0.70"), "0.21", "0.91", "13.91"),
    ),
    # shipping 0.50 × 5 % = 0.025 → 0.03
    "shipping tax exactly at .005 rounds up": (
        (ds("1.00"), ds(0), "0", "0.50", 5, False),
        (ds("0.00"), ds("0.00"), "0.03", "0.03", "1.53"),
    ),
    # 10.00 × 7.25 % = 0.725 → 0.73
    "fractional rate": (
        (ds("10.00"), ds("7.25"), "0", "0", 0, False),
        (ds("0.00"), ds("0.73"), "0.00", "0.73", "10.73"),
    ),
    # 40.00 × 19 % = 7.60, 15.00 × 7 % = 1.05, free shipping: no shipping tax
    "free shipping, standard and reduced lines": (
        (ds("40.00", "15.00"), ds(19, 7), "0", "0", 19, False),
        (ds("0.00", "0.00"), ds("7.60", "1.05"), "0.00", "8.65", "63.65"),
    ),
}


@pytest.mark.parametrize("given_, expected", CASES.values(), ids=CASES.keys())
def test_compute_matches_the_hand_computed_figures(given_, expected):
    amounts, rates, discount, shipping, shipping_rate, included = given_
    shares, line_taxes, shipping_tax, tax, total = expected

    totals = compute(
        amounts=list(amounts),
        rates=list(rates),
        discount=D(discount),
        shipping=D(shipping),
        shipping_rate=D(shipping_rate),
        included=included,
    )

    assert totals.line_discounts == shares
    assert totals.line_taxes == line_taxes
    assert totals.shipping_tax == D(shipping_tax)
    assert totals.tax == D(tax)
    assert totals.total == D(total)
    assert totals.subtotal == sum(amounts)
    assert (totals.discount, totals.shipping, totals.tax_included) == (
        D(discount),
        D(shipping),
        included,
    )
    # the figures every order keeps add up
    assert sum(shares) == D(discount)
    assert sum(line_taxes) + totals.shipping_tax == totals.tax
    extra = 0 if included else totals.tax
    assert totals.total == totals.subtotal - totals.discount + totals.shipping + extra


@pytest.mark.parametrize(
    "amount, rate, included, tax",
    [
        ("0.50", 5, False, "0.03"),  # 0.025
        ("0.49", 1, False, "0.00"),  # 0.0049
        ("0.70", 5, False, "0.04"),  # 0.035 (half even: 0.04 too)
        ("2.41", 100, True, "1.21"),  # 1.205
        ("119.00", 19, True, "19.00"),
        ("100.00", 0, True, "0.00"),
        ("0.00", 19, False, "0.00"),
    ],
)
def test_tax_of(amount, rate, included, tax):
    assert tax_of(D(amount), D(rate), included) == D(tax)


@pytest.mark.parametrize(
    "discount, amounts, shares",
    [
        ("0", ["1.00", "2.00"], ["0.00", "0.00"]),  # no discount
        ("1.00", ["0.00", "0.00"], ["0.00", "0.00"]),  # nothing to split over
        ("0.05", ["1.00"], ["0.05"]),
        ("0.01", ["1.00", "3.00"], ["0.00", "0.01"]),  # 0.0025 / 0.0075
        ("2.00", ["1.00", "1.00", "1.00"], ["0.67", "0.67", "0.66"]),
    ],
)
def test_split_discount(discount, amounts, shares):
    assert split_discount(D(discount), [D(a) for a in amounts]) == [D(s) for s in shares]


cents = st.integers(0, 10_000_00).map(lambda n: Decimal(n).scaleb(-2))


@given(amounts=st.lists(cents, min_size=1, max_size=6), data=st.data())
def test_split_discount_adds_up_and_stays_within_a_cent_of_the_exact_share(amounts, data):
    subtotal = sum(amounts)
    discount = data.draw(st.integers(0, int(subtotal * 100)).map(lambda n: Decimal(n).scaleb(-2)))
    shares = split_discount(discount, amounts)
    assert sum(shares) == discount or subtotal == 0
    for amount, share in zip(amounts, shares, strict=True):
        exact = amount * discount / subtotal if subtotal else 0
        assert 0 <= share <= amount
        assert abs(share - exact) < Decimal("0.01")


# --- price(): methods, bands, thresholds and rates from the database -------------------------


@pytest.fixture
def net(db, settings):
    """The database, and prices that exclude tax."""
    settings.PRICES_INCLUDE_TAX = False
    return settings


def items(*specs) -> list[Item]:
    """Items from (amount, tax class, grams) triples."""
    return [Item(D(amount), tax_class, grams) for amount, tax_class, grams in specs]


@pytest.mark.django_db
@pytest.mark.parametrize("included", [False, True])
def test_the_worked_example_through_the_database(settings, included):
    settings.PRICES_INCLUDE_TAX = included
    TaxRateFactory(country="DE", tax_class="standard", rate=D(19))
    TaxRateFactory(country="DE", tax_class="reduced", rate=D(7))
    TaxRateFactory(country="FR", tax_class="standard", rate=D(20))  # another country's
    method = ShippingMethodFactory(name="Standard", price=D("4.90"), free_over=D("50.00"))
    a = ProductFactory(price=D("12.99"), tax_class="standard")
    b = ProductFactory(price=D("4.50"), tax_class="reduced")
    lines = [(a.price * 2, a.tax_class, 0), (b.price * 3, b.tax_class, 0)]

    priced = price(country="DE", items=items(*lines), discount=D("3.95"))

    assert priced.method.id == method.id and not priced.method.free
    assert priced.rates == ds(19, 7)
    expected = CASES[f"worked example, prices {'include' if included else 'exclude'} tax"]
    assert priced.totals == compute(
        amounts=list(expected[0][0]),
        rates=list(expected[0][1]),
        discount=D("3.95"),
        shipping=D("4.90"),
        shipping_rate=D(19),
        included=included,
    )
    assert priced.totals.total == D(expected[1][4])


@pytest.fixture
def banded(db):
    """A method priced by weight: ≤ 1000 g 5.00, ≤ 2000 g 8.00, heavier: not served."""
    method = ShippingMethodFactory(name="Parcel", price=D("99.00"))
    ShippingBandFactory(method=method, up_to_grams=2000, price=D("8.00"))
    ShippingBandFactory(method=method, up_to_grams=1000, price=D("5.00"))
    return method


@pytest.mark.parametrize(
    "grams, shipping", [(0, "5.00"), (1000, "5.00"), (1001, "8.00"), (2000, "8.00")]
)
def test_weight_bands_include_their_upper_bound(net, banded, grams, shipping):
    priced = price(country="DE", items=items(("10.00", "standard", grams)), discount=D(0))
    assert priced.method.id == banded.id
    assert priced.totals.shipping == D(shipping)


def test_one_gram_over_the_heaviest_band_is_not_served(net, banded):
    heavy = items(("10.00", "standard", 1000), ("10.00", "standard", 1001))
    with pytest.raises(ShippingUnavailable) as err:
        price(country="DE", items=heavy, discount=D(0))
    assert list(err.value.fields) == ["shipping_address.country"]
    with pytest.raises(ShippingUnavailable) as err:
        price(country="DE", items=heavy, discount=D(0), method_id=banded.id)
    assert list(err.value.fields) == ["shipping_method"]


def test_a_method_without_bands_serves_any_weight_beside_a_banded_one(net, banded):
    flat = ShippingMethodFactory(name="Freight", price=D("30.00"))
    light = price(country="DE", items=items(("1.00", "standard", 10)), discount=D(0))
    heavy = price(country="DE", items=items(("1.00", "standard", 10**6)), discount=D(0))
    assert [o.id for o in light.options] == [banded.id, flat.id]
    assert [o.id for o in heavy.options] == [flat.id]
    assert heavy.totals.shipping == D("30.00")


@pytest.mark.parametrize(
    "amount, discount, free",
    [
        ("50.00", "0", True),  # exactly met
        ("49.99", "0", False),  # one cent under
        ("60.00", "10.00", True),  # after the discount: exactly 50.00
        ("60.00", "10.01", False),  # after the discount: 49.99
    ],
)
def test_free_over_compares_the_goods_after_the_discount(net, amount, discount, free):
    TaxRateFactory(country="DE", tax_class="standard", rate=D(19))
    method = ShippingMethodFactory(price=D("4.90"), free_over=D("50.00"))
    priced = price(country="DE", items=items((amount, "standard", 0)), discount=D(discount))
    assert priced.method.id == method.id
    assert priced.method.free is free
    shipping = D(0) if free else D("4.90")
    assert priced.totals.shipping == priced.method.price == shipping
    assert priced.totals.shipping_tax == (D(0) if free else D("0.93"))


def test_free_shipping_also_applies_to_a_banded_method(net, banded):
    banded.free_over = D("20.00")
    banded.save()
    priced = price(country="DE", items=items(("20.00", "standard", 1500)), discount=D(0))
    assert (priced.totals.shipping, priced.method.free) == (D(0), True)


def test_a_method_not_serving_the_country_is_not_offered(net):
    germany = ShippingMethodFactory(
        name="DE only", price=D("1.00"), all_countries=False, countries=["DE"]
    )
    world = ShippingMethodFactory(name="World", price=D("9.00"))
    cart = items(("5.00", "standard", 0))
    at_home = price(country="DE", items=cart, discount=D(0))
    assert [o.id for o in at_home.options] == [germany.id, world.id]
    priced = price(country="FR", items=cart, discount=D(0))
    assert [o.id for o in priced.options] == [world.id]
    assert priced.totals.shipping == D("9.00")
    with pytest.raises(ShippingUnavailable) as err:
        price(country="FR", items=cart, discount=D(0), method_id=germany.id)
    assert list(err.value.fields) == ["shipping_method"]


def test_no_method_serving_the_country_names_the_country(net):
    ShippingMethodFactory(all_countries=False, countries=["DE"])
    with pytest.raises(ShippingUnavailable) as err:
        price(country="US", items=items(("5.00", "standard", 0)), discount=D(0))
    assert list(err.value.fields) == ["shipping_address.country"]


def test_an_unknown_method_id_is_unavailable(net):
    ShippingMethodFactory()
    with pytest.raises(ShippingUnavailable) as err:
        price(country="DE", items=items(("5.00", "standard", 0)), discount=D(0), method_id=10**6)
    assert list(err.value.fields) == ["shipping_method"]


def test_a_shop_without_shipping_methods_charges_no_shipping(net):
    TaxRateFactory(country="DE", tax_class="standard", rate=D(19))
    priced = price(country="DE", items=items(("10.00", "standard", 5000)), discount=D(0))
    assert priced.method is None and priced.options == []
    assert (priced.totals.shipping, priced.totals.shipping_tax) == (D(0), D(0))
    assert (priced.totals.tax, priced.totals.total) == (D("1.90"), D("11.90"))


def test_inactive_methods_are_ignored(net):
    inactive = ShippingMethodFactory(name="Old", price=D("0.50"), active=False)
    active = ShippingMethodFactory(name="Current", price=D("6.00"))
    cart = items(("10.00", "standard", 0))
    priced = price(country="DE", items=cart, discount=D(0))
    assert [o.id for o in priced.options] == [active.id]
    with pytest.raises(ShippingUnavailable):
        price(country="DE", items=cart, discount=D(0), method_id=inactive.id)


def test_only_inactive_methods_is_a_shop_without_shipping(net):
    ShippingMethodFactory(active=False)
    priced = price(country="DE", items=items(("10.00", "standard", 0)), discount=D(0))
    assert priced.method is None and priced.totals.shipping == D(0)


def test_the_cheapest_method_is_preselected_and_a_chosen_one_wins(net):
    express = ShippingMethodFactory(name="Express", price=D("12.00"), position=0)
    slow = ShippingMethodFactory(name="Slow", price=D("3.00"), position=2)
    banded = ShippingMethodFactory(name="Banded", price=D("1.00"), position=1)
    ShippingBandFactory(method=banded, up_to_grams=500, price=D("7.00"))
    priced = price(country="DE", items=items(("10.00", "standard", 100)), discount=D(0))
    assert [(o.id, o.price) for o in priced.options] == [
        (slow.id, D("3.00")),
        (banded.id, D("7.00")),  # the band's price, not the method's
        (express.id, D("12.00")),
    ]
    assert priced.method.id == slow.id
    chosen = price(
        country="DE", items=items(("10.00", "standard", 100)), discount=D(0), method_id=express.id
    )
    assert (chosen.method.id, chosen.totals.shipping) == (express.id, D("12.00"))


def test_rates_per_country_and_class_and_shipping_at_its_class(net):
    TaxRateFactory(country="DE", tax_class="standard", rate=D(19))
    TaxRateFactory(country="DE", tax_class="reduced", rate=D(7))
    ShippingMethodFactory(price=D("5.00"), tax_class="reduced")
    lines = items(("10.00", "standard", 0), ("10.00", "reduced", 0), ("10.00", "zero", 0))

    germany = price(country="DE", items=lines, discount=D(0))
    assert germany.rates == ds(19, 7, 0)  # no rate for the zero class: 0 %
    assert germany.totals.line_taxes == ds("1.90", "0.70", "0.00")
    assert germany.totals.shipping_tax == D("0.35")  # 5.00 at the reduced 7 %
    assert germany.totals.total == D("30.00") + D("5.00") + D("2.95")

    nowhere = price(country="US", items=lines, discount=D(0))  # no rates at all
    assert nowhere.rates == ds(0, 0, 0)
    assert (nowhere.totals.tax, nowhere.totals.total) == (D(0), D("35.00"))


def test_free_shipping_never_carries_more_than_the_heaviest_band(net, banded):
    banded.free_over = D("10.00")
    banded.save()
    light = price(country="DE", items=items(("20.00", "standard", 900)), discount=D(0))
    assert (light.method.id, light.method.free, light.totals.shipping) == (banded.id, True, D(0))
    heavy = items(("20.00", "standard", 2001))
    with pytest.raises(ShippingUnavailable):
        price(country="DE", items=heavy, discount=D(0), method_id=banded.id)
