"""The totals rule: discount split over the lines, tax per line, shipping and its tax.

Pure arithmetic on Decimal cents, written down with a worked example in docs/PRICING.md:

- The discount is split over the lines in proportion to their amounts; each share is
  rounded down to the cent and the cents left over go one each to the lines with the
  largest remainders (ties: the earlier line), so the shares add up to the discount.
- A line's taxable amount is its amount minus its share of the discount.
- Each line's tax is rounded half up to the cent (core.money.to_cents): amount × rate / 100
  when prices exclude tax, amount × rate / (100 + rate) when they include it.
- Shipping is not discounted; its tax is computed the same way at its own rate.
- total = subtotal − discount + shipping, plus the tax when prices exclude it (when they
  include it, the tax is the part of the total that is tax).
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from core.money import CENT, to_cents

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    shipping_tax: Decimal
    tax: Decimal  # the lines' tax and the shipping's
    total: Decimal
    tax_included: bool
    line_discounts: tuple[Decimal, ...]
    line_taxes: tuple[Decimal, ...]


def split_discount(discount: Decimal, amounts: list[Decimal]) -> list[Decimal]:
    """Shares of the discount in proportion to the amounts, adding up to it exactly."""
    subtotal = sum(amounts, ZERO)
    if not discount or not subtotal:
        return [ZERO] * len(amounts)
    exact = [amount * discount / subtotal for amount in amounts]
    shares = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    left = int((discount - sum(shares, ZERO)) / CENT)
    by_remainder = sorted(range(len(amounts)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:left]:
        shares[i] += CENT
    return shares


def tax_of(amount: Decimal, rate: Decimal, included: bool) -> Decimal:
    """The tax in (included) or on (excluded) an amount at a rate in percent, to the cent."""
    if included:
        return to_cents(amount * rate / (HUNDRED + rate))
    return to_cents(amount * rate / HUNDRED)


def compute(
    *,
    amounts: list[Decimal],
    rates: list[Decimal],
    discount: Decimal,
    shipping: Decimal,
    shipping_rate: Decimal,
    included: bool,
) -> Totals:
    """The order's figures from its line amounts (price × quantity), their tax rates in
    percent, the discount, the shipping price and its rate."""
    subtotal = sum(amounts, ZERO)
    shares = split_discount(discount, amounts)
    line_taxes = [
        tax_of(amount - share, rate, included)
        for amount, share, rate in zip(amounts, shares, rates, strict=True)
    ]
    shipping_tax = tax_of(shipping, shipping_rate, included)
    tax = sum(line_taxes, ZERO) + shipping_tax
    total = subtotal - discount + shipping + (ZERO if included else tax)
    return Totals(
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=tax,
        total=total,
        tax_included=included,
        line_discounts=tuple(shares),
        line_taxes=tuple(line_taxes),
    )
