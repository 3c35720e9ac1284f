"""Shipping addresses: the contract's text limits and ISO 3166 countries, checked in one place."""

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.countries import country_problem
from core.errors import ShopError
from core.text import MESSAGE as CONTROL_CHARS
from core.text import has_control_chars

LIMITS = {"name": 100, "street": 200, "city": 100, "zip": 20}
EMAIL_MAX = 254
REASON_MAX = 500


def text_problem(value: str, max_length: int, *, required: bool = True) -> str | None:
    """What is wrong with a stripped text value, or None."""
    if has_control_chars(value):
        return CONTROL_CHARS
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    if required and not value:
        return "must not be blank"
    return None


def email_problem(value: str) -> str | None:
    """What is wrong with an email address, or None."""
    problem = text_problem(value, EMAIL_MAX)
    if problem:
        return problem
    try:
        validate_email(value)
    except ValidationError:
        return "must be a valid email address"
    return None


@dataclass(frozen=True)
class Address:
    """A shipping address; build it with `Address.clean(...)` to get it checked and normalized."""

    street: str
    city: str
    zip: str
    country: str
    name: str = ""

    @classmethod
    def clean(cls, *, street: str, city: str, zip: str, country: str, name: str = "") -> "Address":
        """Strip and check every field. Raises AddressError with a problem per field."""
        values = {
            "name": name.strip(),
            "street": street.strip(),
            "city": city.strip(),
            "zip": zip.strip(),
            "country": country.strip().upper(),
        }
        problems = {
            field: text_problem(values[field], limit, required=field != "name")
            for field, limit in LIMITS.items()
        }
        problems["country"] = country_problem(values["country"])
        problems = {field: [p] for field, p in problems.items() if p}
        if problems:
            raise AddressError(problems)
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)


def invalid(fields: dict[str, list[str]]) -> ShopError:
    """The contract's 400 validation error, for problems found past the schema (shell callers)."""
    return ShopError("Some fields are invalid.", code="validation_error", fields=fields)


class AddressError(ValueError):
    """Some address fields are invalid; `problems` maps each field to its messages."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__("Some address fields are invalid.")
        self.problems = problems
