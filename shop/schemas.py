"""Input and output types shared by every API router (strict, as the contract says)."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from shop.money import parse_amount

MAX_ID = 2**31 - 1  # the same bound on SQLite and PostgreSQL

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Responses: Decimal money rendered as a JSON number.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float)]


def _amount(value):
    try:
        return parse_amount(value)
    except ValueError as err:
        raise PydanticCustomError(
            "invalid_amount", "Amount {problem}.", {"problem": str(err)}
        ) from err


# Requests: a positive amount, number or decimal string, at most 2 decimals.
Amount = Annotated[Decimal, BeforeValidator(_amount)]


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


def text(max_length: int, min_length: int = 1):
    """A strict string of bounded length with no NUL or control characters."""
    return Annotated[
        StrictStr,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_no_control_chars),
    ]


def _quantity(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("invalid_quantity", "Quantity must be a whole number.")
    return value


def quantity(low: int, high: int):
    """A strict integer quantity in [low, high]; errors carry the invalid_quantity code."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise PydanticCustomError(
                "invalid_quantity",
                "Quantity must be between {low} and {high}.",
                {"low": low, "high": high},
            )
        return value

    return Annotated[int, BeforeValidator(_quantity), AfterValidator(check)]


__all__ = ["Amount", "Id", "Money", "StrictInt", "quantity", "text"]
