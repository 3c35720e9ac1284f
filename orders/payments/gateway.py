"""Card payment gateways: a small interface, and the fake processor used by default.

A gateway charges a card under the shop's reference, refunds a charge, and looks a charge
up by reference (so a lost reply can be reconciled). `get_gateway()` builds the class
named by `settings.PAYMENT_GATEWAY`. Card numbers and CVVs only ever live in memory.
A gateway call gives up after `settings.PAYMENT_GATEWAY_TIMEOUT` seconds (GatewayTimeout).
"""

import os
import time
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Round
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables

from orders.models import GatewayCharge


@dataclass(frozen=True)
class Card:
    """A validated card, held only for the length of one charge (never stored or logged)."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvv: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)

    def __repr__(self) -> str:
        return f"Card({self.brand} •••• {self.last4}, {self.exp_month:02d}/{self.exp_year})"

    __str__ = __repr__


def card_brand(number: str) -> str:
    """The card network from the number's leading digits."""
    two, four = int(number[:2] or 0), int(number[:4] or 0)
    if number.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if number.startswith(("6011", "65")):
        return "discover"
    return "card"


@dataclass(frozen=True)
class Charge:
    """A charge as the gateway reports it; `decline_code` is set when the card was declined."""

    charge_id: str = ""
    reference: str = ""
    amount: Decimal = Decimal("0")
    decline_code: str = ""

    @property
    def succeeded(self) -> bool:
        return not self.decline_code


class GatewayError(Exception):
    """The gateway refused or failed the request before doing anything (nothing charged)."""


class GatewayTimeout(Exception):
    """The request was sent but no reply came back: it may or may not have happened."""


class Gateway:
    """The interface every gateway implements (documentation; the fake is the only one yet)."""

    name = "gateway"

    def charge(self, *, reference: str, amount: Decimal, currency: str, card: Card) -> Charge:
        """Charge the card once per reference; a repeated reference returns the first charge.

        Returns a declined Charge, or raises GatewayError / GatewayTimeout.
        """
        raise NotImplementedError

    def refund(self, *, charge_id: str, amount: Decimal, reference: str) -> str:
        """Refund part or all of a charge; returns the refund id.

        Raises GatewayError (nothing refunded) or GatewayTimeout (it may have happened).
        """
        raise NotImplementedError

    def find_charge(self, reference: str) -> Charge | None:
        """The charge made under the shop's reference, or None if there is none."""
        raise NotImplementedError


def get_gateway() -> Gateway:
    return import_string(settings.PAYMENT_GATEWAY)()


# The test cards of docs/API.md.
DECLINES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
FAILS_BEFORE_CHARGE = "4000000000000119"
LOSES_REPLY = "4000000000000259"


class FakeGateway(Gateway):
    """A processor's test mode, with its ledger in the database so every process sees it.

    While the file named by `settings.FAKE_GATEWAY_HANG_FILE` exists (the fault tests create
    and remove it, for every worker at once), a charge or a refund is done and then its reply
    never comes: the call waits PAYMENT_GATEWAY_TIMEOUT seconds and raises GatewayTimeout,
    like an HTTP client whose gateway hangs. Looking a charge up still answers.
    """

    name = "fake"

    @sensitive_variables()
    def charge(self, *, reference: str, amount: Decimal, currency: str, card: Card) -> Charge:
        if not _hangs():
            return self._charge(reference=reference, amount=amount, currency=currency, card=card)
        with suppress(GatewayError, GatewayTimeout):  # the worst case: the money is taken...
            self._charge(reference=reference, amount=amount, currency=currency, card=card)
        _time_out(reference)  # ...and the reply is lost

    @sensitive_variables()
    def _charge(self, *, reference: str, amount: Decimal, currency: str, card: Card) -> Charge:
        if card.number == FAILS_BEFORE_CHARGE or card.number in DECLINES:
            if (existing := self.find_charge(reference)) is not None:
                return self._same_request(existing, amount)  # charged before: the first charge
            if card.number == FAILS_BEFORE_CHARGE:
                raise GatewayError("processing_error")
            return Charge(reference=reference, amount=amount, decline_code=DECLINES[card.number])
        try:
            # No lookup first: a repeated reference fails the unique constraint (one query less).
            with transaction.atomic():
                row = GatewayCharge.objects.create(
                    charge_id=f"ch_{uuid4().hex[:24]}",
                    reference=reference,
                    amount=amount,
                    currency=currency,
                    card_brand=card.brand,
                    card_last4=card.last4,
                )
        except IntegrityError:  # the reference was charged before, or concurrently: one charge
            return self._same_request(self.find_charge(reference), amount)
        if card.number == LOSES_REPLY:
            raise GatewayTimeout(reference)
        return _charge(row)

    def refund(self, *, charge_id: str, amount: Decimal, reference: str) -> str:
        if not _hangs():
            return self._refund(charge_id=charge_id, amount=amount)
        with suppress(GatewayError):  # refunded, but the reply is lost
            self._refund(charge_id=charge_id, amount=amount)
        _time_out(reference)

    def _refund(self, *, charge_id: str, amount: Decimal) -> str:
        rows = (
            GatewayCharge.objects.alias(left=Round(F("amount") - F("refunded"), 2))
            .filter(charge_id=charge_id, left__gte=Value(amount))
            .update(refunded=Round(F("refunded") + Value(amount), 2))
        )
        if not rows:
            raise GatewayError("refund_exceeds_charge")
        return f"re_{uuid4().hex[:24]}"

    def find_charge(self, reference: str) -> Charge | None:
        row = GatewayCharge.objects.filter(reference=reference).first()
        return _charge(row) if row else None

    @staticmethod
    def _same_request(existing: Charge | None, amount: Decimal) -> Charge:
        if existing is None or existing.amount != amount:
            raise GatewayError("idempotency_mismatch")
        return existing


def _hangs() -> bool:
    """Whether the fault tests' "the gateway hangs" window is open."""
    return bool(settings.FAKE_GATEWAY_HANG_FILE) and os.path.exists(settings.FAKE_GATEWAY_HANG_FILE)


def _time_out(reference: str):
    """Wait like an HTTP client for a reply that never comes, then give up."""
    time.sleep(settings.PAYMENT_GATEWAY_TIMEOUT)
    raise GatewayTimeout(reference)


def _charge(row: GatewayCharge) -> Charge:
    return Charge(charge_id=row.charge_id, reference=row.reference, amount=row.amount)
