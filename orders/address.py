"""Shipping addresses: the contract's text limits and ISO 3166 countries, checked in one place."""

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.errors import ShopError
from core.text import MESSAGE as CONTROL_CHARS
from core.text import has_control_chars

LIMITS = {"name": 100, "street": 200, "city": 100, "zip": 20}
EMAIL_MAX = 254
REASON_MAX = 500

# ISO 3166-1 alpha-2: every officially assigned code (249).
_ISO_3166_ALPHA_2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """
COUNTRIES = frozenset(_ISO_3166_ALPHA_2.split())


def text_problem(value: str, max_length: int, *, required: bool = True) -> str | None:
    """What is wrong with a stripped text value, or None."""
    if has_control_chars(value):
        return CONTROL_CHARS
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    if required and not value:
        return "must not be blank"
    return None


def country_problem(value: str) -> str | None:
    if value.upper() not in COUNTRIES:
        return "must be a 2-letter ISO 3166 country code, like US"
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
