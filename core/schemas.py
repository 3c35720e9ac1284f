"""Input and output types shared by every API router (strict, as the contract says)."""

from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from core.countries import country_problem
from core.errors import ShopError
from core.money import MAX_AMOUNT, parse_amount
from core.text import LINE_PATTERN, MULTILINE_PATTERN, has_control_chars
from core.text import MESSAGE as CONTROL_MESSAGE

MAX_ID = 2**31 - 1  # the same bound on SQLite and PostgreSQL

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Responses: Decimal money rendered as a JSON number.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float)]


def _parsed(**bounds):
    def parse(value):
        try:
            return parse_amount(value, **bounds)
        except ValueError as err:
            raise PydanticCustomError(
                "invalid_amount", "Amount {problem}.", {"problem": str(err)}
            ) from err

    return parse


def _amount_type(description: str, minimum: dict, pattern: str, maximum=MAX_AMOUNT, **bounds):
    return Annotated[
        Decimal,
        BeforeValidator(_parsed(maximum=maximum, **bounds)),
        WithJsonSchema(
            {
                "description": description,
                "anyOf": [
                    {"type": "number", **minimum, "maximum": float(maximum)},
                    {"type": "string", "pattern": pattern},
                ],
            }
        ),
    ]


# Requests: a positive amount, number or decimal string, at most 2 decimals.
Amount = _amount_type(
    'A positive amount with at most 2 decimals, e.g. 19.99 or "19.99".',
    {"exclusiveMinimum": 0},
    r"^[0-9]{1,8}(\.[0-9]{1,2})?$",
)
# Requests: a price or total that may be 0 (pickup in store, an order fully discounted).
Price = _amount_type(
    'An amount of 0 or more with at most 2 decimals, e.g. 4.90, 0 or "4.90".',
    {"minimum": 0},
    r"^[0-9]{1,8}(\.[0-9]{1,2})?$",
    zero=True,
)
# Requests: a tax rate in percent.
Percent = _amount_type(
    'Percent, 0 to 100, at most 3 decimals, e.g. 19 or "7.25".',
    {"minimum": 0},
    r"^[0-9]{1,3}(\.[0-9]{1,3})?$",
    maximum=Decimal(100),
    zero=True,
    places=3,
)


def _country(value: str) -> str:
    if problem := country_problem(value):
        raise ValueError(problem)
    return value.upper()


# Requests: an ISO 3166-1 alpha-2 country code, any case (stored in upper case).
Country = Annotated[
    StrictStr,
    AfterValidator(_country),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2"}
    ),
]


# What text() refuses: C0 and C1 controls (NUL included), DEL (core/text.py), and lone
# UTF-16 surrogates (which neither PostgreSQL nor SQLite can store). multiline_text() allows
# tabs and line breaks too.
def _checked(value: str, *, multiline: bool) -> str:
    if has_control_chars(value, multiline=multiline):
        raise ValueError(CONTROL_MESSAGE)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _line(value: str) -> str:
    return _checked(value, multiline=False)


def _multiline(value: str) -> str:
    return _checked(value, multiline=True)


def text(max_length: int, min_length: int = 1):
    """A strict string of bounded length with no NUL or control characters."""
    return Annotated[
        StrictStr,
        Field(
            min_length=min_length,
            max_length=max_length,
            json_schema_extra={"pattern": LINE_PATTERN},
        ),
        AfterValidator(_line),
    ]


def multiline_text(max_length: int, min_length: int = 0):
    """Like text(), but tabs and line breaks (\\n, \\r\\n) are allowed: a description."""
    return Annotated[
        StrictStr,
        Field(
            min_length=min_length,
            max_length=max_length,
            json_schema_extra={"pattern": MULTILINE_PATTERN},
        ),
        AfterValidator(_multiline),
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

    return Annotated[
        int,
        BeforeValidator(_quantity),
        AfterValidator(check),
        Field(json_schema_extra={"minimum": low, "maximum": high}),
    ]


__all__ = [
    "Amount",
    "Country",
    "Id",
    "Money",
    "Percent",
    "Price",
    "StrictInt",
    "multiline_text",
    "quantity",
    "text",
]


def patch_changes(body: BaseModel, nullable: tuple[str, ...] = ()) -> dict:
    """The fields a PATCH sent; a null is a 400 except for the `nullable` ones (where null
    means something, such as "no price of its own")."""
    changes = body.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None and name not in nullable]
    if nulls:
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={name: ["must not be null"] for name in nulls},
        )
    return changes
