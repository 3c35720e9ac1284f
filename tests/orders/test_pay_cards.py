"""Card input rules: Luhn, 12–19 digits, a month 1–12, an expiry not in the past, a cvv string."""

from datetime import date

import pytest

from orders.errors import InvalidIdempotencyKey
from orders.payments.cards import fingerprint, idempotency_hash, luhn_ok, read_card
from orders.payments.errors import InvalidCard

TODAY = date(2026, 6, 15)


def read(**overrides):
    raw = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2027, "cvv": "123"}
    return read_card(**{**raw, **overrides}, today=TODAY)


def test_a_valid_card_keeps_only_digits_and_knows_brand_and_last4():
    card = read(number="4242 4242-4242 4242")
    assert (card.number, card.brand, card.last4) == ("4242424242424242", "visa", "4242")


def test_the_current_month_is_still_valid():
    assert read(exp_month=6, exp_year=2026).exp_month == 6


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "4242424242424241"),  # Luhn
        ("number", "42424242424"),  # 11 digits
        ("number", "4" + "0" * 18 + "0"),  # 20 digits
        ("number", "4242x24242424242"),
        ("number", "４２４２４２４２４２４２４２４２"),  # full-width digits
        ("number", ""),
        ("number", 4242424242424242),
        ("number", None),
        ("exp_month", 0),
        ("exp_month", 13),
        ("exp_month", "12"),
        ("exp_month", True),
        ("exp_month", 12.0),
        ("exp_year", 2025),
        ("exp_year", "2027"),
        ("exp_year", 27),
        ("exp_year", 99999),
        ("cvv", "12"),
        ("cvv", "12345"),
        ("cvv", "12a"),
        ("cvv", 123),
    ],
)
def test_bad_card_fields_are_invalid_card_naming_the_field(field, value):
    with pytest.raises(InvalidCard) as err:
        read(**{field: value})
    assert err.value.code == "invalid_card" and err.value.status == 400
    assert list(err.value.fields) == [f"card.{field}"]


def test_last_month_has_expired():
    with pytest.raises(InvalidCard) as err:
        read(exp_month=5, exp_year=2026)
    assert err.value.fields == {"card.exp_year": ["This card has expired."]}


def test_errors_never_echo_the_number():
    with pytest.raises(InvalidCard) as err:
        read(number="4242424242424241", cvv="1")
    assert "4242424242424241" not in str(err.value.envelope())


def test_luhn():
    assert luhn_ok("4242424242424242") and luhn_ok("4000000000000259")
    assert not luhn_ok("4242424242424243")


def test_fingerprint_is_keyed_and_tells_cards_apart():
    a, b = read(), read(cvv="124")
    assert fingerprint(a) == fingerprint(read()) != fingerprint(b)
    assert "4242424242424242" not in fingerprint(a)


def test_idempotency_keys_are_scoped_and_checked():
    assert idempotency_hash("pay", 1, "k") != idempotency_hash("pay", 2, "k")
    assert idempotency_hash("pay", 1, "k") != idempotency_hash("refund", 1, "k")
    assert idempotency_hash("pay", 1, None) is None
    for bad in ("", "x" * 256, "tab\there", "a space"):
        with pytest.raises(InvalidIdempotencyKey):
            idempotency_hash("pay", 1, bad)
