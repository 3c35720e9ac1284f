"""Payment input: card validation, request fingerprints and idempotency keys."""

import hashlib

from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from orders.idempotency import check_key
from orders.payments.errors import InvalidCard
from orders.payments.gateway import Card


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@sensitive_variables()  # never the card in error reports
def read_card(*, number, exp_month, exp_year, cvv, today=None) -> Card:
    """A Card from raw input, or InvalidCard (400) naming each bad field.

    Spaces and hyphens in the number are ignored; the cvv is 3 or 4 digits as a string;
    a card is valid through the end of its expiry month.
    """
    today = today or timezone.now().date()
    problems: dict[str, list[str]] = {}
    digits = number.replace(" ", "").replace("-", "") if isinstance(number, str) else None
    if not (digits and digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19):
        problems["card.number"] = ["Enter a card number of 12 to 19 digits."]
    elif not luhn_ok(digits):
        problems["card.number"] = ["This card number is not valid."]
    month_ok = _is_int(exp_month) and 1 <= exp_month <= 12
    if not month_ok:
        problems["card.exp_month"] = ["Enter the expiry month as a number from 1 to 12."]
    if not (_is_int(exp_year) and 2000 <= exp_year <= today.year + 50):
        problems["card.exp_year"] = ["Enter the expiry year as a four-digit number."]
    elif month_ok and (exp_year, exp_month) < (today.year, today.month):
        problems["card.exp_year"] = ["This card has expired."]
    if not (isinstance(cvv, str) and cvv.isascii() and cvv.isdigit() and 3 <= len(cvv) <= 4):
        problems["card.cvv"] = ["Enter the 3 or 4 digit security code."]
    if problems:
        raise InvalidCard(fields=problems)
    return Card(number=digits, exp_month=exp_month, exp_year=exp_year, cvv=cvv)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@sensitive_variables()
def fingerprint(card: Card) -> str:
    """A keyed hash of the card fields: compares two requests without storing the card."""
    raw = f"credit_card|{card.number}|{card.exp_month}|{card.exp_year}|{card.cvv}"
    return salted_hmac("orders.payments.fingerprint", raw, algorithm="sha256").hexdigest()


def idempotency_hash(kind: str, order_id: int, key: str | None) -> str | None:
    """The stored form of a client's Idempotency-Key, scoped to the use case and the order."""
    if key is None:
        return None
    check_key(key)
    return hashlib.sha256(f"{kind}:{order_id}:{key}".encode()).hexdigest()


def request_hash(**fields) -> str:
    """A fingerprint of a request body without secrets (refunds), to spot a reused key."""
    raw = "|".join(f"{name}={fields[name]!s}" for name in sorted(fields))
    return hashlib.sha256(raw.encode()).hexdigest()
