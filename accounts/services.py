"""Account writes: register, sign in (with the cart merge), sign out, passwords, email."""

from django.contrib import auth
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts import throttle, verification
from accounts.errors import AlreadyVerified, InvalidCredentials, WrongPassword
from accounts.guest_orders import join_guest_orders
from accounts.models import User
from cart.cart import Cart, cart_for
from cart.services import adopt_country, carry_into_account
from core.errors import ShopError
from core.throttle import account_emails, account_emails_by_address
from orders.address_book import default_country


def _invalid(fields: dict) -> ShopError:
    return ShopError("Some fields are invalid.", code="validation_error", fields=fields)


def _normalized_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def _email_problems(email: str) -> list[str]:
    try:
        validate_email(email)
    except ValidationError as err:
        return list(err.messages)
    return []


def register(*, email: str, password: str) -> str:
    """Sign up an address; returns it normalized. Raises ShopError (400) if invalid.

    The outcome reads the same whether or not the address is taken, so that sign-up tells
    no one who has an account: a new address gets an unverified account and a link to
    verify it; the owner of a taken one gets an email saying someone tried, and nothing is
    created. The input is validated before the address is looked up.
    """
    email = _normalized_email(email)
    fields = {}
    if problems := _email_problems(email):
        fields["email"] = problems
    try:
        validate_password(password, user=User(email=email))
    except ValidationError as err:
        fields["password"] = list(err.messages)
    if fields:
        raise _invalid(fields)
    with transaction.atomic():
        owner = User.objects.filter(email__iexact=email).first()
        if owner is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(email=email, password=password)
            except IntegrityError:  # registered concurrently
                owner = User.objects.filter(email__iexact=email).first()
            else:
                verification.send_verification(user)
                return email
        make_password(password)  # as long as creating the account takes: timing tells nothing
        if owner is not None:
            verification.send(
                owner.email, "Someone tried to sign up with your address", "account_exists"
            )
    return email


def resend_verification(*, user: User, client: str | None) -> None:
    """Send the user a new verification link.

    Raises AlreadyVerified (409), or Throttled (429) past ACCOUNT_EMAIL_LIMIT an hour for
    the account or REGISTER_LIMIT_PER_ADDRESS for the client address.
    """
    if user.email_verified:
        raise AlreadyVerified()
    account_emails.hit(user.pk)
    account_emails_by_address.hit(client)
    verification.send_verification(user)


def request_email_change(*, user: User, email: str, password: str, client: str | None) -> str:
    """Send a link to a new address that moves the account there once opened; returns it.

    Nothing changes until then. If another account has the address, its owner is told
    instead, and the answer reads the same. Raises ShopError (400) for an invalid or
    unchanged address, WrongPassword (400; it counts as a failed sign-in), or Throttled
    (429: failed sign-ins, or emails asked for as in resend_verification()).
    """
    email = _normalized_email(email)
    if problems := _email_problems(email):
        raise _invalid({"email": problems})
    if email == user.email:
        raise _invalid({"email": ["This is already your email address."]})
    reserved = throttle.reserve(user.email, client)
    if not user.check_password(password):
        raise WrongPassword(fields={"password": [WrongPassword.message]})
    throttle.release(reserved)
    account_emails.hit(user.pk)
    account_emails_by_address.hit(client)
    with transaction.atomic():
        owner = User.objects.filter(email__iexact=email).first()
        if owner is None:
            verification.send_change_link(user, new=email)
        else:
            verification.send(
                owner.email, "Someone tried to move an account to your address", "change_taken"
            )
    return email


def authenticate(request, *, email: str, password: str) -> User:
    """The user these credentials name. Raises InvalidCredentials (401) or Throttled (429)."""
    user = auth.authenticate(request, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    return user


def log_in(request, user: User) -> None:
    """Sign the session in under a new key, merge its anonymous cart into the account's,
    estimate it for the default address and join the guest orders of a verified address."""
    was_anonymous = not request.user.is_authenticated
    has_cart = was_anonymous and Cart.KEY in request.session
    anonymous_cart = Cart(request.session).as_dict() if has_cart else None
    auth.login(request, user)  # cycles the session key (no fixation), keeps the session's data
    if anonymous_cart is not None:
        carry_into_account(cart=Cart(request.session, user), anonymous=anonymous_cart)
    if country := default_country(user):  # a cart without a country: the default's
        adopt_country(cart=cart_for(request), country=country)
    join_guest_orders(user=user)  # guest orders placed since (a no-op until verified)


def revoke_sessions(*, user_ids: list[int]) -> int:
    """Revoke every session and token of these users (bump their auth generation)."""
    return User.objects.filter(pk__in=user_ids).update(auth_generation=F("auth_generation") + 1)


def log_out(request) -> None:
    """Sign out everywhere: every session and token of the user is revoked, then this one.

    Bumping auth_generation is what makes a replayed signed-cookie session anonymous.
    """
    if request.user.is_authenticated:
        revoke_sessions(user_ids=[request.user.pk])
    auth.logout(request)


def change_password(request, *, user: User, new_password: str) -> None:
    """Set a new password; revokes every token and other session, keeps this one signed in."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_sessions(user_ids=[user.pk])
    user.refresh_from_db(fields=["auth_generation"])
    auth.update_session_auth_hash(request, user)
