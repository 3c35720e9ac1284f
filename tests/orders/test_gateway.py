"""The fake gateway: test cards, idempotent references, a ledger that refuses over-refunds."""

from decimal import Decimal

import pytest

from orders.models import GatewayCharge
from orders.payments.gateway import (
    Card,
    FakeGateway,
    GatewayError,
    GatewayTimeout,
    card_brand,
    get_gateway,
)
from tests.orders.payment_helpers import DECLINED, FAILS, GOOD, LOST_REPLY, NEXT_YEAR, NO_FUNDS

pytestmark = pytest.mark.django_db

AMOUNT = Decimal("19.99")


def a_card(number=GOOD):
    return Card(number=number, exp_month=12, exp_year=NEXT_YEAR, cvv="123")


def charge(reference="ref-1", number=GOOD, amount=AMOUNT):
    return FakeGateway().charge(
        reference=reference, amount=amount, currency="USD", card=a_card(number)
    )


def test_good_card_is_charged_once_into_the_ledger():
    result = charge()
    row = GatewayCharge.objects.get()
    assert result.succeeded and result.charge_id == row.charge_id
    assert (row.reference, row.amount, row.card_brand, row.card_last4) == (
        "ref-1",
        AMOUNT,
        "visa",
        "4242",
    )


def test_any_other_luhn_valid_number_charges():
    assert charge(number="5555555555554444").succeeded
    assert GatewayCharge.objects.get().card_brand == "mastercard"


def test_same_reference_returns_the_first_charge_without_a_second():
    first = charge()
    again = charge(number="5555555555554444")
    assert again == first
    assert GatewayCharge.objects.count() == 1


@pytest.mark.parametrize("number", [DECLINED, FAILS, LOST_REPLY])
def test_a_reference_charged_before_returns_its_charge_whatever_the_card(number):
    first = charge()
    assert charge(number=number) == first
    assert GatewayCharge.objects.count() == 1


def test_same_reference_with_another_amount_is_refused():
    charge()
    with pytest.raises(GatewayError):
        charge(amount=Decimal("1.00"))
    assert GatewayCharge.objects.get().amount == AMOUNT


@pytest.mark.parametrize(
    ("number", "code"), [(DECLINED, "card_declined"), (NO_FUNDS, "insufficient_funds")]
)
def test_decline_cards_are_declined_and_not_charged(number, code):
    result = charge(number=number)
    assert not result.succeeded and result.decline_code == code
    assert not GatewayCharge.objects.exists()
    assert FakeGateway().find_charge("ref-1") is None


def test_processor_error_card_fails_before_charging():
    with pytest.raises(GatewayError):
        charge(number=FAILS)
    assert not GatewayCharge.objects.exists()


def test_lost_reply_card_charges_then_times_out_and_the_charge_can_be_found():
    with pytest.raises(GatewayTimeout):
        charge(number=LOST_REPLY)
    found = FakeGateway().find_charge("ref-1")
    assert found is not None and found.amount == AMOUNT and found.succeeded
    assert GatewayCharge.objects.get().card_last4 == "0259"


def test_refunds_accumulate_up_to_the_charge_and_never_beyond():
    gateway = FakeGateway()
    charge_id = charge(amount=Decimal("0.30")).charge_id
    gateway.refund(charge_id=charge_id, amount=Decimal("0.10"), reference="r1")
    gateway.refund(charge_id=charge_id, amount=Decimal("0.20"), reference="r2")  # 0.1 + 0.2
    with pytest.raises(GatewayError):
        gateway.refund(charge_id=charge_id, amount=Decimal("0.01"), reference="r3")
    assert GatewayCharge.objects.get().refunded == Decimal("0.30")


def test_refund_of_an_unknown_charge_is_refused():
    with pytest.raises(GatewayError):
        FakeGateway().refund(charge_id="ch_nope", amount=Decimal("1.00"), reference="r1")


def test_card_repr_hides_the_number_and_cvv():
    text = repr(a_card()) + str(a_card())
    assert "4242424242424242" not in text and "123" not in text
    assert "4242" in text and "visa" in text


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5105105105105100", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3056930009020004", "card"),
    ],
)
def test_card_brand_from_the_leading_digits(number, brand):
    assert card_brand(number) == brand


def test_the_gateway_is_chosen_by_a_setting(settings):
    settings.PAYMENT_GATEWAY = "orders.payments.gateway.FakeGateway"
    assert isinstance(get_gateway(), FakeGateway)
    settings.PAYMENT_GATEWAY = "orders.payments.gateway.Gateway"
    with pytest.raises(NotImplementedError):
        get_gateway().find_charge("ref-1")
