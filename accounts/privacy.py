"""A person's data: export it (one JSON document) and delete the account (erasing it).

Deleting an account keeps its orders for the shop's books, with the personal fields
replaced and `user` cleared; payments, refunds, lines and amounts stay as they were.
"""

from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts import throttle
from accounts.errors import WrongPassword
from accounts.models import User
from accounts.services import revoke_sessions
from cart.models import SavedCart
from core.errors import Forbidden, ShopError
from orders.models import Order, OrderEvent, Payment, Refund
from orders.ownership import Owner
from orders.selectors import orders_for

ERASED = "deleted"  # what replaces the street, city and zip of an erased order
ERASED_EVENT = "personal_data_erased"
UNSETTLED_PAYMENTS = [Payment.Status.PENDING, Payment.Status.UNKNOWN]


class PaymentInProgress(ShopError):
    code, status = "payment_in_progress", 409
    message = (
        "A payment or refund of an order of this account is still being processed. "
        "Try again in a few minutes."
    )


class StaffAccount(Forbidden):
    code = "staff_account"
    message = "Staff accounts are closed by a superuser in the admin."


def erased_email(order_pk: int) -> str:
    """The address an erased order keeps: unique, valid, and never deliverable (RFC 2606)."""
    return f"deleted-{order_pk}@deleted.invalid"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value) -> str:
    return str(value)  # Decimal as stored ("19.99"): exact in every JSON reader


def _order(order: Order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.updated_at),
        "email": order.email,
        "shipping_address": order.shipping_address,
        "currency": order.currency,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "options": line.options,
                "unit_price": _money(line.unit_price),
                "quantity": line.quantity,
                "line_total": _money(line.line_total),
                "discount": _money(line.discount),
                "tax_rate": _money(line.tax_rate),
                "tax": _money(line.tax),
            }
            for line in order.lines.all()
        ],
        "subtotal": _money(order.subtotal),
        "coupon": order.coupon_code or None,
        "discount": _money(order.discount),
        "shipping_method": order.shipping_method_name,
        "shipping": _money(order.shipping),
        "tax": _money(order.tax),
        "tax_included": order.tax_included,
        "total": _money(order.total),
        "amount_paid": _money(order.amount_paid),
        "amount_refunded": _money(order.amount_refunded),
        "payments": [
            {
                "amount": _money(payment.amount),
                "status": payment.status,
                "card_brand": payment.card_brand,
                "card_last4": payment.card_last4,
                "created_at": _iso(payment.created_at),
            }
            for payment in order.payments.all()
        ],
        "refunds": [
            {
                "amount": _money(refund.amount),
                "status": refund.status,
                "created_at": _iso(refund.created_at),
            }
            for refund in order.refunds.all()
        ],
    }


def export_data(user: User) -> dict:
    """Everything the shop keeps about the account, JSON-serializable (amounts as strings).

    A constant number of queries whatever the number of orders: addresses, saved cart,
    orders, and their lines, payments and refunds, back-in-stock alerts (one each). Alerts
    asked for while signed in are the account's (they go with it when it is deleted).
    """
    cart = SavedCart.objects.filter(user=user).values_list("data", flat=True).first() or {}
    return {
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "name": user.name,
            "date_joined": _iso(user.date_joined),
            "email_verified": user.email_verified,
            "email_verified_at": _iso(user.email_verified_at),
            "last_login": _iso(user.last_login),
        },
        "addresses": [
            {**address.as_dict(), "is_default": address.is_default}
            for address in user.saved_addresses.all()
        ],
        "saved_cart": [
            {"product_id": int(pk), "quantity": quantity}
            for pk, quantity in (cart.get("items") or {}).items()
        ],
        "orders": [_order(order) for order in orders_for(Owner(user=user))],
        "back_in_stock_alerts": [
            {
                "sku": alert.product.sku,
                "product": alert.product.name,
                "email": alert.email,
                "created_at": _iso(alert.created_at),
                "confirmed_at": _iso(alert.confirmed_at),
                "notified_at": _iso(alert.notified_at),
            }
            for alert in user.stock_subscriptions.select_related("product").order_by("pk")
        ],
    }


def check_password(user: User, password: str, *, client: str | None) -> None:
    """Confirm it is the account's owner. Raises WrongPassword (400) or Throttled (429).

    A wrong password counts as a failed sign-in (accounts/throttle.py), so this cannot be
    used to guess the password of a session someone left open.
    """
    reserved = throttle.reserve(user.email, client)
    if not user.check_password(password):
        raise WrongPassword(fields={"password": [WrongPassword.message]})
    throttle.release(reserved)


def delete_account(*, user: User, staff: User | None = None) -> int:
    """Delete the account and erase its personal data; returns how many orders were erased.

    In one transaction: its orders lose the personal fields and their link to the account
    (amounts, lines, payments and refunds stay), each gets a "personal data erased" event;
    the address book and the saved cart go; every session and token is revoked; the user
    row is deleted, so the email address can register again. Guest orders placed with the
    same email address are not the account's and stay as they are.

    Raises PaymentInProgress (409) while a payment or refund of its orders is unsettled
    (a charge in flight, a reply to reconcile): its outcome must land on a known order.
    `staff`: the staff member who deletes it (the admin), or None for the owner. A staff
    account is deleted in the admin only: its owner gets StaffAccount (403).
    """
    if staff is None and user.is_staff:
        raise StaffAccount()
    actor_label = "customer" if staff is None else "staff"
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one deletion at a time
        orders = Order.objects.filter(user=user)
        unsettled = (
            ~Q(payment_claim="")
            | Q(payments__status__in=UNSETTLED_PAYMENTS)
            | Q(refunds__status=Refund.Status.PENDING)
        )
        if orders.filter(unsettled).exists():
            raise PaymentInProgress()
        order_ids = list(orders.order_by("pk").values_list("pk", flat=True))
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order_id=pk,
                actor=staff,
                actor_label=actor_label,
                action=ERASED_EVENT,
                note=f"Personal data erased: account deleted by {actor_label}.",
            )
            for pk in order_ids
        )
        Order.objects.filter(pk__in=order_ids).update(
            user=None,
            email=Concat(  # erased_email(pk), in SQL
                Value("deleted-"), Cast("pk", CharField()), Value("@deleted.invalid")
            ),
            ship_name="",
            ship_street=ERASED,
            ship_city=ERASED,
            ship_zip=ERASED,
            checkout_key=None,  # scoped by the user's id: no retry can find these orders now
            updated_at=timezone.now(),
        )
        user.saved_addresses.all().delete()
        SavedCart.objects.filter(user=user).delete()
        revoke_sessions(user_ids=[user.pk])
        User.objects.filter(pk=user.pk).delete()
    return len(order_ids)
