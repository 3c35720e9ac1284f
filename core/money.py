"""Money: Decimal amounts in the currency's major unit, rounded in one place."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")  # what DecimalField(max_digits=10, decimal_places=2) holds


def to_cents(value: Decimal) -> Decimal:
    """Round to cents, half up: the shop's only rounding rule."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(
    value, *, zero: bool = False, places: int = 2, maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """An amount (default: positive, at most 2 decimals, at most MAX_AMOUNT) from a JSON
    number or decimal string; `zero` allows 0, `places` and `maximum` other bounds (a
    percentage: 3 places, at most 100).

    Raises ValueError for anything else (booleans, NaN, exponents, too many decimals, < 0).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError("must be a number or a decimal string")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if not text or any(c not in "0123456789.-+" for c in text):
        raise ValueError("must be a plain decimal number like 19.99")
    try:
        amount = Decimal(text)
    except InvalidOperation as err:
        raise ValueError("must be a plain decimal number like 19.99") from err
    if amount.as_tuple().exponent < -places:
        raise ValueError(f"must have at most {places} decimal places")
    if amount < 0 or (amount == 0 and not zero):
        raise ValueError("must be 0 or more" if zero else "must be greater than zero")
    if amount > maximum:
        raise ValueError("is too large")
    return abs(amount)  # never -0
