"""Order shapes of the JSON API: strict input and the contract's order body (payments reuse it)."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictBool

from core.schemas import Country, Id, Money, Price, text
from orders.address import EMAIL_MAX, LIMITS, REASON_MAX, email_problem
from orders.models import Order, Refund, SavedAddress


def _email(value: str) -> str:
    if problem := email_problem(value.strip()):
        raise ValueError(problem)
    return value.strip()


Email = Annotated[
    text(EMAIL_MAX), AfterValidator(_email), Field(json_schema_extra={"format": "email"})
]


ADDRESS_EXAMPLE = {
    "name": "Ada Lovelace",
    "street": "1 Main Street",
    "city": "Springfield",
    "zip": "12345",
    "country": "US",
}


class AddressIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [ADDRESS_EXAMPLE]})

    name: text(LIMITS["name"], min_length=0) = ""
    street: text(LIMITS["street"])
    city: text(LIMITS["city"])
    zip: text(LIMITS["zip"])
    country: Country


class SavedAddressIn(AddressIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [ADDRESS_EXAMPLE, {**ADDRESS_EXAMPLE, "is_default": True}]}
    )

    # The first address of a book becomes the default whatever this says.
    is_default: StrictBool = False


class SavedAddressPatch(Schema):
    """Only the fields sent change; an explicit null is a 400 (the defaults mean "absent")."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"street": "2 Main Street"}, {"is_default": True}]}
    )

    name: text(LIMITS["name"], min_length=0) = None
    street: text(LIMITS["street"]) = None
    city: text(LIMITS["city"]) = None
    zip: text(LIMITS["zip"]) = None
    country: Country = None
    is_default: StrictBool = None


class SavedAddressOut(Schema):
    id: int
    name: str
    street: str
    city: str
    zip: str
    country: str
    is_default: bool

    @staticmethod
    def resolve_country(saved: SavedAddress) -> str:
        return saved.country.code


class CheckoutIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"shipping_address": ADDRESS_EXAMPLE, "email": "ada@example.com"},
                {
                    "shipping_address": ADDRESS_EXAMPLE,
                    "email": "ada@example.com",
                    "shipping_method": 1,
                    "expected_total": "11.70",
                },
                {"address_id": 1},
                {"shipping_address": ADDRESS_EXAMPLE, "save_address": True},
            ]
        }
    )

    # Exactly one of the two: an address typed here, or one of the caller's address book.
    shipping_address: AddressIn = None
    address_id: Annotated[Id, Field(strict=True)] = None
    # Signed-in only: also keep shipping_address in the caller's address book.
    save_address: StrictBool = False
    # Required for guests (checked by the service); a signed-in customer's account email wins.
    # The default is None so that "absent" is allowed while an explicit null is a 400.
    email: Email = None
    # Absent: the cheapest method delivering to the address (docs/API.md, "Shipping and tax").
    shipping_method: Annotated[Id, Field(strict=True)] = None
    # The total the client showed; a different total today is a 409 quote_changed.
    expected_total: Price = None


class CancelIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Changed my mind"}]})

    reason: text(REASON_MAX, min_length=0) = ""


class AddressOut(Schema):
    name: str
    street: str
    city: str
    zip: str
    country: str


class OrderLineOut(Schema):
    # A variant's line: `product_id` is its product's, `variant_id` the variant bought, and
    # `options` its values when ordered (e.g. {"Size": "1 kg"}); else {} and null.
    product_id: int | None
    variant_id: int | None
    options: dict[str, str]
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money
    discount: Money  # the line's share of the order's discount
    tax_rate: Money  # percent
    tax: Money

    @staticmethod
    def resolve_product_id(line) -> int | None:
        return line.variant_of_id if line.options else line.product_id

    @staticmethod
    def resolve_variant_id(line) -> int | None:
        return line.product_id if line.options else None


class ShippingOut(Schema):
    method_id: int | None
    name: str
    price: Money
    tax: Money


class PaymentOut(Schema):
    amount: Money
    status: str
    created_at: datetime


class RefundOut(Schema):
    amount: Money
    created_at: datetime


class OrderOut(Schema):
    """The contract's order; build it from an order with lines, payments and refunds prefetched."""

    id: int
    number: str
    status: str
    lines: list[OrderLineOut]
    subtotal: Money
    discount: Money
    shipping: Money
    shipping_method: ShippingOut | None
    tax: Money
    tax_included: bool
    total: Money
    amount_paid: Money
    amount_refunded: Money
    currency: str
    coupon: str | None
    email: str
    shipping_address: AddressOut
    created_at: datetime
    payments: list[PaymentOut]
    refunds: list[RefundOut]

    @staticmethod
    def resolve_lines(order: Order) -> list:
        return list(order.lines.all())

    @staticmethod
    def resolve_shipping_method(order: Order) -> dict | None:
        if not order.shipping_method_name:
            return None
        return {
            "method_id": order.shipping_method_id,
            "name": order.shipping_method_name,
            "price": order.shipping,
            "tax": order.shipping_tax,
        }

    @staticmethod
    def resolve_coupon(order: Order) -> str | None:
        return order.coupon_code or None

    @staticmethod
    def resolve_currency(order: Order) -> str:
        return order.currency or settings.CURRENCY

    @staticmethod
    def resolve_payments(order: Order) -> list:
        return list(order.payments.all())

    @staticmethod
    def resolve_refunds(order: Order) -> list:
        # Only money that went back counts; a pending or failed refund is not a refund yet.
        return [r for r in order.refunds.all() if r.status == Refund.Status.SUCCEEDED]
