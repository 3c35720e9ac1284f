"""Back in stock: a shopper leaves an address on a sold-out product or variant and gets one
email when it is on sale again.

A guest (or an account whose address is not verified) confirms the address by a signed
link first (valid for settings.EMAIL_LINK_MAX_AGE); a signed-in account with that verified
address is confirmed at once. Every email carries a signed unsubscribe link (no expiry: it
can only end its own subscription). Whatever puts stock back (staff in the API and the
admin, the CSV import, a cancel or a refund's restock) calls `notify_restocked`: each
confirmed subscriber of a row now on sale gets one email, claimed by a conditional UPDATE
so that concurrent calls never send two.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from catalog.errors import BackInStockAlready, InvalidSubscriptionLink, ProductNotFound
from catalog.models import Product, StockSubscription
from core.errors import ShopError
from core.links import site_link
from core.throttle import FailureThrottle
from outbox.services import enqueue

CONFIRM_SALT = "catalog.back-in-stock.confirm"
UNSUBSCRIBE_SALT = "catalog.back-in-stock.unsubscribe"
MAX_TOKEN_LENGTH = 512

# Each subscription may send an email: counted whatever its outcome (core/throttle.py).
subscriptions_by_email = FailureThrottle(
    "back-in-stock-email", "BACK_IN_STOCK_LIMIT_PER_EMAIL", "BACK_IN_STOCK_WINDOW"
)
subscriptions_by_address = FailureThrottle(
    "back-in-stock-address", "BACK_IN_STOCK_LIMIT_PER_ADDRESS", "BACK_IN_STOCK_WINDOW"
)


def on_sale(prefix: str = "") -> Q:
    """Rows a shopper can buy now: active and in stock, and either a product without
    options or a variant of an active product (`prefix`: the path to the product, e.g.
    "product__")."""
    sold = Q(**{f"{prefix}parent__isnull": True, f"{prefix}option1_name": ""}) | Q(
        **{f"{prefix}parent__active": True}
    )
    return sold & Q(**{f"{prefix}active": True, f"{prefix}stock__gt": 0})


def subscribe(product: Product, email: str, user=None, *, client: str | None = None):
    """Ask for one email when `product` (a product without options, or a variant) is back.

    Idempotent per product and address; asking again after the email re-arms it. A guest's
    address gets a confirmation link (again, while unconfirmed). Raises ShopError (400:
    not an email address), ProductNotFound (not sold: inactive, or a product with options),
    BackInStockAlready (409: it is on sale), or Throttled (429: too many subscriptions for
    the address or the client address, `client`, per BACK_IN_STOCK_WINDOW).
    """
    email = _normalized(email)
    if not product.active or (product.parent_id is None and product.has_options):
        raise ProductNotFound()
    if product.parent_id is not None and not product.parent.active:
        raise ProductNotFound()
    if product.in_stock:
        raise BackInStockAlready()
    subscriptions_by_address.hit(client)
    subscriptions_by_email.hit(email)
    # The signed-in account's own address: theirs, confirmed at once once verified.
    owner = user if user and user.is_authenticated and user.email.lower() == email else None
    now = timezone.now() if owner and owner.email_verified else None
    with transaction.atomic():
        sub, created = StockSubscription.objects.get_or_create(
            product=product, email=email, defaults={"user": owner, "confirmed_at": now}
        )
        if not created:
            _renew(sub, owner, now)
        if sub.confirmed_at is None:
            _send(sub, "Confirm your back-in-stock alert", "confirm", link=_confirm_link(sub))
    return sub


def _renew(sub: StockSubscription, user, now) -> None:
    """Asked again: re-arm a subscription already emailed, confirm it for its verified owner."""
    changes = {}
    if sub.notified_at is not None:  # told once, sold out again: a new alert, confirmed anew
        changes.update(notified_at=None, confirmed_at=now)
    elif sub.confirmed_at is None and now is not None:
        changes["confirmed_at"] = now
    if user is not None and sub.user_id is None:
        changes["user"] = user
    if changes:
        StockSubscription.objects.filter(pk=sub.pk).update(**changes)
        for field, value in changes.items():
            setattr(sub, field, value)


def _normalized(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ShopError(
            "Enter a valid email address.",
            code="validation_error",
            fields={"email": ["Enter a valid email address."]},
        ) from None
    return email


def subscription_to_confirm(token: str) -> StockSubscription:
    """The subscription a confirmation link names. Raises InvalidSubscriptionLink (400) if
    the link is tampered, expired, or its subscription is gone."""
    pk, email = _read(token, CONFIRM_SALT, max_age=settings.EMAIL_LINK_MAX_AGE)
    sub = _subscriptions().filter(pk=pk, email=email).first()
    if sub is None:
        raise InvalidSubscriptionLink()
    return sub


def confirm(token: str) -> StockSubscription:
    """Open a confirmation link: the subscription is confirmed (opening it twice changes
    nothing more); if the row is on sale already, its email goes at once. Raises
    InvalidSubscriptionLink (400)."""
    sub = subscription_to_confirm(token)
    with transaction.atomic():
        now = timezone.now()
        if StockSubscription.objects.filter(pk=sub.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        ):
            sub.confirmed_at = now
        if notify_restocked([sub.product_id]):
            sub.notified_at = now
    return sub


def subscription_to_end(token: str) -> StockSubscription | None:
    """The subscription an unsubscribe link names, None if it ended already. Raises
    InvalidSubscriptionLink (400) for a tampered link."""
    pk, email = _read(token, UNSUBSCRIBE_SALT, max_age=None)
    return _subscriptions().filter(pk=pk, email=email).first()


def unsubscribe(token: str) -> None:
    """End the subscription an unsubscribe link names (nothing if it ended already).
    Raises InvalidSubscriptionLink (400) for a tampered link."""
    pk, email = _read(token, UNSUBSCRIBE_SALT, max_age=None)
    StockSubscription.objects.filter(pk=pk, email=email).delete()


def notify_restocked(product_ids: Iterable[int]) -> int:
    """Email, once, every confirmed subscriber of these rows (products or variants; a
    product with options stands for its variants too, as reactivating it puts them on sale)
    that are on sale now; returns how many emails were queued (in the caller's transaction).

    One query when nobody waits. Each subscription is claimed by a conditional UPDATE
    (`notified_at` empty → now) before its email is queued, so concurrent calls never
    email anyone twice.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    waiting = _waiting(ids)
    if not waiting:
        return 0
    queued = 0
    with transaction.atomic():
        now = timezone.now()
        for sub in waiting:
            rows = StockSubscription.objects.filter(pk=sub.pk, notified_at__isnull=True)
            if rows.update(notified_at=now):
                link = site_link(page_path(sub.product))
                _send(sub, f"Back in stock: {title(sub.product)}", "back", link=link)
                queued += 1
    return queued


def _waiting(ids: list[int]) -> list[StockSubscription]:
    """Confirmed, not yet emailed subscriptions of these rows (or their variants) on sale."""
    return list(
        _subscriptions()
        .filter(Q(product_id__in=ids) | Q(product__parent_id__in=ids))
        .filter(confirmed_at__isnull=False, notified_at__isnull=True)
        .filter(on_sale("product__"))
        .order_by("pk")
    )


def _subscriptions():
    return StockSubscription.objects.select_related("product", "product__parent")


def _send(sub: StockSubscription, subject: str, template: str, **context) -> None:
    """Queue one email from templates/catalog/email/<template>.txt and .html."""
    unsubscribe = site_link(
        reverse("catalog:back_in_stock_unsubscribe", args=[_token(sub, UNSUBSCRIBE_SALT)])
    )
    context |= {
        "subscription": sub,
        "title": title(sub.product),
        "unsubscribe_link": unsubscribe,
        "lasts": _lifetime(),
    }
    with transaction.atomic(savepoint=False):  # the caller's transaction, if any
        enqueue(
            to=sub.email,
            subject=subject,
            text_body=render_to_string(f"catalog/email/{template}.txt", context),
            html_body=render_to_string(f"catalog/email/{template}.html", context),
            # RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def title(product: Product) -> str:
    """A product's name, with a variant's option values: "Coffee beans (1 kg / Whole)"."""
    if product.parent_id:
        return f"{product.parent.name} ({product.option_label})"
    return product.name


def page_path(product: Product) -> str:
    """The product page, showing the variant if `product` is one."""
    if product.parent_id:
        return f"{product.parent.get_absolute_url()}?variant={product.pk}"
    return product.get_absolute_url()


def _confirm_link(sub: StockSubscription) -> str:
    return site_link(reverse("catalog:back_in_stock_confirm", args=[_token(sub, CONFIRM_SALT)]))


def _token(sub: StockSubscription, salt: str) -> str:
    return signing.dumps([sub.pk, sub.email], salt=salt)


def _read(token: str, salt: str, *, max_age: int | None) -> tuple[int, str]:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidSubscriptionLink()
    try:
        pk, email = signing.loads(token, salt=salt, max_age=max_age)
        return int(pk), str(email)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidSubscriptionLink() from None


def _lifetime() -> str:
    """How long a confirmation link works, in words: "3 days", "12 hours"."""
    hours = max(1, settings.EMAIL_LINK_MAX_AGE // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hour{'s' if hours > 1 else ''}"
