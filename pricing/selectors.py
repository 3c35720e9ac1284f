"""Pricing reads: the shipping methods serving a country, priced for a cart, and tax rates.

`price()` is what the cart, the checkout and the API use: two queries for the methods and
their bands, one for the destination's rates, whatever the number of lines or methods.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch

from catalog.models import TaxClass
from core.countries import country_name
from pricing.errors import ShippingUnavailable
from pricing.models import ShippingBand, ShippingMethod, TaxRate
from pricing.totals import ZERO, Totals, compute


@dataclass(frozen=True)
class Item:
    """What pricing needs of a line: its amount (price × quantity), tax class and weight."""

    amount: Decimal
    tax_class: str
    weight_grams: int  # of the whole line


@dataclass(frozen=True)
class ShippingOption:
    id: int
    name: str
    price: Decimal  # for this cart: 0 when it ships free
    free: bool  # free because the goods reach the method's threshold
    tax_class: str


@dataclass(frozen=True)
class Priced:
    """A cart's or order's figures for one destination."""

    country: str
    method: ShippingOption | None  # None: the shop has no shipping methods at all
    options: list[ShippingOption]  # every method serving this cart there, cheapest first
    rates: tuple[Decimal, ...]  # per item
    totals: Totals


def _price_for(method: ShippingMethod, goods: Decimal, weight: int) -> Decimal | None:
    """The method's price for goods (after discount) of a weight; None: too heavy for it
    (whatever the goods come to: free shipping never carries more than the bands do)."""
    bands = method.bands.all()
    if bands:
        price = next((band.price for band in bands if weight <= band.up_to_grams), None)
    else:
        price = method.price
    if price is not None and method.free_over is not None and goods >= method.free_over:
        return ZERO
    return price


def shipping_options(
    country: str, goods: Decimal, weight: int
) -> tuple[list[ShippingOption], bool]:
    """The active methods serving the country and this cart, cheapest first, and whether
    the shop has any active method at all."""
    methods = list(
        ShippingMethod.objects.filter(active=True).prefetch_related(
            Prefetch("bands", queryset=ShippingBand.objects.order_by("up_to_grams"))
        )
    )
    options = []
    for method in methods:
        if not method.serves(country):
            continue
        price = _price_for(method, goods, weight)
        if price is not None:
            free = price == ZERO and method.free_over is not None and goods >= method.free_over
            options.append(ShippingOption(method.id, method.name, price, free, method.tax_class))
    options.sort(key=lambda option: option.price)  # stable: the admin's order among equals
    return options, bool(methods)


def tax_rates(country: str) -> dict[str, Decimal]:
    """The country's rate per tax class, in percent (a class without a rate is untaxed)."""
    return dict(TaxRate.objects.filter(country=country).values_list("tax_class", "rate"))


def price(
    *, country: str, items: list[Item], discount: Decimal, method_id: int | None = None
) -> Priced:
    """Price items for a destination: shipping (the chosen method, else the cheapest
    serving it) and tax by the rule of pricing/totals.py.

    Raises ShippingUnavailable (400, naming `shipping_method` or the country) when the
    chosen method, or every method, does not deliver this cart there.
    """
    goods = sum((item.amount for item in items), ZERO) - discount
    weight = sum(item.weight_grams for item in items)
    options, any_method = shipping_options(country, goods, weight)
    method = None
    if method_id is not None:
        method = next((option for option in options if option.id == method_id), None)
        if method is None:
            raise ShippingUnavailable(
                f"That shipping method does not deliver this order to {country_name(country)}.",
                fields={"shipping_method": ["does not deliver this order to this country"]},
            )
    elif options:
        method = options[0]
    elif any_method:
        raise ShippingUnavailable(
            f"No shipping method delivers this order to {country_name(country)}.",
            fields={"shipping_address.country": ["no shipping method delivers here"]},
        )
    rates = tax_rates(country)
    item_rates = tuple(rates.get(item.tax_class, ZERO) for item in items)
    shipping_class = method.tax_class if method else TaxClass.STANDARD
    totals = compute(
        amounts=[item.amount for item in items],
        rates=list(item_rates),
        discount=discount,
        shipping=method.price if method else ZERO,
        shipping_rate=rates.get(shipping_class, ZERO),
        included=settings.PRICES_INCLUDE_TAX,
    )
    return Priced(country, method, options, item_rates, totals)
