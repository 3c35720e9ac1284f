"""Payment and refund endpoints of the JSON API (mounted under /api by shop/api.py)."""

from typing import Annotated, Literal

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from ninja import Router, Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool
from pydantic_core import PydanticCustomError

from core.clients import client_address
from core.errors import Forbidden
from core.openapi import doc, link
from core.permissions import require_perm
from core.schemas import Amount, Id, text
from core.throttle import card_failures_by_address
from orders import selectors
from orders.idempotency import idempotency_key
from orders.models import Order
from orders.ownership import Owner
from orders.payments.charge import pay
from orders.payments.errors import InvalidCard, PaymentDeclined
from orders.payments.refund import refund
from orders.schemas import OrderOut

router = Router(tags=["payments"])


def _typed(kind: type, message: str):
    def check(value):
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PydanticCustomError("invalid_card", message)
        return value

    return BeforeValidator(check)


def _hint(**schema) -> Field:
    """What the service checks beyond the field's JSON type, where a schema can say it."""
    return Field(json_schema_extra=schema)


TEST_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvv": "123"}


def _card_schema(schema: dict) -> None:
    schema["properties"]["exp_year"]["maximum"] = timezone.now().year + 50
    schema["examples"] = [TEST_CARD]


class CardIn(Schema):
    """Card details; validated (Luhn, expiry, cvv) by the service, never stored or logged."""

    model_config = ConfigDict(json_schema_extra=_card_schema)

    number: Annotated[
        str,
        _typed(str, "The card number must be a string of digits."),
        _hint(
            pattern="^[0-9]{12,19}$",
            description="12 to 19 digits passing the Luhn check (spaces and hyphens ignored).",
        ),
    ]
    exp_month: Annotated[
        int, _typed(int, "The expiry month must be an integer."), _hint(minimum=1, maximum=12)
    ]
    exp_year: Annotated[
        int,
        _typed(int, "The expiry year must be an integer."),
        _hint(minimum=2000, description="Up to 50 years ahead."),
    ]
    cvv: Annotated[
        str,
        _typed(str, "The security code must be a string of digits."),
        _hint(pattern="^[0-9]{3,4}$"),
    ]


class PayIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"method": "credit_card", "card": TEST_CARD}]}
    )

    method: Literal["credit_card"]
    card: CardIn


class RefundIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "0.50"}]})

    # Absent means all that remains; an explicit null is a 400 invalid_amount.
    amount: Amount = None
    restock: StrictBool = False
    reason: text(500, min_length=0) = ""


ORDER_ID = "$response.body#/id"


@router.post(
    "/orders/{order_id}/pay",
    response=OrderOut,
    openapi_extra=doc(
        errors=(402, 409, 422, 429, 502, 504),
        idempotent=True,
        links={
            200: {
                "RefundOrder": link("orders_payments_api_refund_order", order_id=ORDER_ID),
                "ShipOrder": link("orders_api_ship_order", order_id=ORDER_ID),
                "CancelPaidOrder": link("orders_api_cancel_order", order_id=ORDER_ID),
            }
        },
    ),
)
@sensitive_variables()  # never the card in error reports
def pay_order(request, order_id: Id, body: PayIn):
    """Pay a pending order by card, exactly once; see docs/API.md for retries and test cards.

    Declined and invalid cards are limited per order and per client address (429).
    """
    owner = Owner.of(request)
    order = selectors.order_for(owner, order_id=order_id)
    counted = (InvalidCard, PaymentDeclined)
    with card_failures_by_address.attempt(client_address(request), counts=counted):
        order = pay(
            order=order,
            card=body.card.model_dump(),
            idempotency_key=idempotency_key(request),
            actor=owner.user,
            actor_label=owner.label,
        )
    return selectors.with_related(order)  # pay() returns the order as it is now


@router.post(
    "/orders/{order_id}/refund",
    response=OrderOut,
    openapi_extra=doc(
        errors=(403, 409, 422, 502, 504),
        idempotent=True,
        links={200: {"RefundAgain": link("orders_payments_api_refund_order", order_id=ORDER_ID)}},
    ),
)
def refund_order(request, order_id: Id, body: RefundIn = None):
    """Refund part or all of a paid order: its owner until it ships, staff at any time.

    Staff need `orders.refund_order` (403 without it).
    """
    body = body or RefundIn()
    user = request.user
    if user.is_authenticated and user.is_staff:
        require_perm(request, "orders.refund_order")
        order, label = selectors.any_order(order_id=order_id), "staff"
    else:
        owner = Owner.of(request)
        order = selectors.order_for(owner, order_id=order_id)
        label = owner.label
        if order.status == Order.Status.SHIPPED:
            raise Forbidden("A shipped order is refunded by our staff: please contact us.")
    order = refund(
        order=order,
        amount=body.amount,
        restock=body.restock,
        reason=body.reason,
        actor=user if user.is_authenticated else None,
        actor_label=label,
        allow_shipped=label == "staff",
        idempotency_key=idempotency_key(request),
    )
    return selectors.with_related(order)  # refund() returns the order as it is now
