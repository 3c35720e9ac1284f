"""Account writes: register, sign in (with the cart merge), sign out, change password."""

from django.contrib import auth
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models import F

from accounts.errors import InvalidCredentials
from accounts.models import User
from cart.cart import Cart
from cart.services import carry_into_account
from core.errors import ShopError

TAKEN = "An account with this email address already exists."


def _invalid(fields: dict) -> ShopError:
    return ShopError("Some fields are invalid.", code="validation_error", fields=fields)


def register(*, email: str, password: str) -> User:
    """Create a shopper account. Raises ShopError (400, field errors) if invalid or taken."""
    email = User.objects.normalize_email(email.strip()).lower()
    fields = {}
    try:
        validate_email(email)
    except ValidationError as err:
        fields["email"] = list(err.messages)
    if "email" not in fields and User.objects.filter(email__iexact=email).exists():
        fields["email"] = [TAKEN]
    try:
        validate_password(password, user=User(email=email))
    except ValidationError as err:
        fields["password"] = list(err.messages)
    if fields:
        raise _invalid(fields)
    try:
        return User.objects.create_user(email=email, password=password)
    except IntegrityError:  # registered concurrently
        raise _invalid({"email": [TAKEN]}) from None


def authenticate(request, *, email: str, password: str) -> User:
    """The user these credentials name. Raises InvalidCredentials (401) or Throttled (429)."""
    user = auth.authenticate(request, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    return user


def log_in(request, user: User) -> None:
    """Sign the session in under a new key and merge its anonymous cart into the account's."""
    was_anonymous = not request.user.is_authenticated
    has_cart = was_anonymous and Cart.KEY in request.session
    anonymous_cart = Cart(request.session).as_dict() if has_cart else None
    auth.login(request, user)  # cycles the session key (no fixation), keeps the session's data
    if anonymous_cart is not None:
        carry_into_account(cart=Cart(request.session, user), anonymous=anonymous_cart)


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
