"""Email links: verify an account's address, confirm a new one, and the emails around them.

A link carries a signed, timestamped token (django.core.signing, its own salt, valid for
settings.EMAIL_LINK_MAX_AGE seconds) naming the user and the address it verifies; a link
that confirms an email change also names the address it replaces. Nothing is stored: a
link is refused once the account no longer has the address it was sent for.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.errors import EmailChanged, EmailTaken, InvalidLink
from accounts.guest_orders import join_guest_orders
from accounts.models import User
from core.links import site_link
from outbox.services import enqueue

SALT = "accounts.email-link"
MAX_TOKEN_LENGTH = 1024


@dataclass(frozen=True)
class Link:
    """What a valid token says: verify `email` for the user (replacing `old`, if set)."""

    user_id: int
    email: str
    old: str | None = None


def make_token(user: User, *, email: str | None = None) -> str:
    """A token verifying `email` (default: the user's address; else a change to it)."""
    payload = [user.pk, user.email] if email is None else [user.pk, email, user.email]
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> Link:
    """What a token says. Raises InvalidLink if it is tampered, malformed or expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.EMAIL_LINK_MAX_AGE)
        return Link(*payload)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidLink() from None


def confirm_email(*, token: str) -> User:
    """Open a link: verify the user's address, or switch the account to the new one.

    Verifying joins the guest orders placed with the address. A link for an address the
    account no longer has raises InvalidLink (400); an email change whose account's
    address changed meanwhile raises EmailChanged (409), one whose new address another
    account took raises EmailTaken (409). Opening a link twice changes nothing more.
    """
    link = read_token(token)
    user = User.objects.filter(pk=link.user_id, is_active=True).first()
    if user is None:
        raise InvalidLink()
    if user.email == link.email:
        if not user.email_verified:
            _verify(user)
        return user
    if link.old is None:
        raise InvalidLink()
    if user.email != link.old:
        raise EmailChanged()
    _change_email(user, old=link.old, new=link.email)
    return user


def _verify(user: User) -> None:
    with transaction.atomic():
        now = timezone.now()
        rows = User.objects.filter(pk=user.pk, email=user.email, email_verified_at__isnull=True)
        if rows.update(email_verified_at=now):
            user.email_verified_at = now
            join_guest_orders(user=user)


def _change_email(user: User, *, old: str, new: str) -> None:
    if User.objects.filter(email__iexact=new).exclude(pk=user.pk).exists():
        raise EmailTaken()
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                rows = User.objects.filter(pk=user.pk, email=old).update(
                    email=new, email_verified_at=now
                )
        except IntegrityError:  # taken concurrently
            raise EmailTaken() from None
        if not rows:  # changed concurrently
            raise EmailChanged()
        user.email, user.email_verified_at = new, now
        send(old, "Your Corner Shop email address was changed", "email_changed", new=new)
        join_guest_orders(user=user)


def send(to: str, subject: str, template: str, **context) -> None:
    """Queue one account email from templates/accounts/email/<template>.txt and .html."""
    context |= {"reset_link": _optional_link("password_reset:request"), "lasts": _lifetime()}
    with transaction.atomic(savepoint=False):  # the caller's transaction, if any
        enqueue(
            to=to,
            subject=subject,
            text_body=render_to_string(f"accounts/email/{template}.txt", context),
            html_body=render_to_string(f"accounts/email/{template}.html", context),
        )


def send_verification(user: User) -> None:
    """Queue the link that verifies the user's address."""
    link = site_link(reverse("accounts:verify", args=[make_token(user)]))
    send(user.email, "Confirm your Corner Shop email address", "verify", link=link)


def send_change_link(user: User, *, new: str) -> None:
    """Queue, to the new address, the link that moves the account to it."""
    link = site_link(reverse("accounts:verify", args=[make_token(user, email=new)]))
    send(new, "Confirm your new Corner Shop email address", "change", link=link, old=user.email)


def _lifetime() -> str:
    """How long a link works, in words: "3 days", "12 hours"."""
    hours = max(1, settings.EMAIL_LINK_MAX_AGE // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hour{'s' if hours > 1 else ''}"


def _optional_link(name: str) -> str | None:
    """The absolute link of a page that may not be installed."""
    try:
        return site_link(reverse(name))
    except NoReverseMatch:
        return None
