"""Edges of the totals rule and of price() that mutation testing left open: compute()
refuses tax rates that do not pair up with the lines, pricing no lines still gives Decimal
cents, and a Priced answer names the destination it was priced for."""

from decimal import Decimal

import pytest

from pricing.selectors import Item, price
from pricing.totals import ZERO, compute
from tests.factories import ShippingMethodFactory, TaxRateFactory


@pytest.fixture
def net(db, settings):
    """The database, and prices that exclude tax."""
    settings.PRICES_INCLUDE_TAX = False
    return settings


@pytest.mark.parametrize(
    "rates",
    [[Decimal(19)], [Decimal(19), Decimal(7), Decimal(7)]],
    ids=["a rate short", "a rate too many"],
)
def test_compute_refuses_rates_that_do_not_pair_up_with_the_lines(rates):
    # Silently zipping to the shorter list would leave a line untaxed, or tax a phantom one.
    with pytest.raises(ValueError, match="zip"):
        compute(
            amounts=[Decimal("10.00"), Decimal("5.00")],
            rates=rates,
            discount=ZERO,
            shipping=ZERO,
            shipping_rate=ZERO,
            included=False,
        )


def test_pricing_no_items_gives_every_figure_in_decimal_cents(net):
    TaxRateFactory(country="FR", tax_class="standard", rate=Decimal(20))
    ShippingMethodFactory(price=Decimal("4.90"))

    totals = price(country="FR", items=[], discount=ZERO).totals

    # 4.90 × 20 % = 0.98; the lines come to a Decimal 0.00, not the integer 0
    figures = (totals.subtotal, totals.discount, totals.shipping, totals.shipping_tax)
    figures += (totals.tax, totals.total)
    assert all(isinstance(figure, Decimal) for figure in figures)
    assert [str(figure) for figure in figures] == ["0.00", "0.00", "4.90", "0.98", "0.98", "5.88"]
    assert totals.line_discounts == totals.line_taxes == ()


def test_priced_names_the_country_it_was_priced_for(net):
    TaxRateFactory(country="DE", tax_class="standard", rate=Decimal(19))
    TaxRateFactory(country="FR", tax_class="standard", rate=Decimal(20))
    ShippingMethodFactory(price=Decimal("4.90"))
    lines = [Item(Decimal("10.00"), "standard", 100)]

    germany = price(country="DE", items=lines, discount=ZERO)
    france = price(country="FR", items=lines, discount=ZERO)

    assert (germany.country, germany.rates) == ("DE", (Decimal(19),))
    assert (france.country, france.rates) == ("FR", (Decimal(20),))
