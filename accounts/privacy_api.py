"""Your data in the JSON API (mounted under /api/account by shop/api.py): export, delete.

The export is a document, the same as the storefront's download: amounts are decimal
strings ("19.99"), exact as stored, and times ISO 8601 strings.
"""

from ninja import Router, Schema, Status
from pydantic import Field, StrictStr

from accounts import privacy
from accounts.tokens import SignInRequired
from core.clients import client_address
from core.openapi import doc

router = Router(tags=["your data"])


class ExportAccountOut(Schema):
    email: str
    name: str
    date_joined: str
    email_verified: bool
    email_verified_at: str | None
    last_login: str | None


class ExportAddressOut(Schema):
    name: str
    street: str
    city: str
    zip: str
    country: str
    is_default: bool


class ExportCartItemOut(Schema):
    product_id: int
    quantity: int


class ExportLineOut(Schema):
    sku: str
    name: str
    unit_price: str
    quantity: int
    line_total: str
    discount: str
    tax_rate: str
    tax: str


class ExportPaymentOut(Schema):
    amount: str
    status: str
    card_brand: str
    card_last4: str
    created_at: str


class ExportRefundOut(Schema):
    amount: str
    status: str
    created_at: str


class ExportShippingAddressOut(Schema):
    name: str
    street: str
    city: str
    zip: str
    country: str


class ExportOrderOut(Schema):
    number: str
    status: str
    created_at: str
    updated_at: str
    email: str
    shipping_address: ExportShippingAddressOut
    currency: str
    lines: list[ExportLineOut]
    subtotal: str
    coupon: str | None
    discount: str
    shipping_method: str
    shipping: str
    tax: str
    tax_included: bool
    total: str
    amount_paid: str
    amount_refunded: str
    payments: list[ExportPaymentOut]
    refunds: list[ExportRefundOut]


class DataExportOut(Schema):
    exported_at: str
    account: ExportAccountOut
    addresses: list[ExportAddressOut]
    saved_cart: list[ExportCartItemOut]
    orders: list[ExportOrderOut]


class DeleteAccountIn(Schema):
    password: StrictStr = Field(min_length=1, max_length=1024)


@router.get("/export", response=DataExportOut, openapi_extra=doc(auth="user"))
def export(request):
    """Everything the shop keeps about the signed-in account: profile, addresses, cart, orders."""
    if not request.user.is_authenticated:
        raise SignInRequired()
    return privacy.export_data(request.user)


@router.delete("", response={204: None}, openapi_extra=doc(errors=(403, 409, 429), auth="user"))
def delete(request, body: DeleteAccountIn):
    """Delete the signed-in account and erase its personal data (orders stay, anonymized).

    A wrong password is 400 `wrong_password`; a staff account 403 `staff_account`; a
    payment or refund still in flight 409 `payment_in_progress`.
    """
    if not request.user.is_authenticated:
        raise SignInRequired()
    privacy.check_password(request.user, body.password, client=client_address(request))
    privacy.delete_account(user=request.user)
    return Status(204, None)
