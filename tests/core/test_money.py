"""core/money.py: amounts parsed at their limits, each refusal saying why, and rounding half up
to the cent. The API shows these messages as field errors."""

from decimal import Decimal

import pytest

from core.money import MAX_AMOUNT, parse_amount, to_cents


def test_the_largest_amount_itself_is_accepted_and_a_cent_more_is_not():
    assert parse_amount("99999999.99") == MAX_AMOUNT
    with pytest.raises(ValueError, match="^is too large$"):
        parse_amount("100000000.00")


def test_a_maximum_of_its_own_is_inclusive():
    assert parse_amount("100", places=3, maximum=Decimal("100")) == Decimal("100")
    with pytest.raises(ValueError, match="^is too large$"):
        parse_amount("100.001", places=3, maximum=Decimal("100"))


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (12, Decimal("12")),
        (12.5, Decimal("12.5")),
        (0.1, Decimal("0.1")),  # the float's shortest repr, not its binary expansion
        (Decimal("7.25"), Decimal("7.25")),
        (" +3.10 ", Decimal("3.10")),
    ],
)
def test_numbers_and_decimal_strings_are_read_exactly(value, amount):
    assert parse_amount(value) == amount


def test_zero_is_refused_unless_allowed_and_never_comes_back_negative():
    with pytest.raises(ValueError, match="^must be greater than zero$"):
        parse_amount("0")
    assert parse_amount("-0", zero=True).is_signed() is False
    with pytest.raises(ValueError, match="^must be 0 or more$"):
        parse_amount("-0.01", zero=True)
    with pytest.raises(ValueError, match="^must be greater than zero$"):
        parse_amount("-0.01")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a number or a decimal string"),
        (None, "must be a number or a decimal string"),
        ([1], "must be a number or a decimal string"),
        ("", "must be a plain decimal number like 19.99"),
        ("1e2", "must be a plain decimal number like 19.99"),
        ("X", "must be a plain decimal number like 19.99"),
        ("1.2.3", "must be a plain decimal number like 19.99"),
        ("--1", "must be a plain decimal number like 19.99"),
        (float("nan"), "must be a plain decimal number like 19.99"),
        (Decimal("Infinity"), "must be a plain decimal number like 19.99"),
        (Decimal("NaN"), "must be a plain decimal number like 19.99"),
        ("1.001", "must have at most 2 decimal places"),
    ],
)
def test_anything_else_is_refused_saying_why(value, message):
    with pytest.raises(ValueError) as caught:
        parse_amount(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "cents"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01")],
)
def test_rounding_is_half_up_to_the_cent(value, cents):
    assert to_cents(Decimal(value)) == Decimal(cents)
