"""Password reset by email, on Django's reset form and tokens; the links go out via the outbox.

Django's token (default_token_generator) is bound to the password hash, the last sign-in
and the email address, so a link dies once it is used, once the user signs in, when the
address changes, or after PASSWORD_RESET_TIMEOUT. The storefront pages are Django's reset
views (accounts/password_reset_views.py); the API calls request_reset() and confirm_reset().
"""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode

from accounts import throttle
from accounts.models import User
from accounts.services import revoke_sessions
from core.errors import ShopError
from core.links import site_link
from core.text import validate_line
from outbox.services import enqueue

SUBJECT = "Reset your Corner Shop password"
MAX_USER_ID = 2**31 - 1


class InvalidResetToken(ShopError):
    code, status = "invalid_reset_token", 400
    message = "This password reset link is invalid, expired or already used. Ask for a new one."


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset request form; its email is queued in the outbox with a SITE_URL link.

    Only active accounts with a usable password get an email (Django's get_users()).
    """

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        validators=[validate_line],
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def save(self, **kwargs) -> None:
        """Queue a reset link to each matching account, in one transaction.

        Takes what PasswordResetView passes; the request's Host never makes the link.
        """
        kwargs["domain_override"] = urlsplit(settings.SITE_URL).netloc
        with transaction.atomic():
            super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        """Queue the email (Django's own would send it at once, outside any transaction)."""
        path = reverse(
            "password_reset:confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        context = {
            "user": context["user"],
            "link": site_link(path),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)),
        }
        enqueue(
            to=to_email,
            subject=SUBJECT,
            text_body=render_to_string("accounts/email/password_reset.txt", context),
            html_body=render_to_string("accounts/email/password_reset.html", context),
        )


def request_reset(*, email: str, client: str | None) -> None:
    """Email a reset link to the account at this address, if there is one (nothing says so).

    Raises ShopError (400, field `email`) for a malformed address, Throttled (429) past
    the limits per email address and per client address; a refused request sends nothing.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        fields = {name: list(problems) for name, problems in form.errors.items()}
        raise ShopError("Some fields are invalid.", code="validation_error", fields=fields)
    throttle.count_reset_request(form.cleaned_data["email"], client)
    form.save()


def user_for_uid(uidb64: str) -> User | None:
    """The active user a reset link's uid names, or None."""
    try:
        uid = urlsafe_base64_decode(uidb64).decode()
    except ValueError:  # not base64, or not UTF-8 (UnicodeDecodeError is a ValueError)
        return None
    # Only the digits the link was made with: int() would also take " 1", "+1" or "1_0".
    if not (uid.isascii() and uid.isdigit() and len(uid) <= 10 and 1 <= int(uid) <= MAX_USER_ID):
        return None
    return User.objects.filter(pk=int(uid), is_active=True).first()


def set_new_password(*, user: User, new_password: str) -> None:
    """Set the password a reset link allows and sign the user out everywhere.

    The password is replaced only if it is still the one the link was made for, so one
    link sets at most one password even when used twice at once.
    Raises InvalidResetToken if the password changed meanwhile.
    """
    old_hash = user.password
    user.set_password(new_password)
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, password=old_hash).update(password=user.password)
        if not updated:
            raise InvalidResetToken()
        revoke_sessions(user_ids=[user.pk])  # every session and API token ends
    user.refresh_from_db(fields=["auth_generation"])


def confirm_reset(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a reset link's uid and token; signs the user out everywhere.

    Raises InvalidResetToken (400) for a bad, expired or used link, ShopError (400, field
    `new_password`) for a password Django's validators refuse.
    """
    user = user_for_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidResetToken()
    try:
        validate_password(new_password, user=user)
    except ValidationError as err:
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={"new_password": list(err.messages)},
        ) from None
    set_new_password(user=user, new_password=new_password)
    return user
