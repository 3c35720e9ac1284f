"""Bearer access tokens: signed, expiring, revoked by auth_generation or a new password."""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from core.errors import NotAuthenticated

SALT = "accounts.access-token"
MAX_TOKEN_LENGTH = 512


class InvalidToken(NotAuthenticated):
    code, message = "invalid_token", "The access token is invalid or expired. Sign in again."
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class SignInRequired(NotAuthenticated):
    headers = {"WWW-Authenticate": "Bearer"}


def _password_mark(user: User) -> str:
    # Any password change (the admin's, `changepassword`, ours) invalidates the token too.
    return salted_hmac(SALT, user.password, algorithm="sha256").hexdigest()[:16]


def issue_token(user: User) -> str:
    """A token naming the user, their auth generation and password, signed with a timestamp."""
    payload = [user.pk, user.auth_generation, _password_mark(user)]
    return signing.dumps(payload, salt=SALT, compress=False)


def user_for_token(token: str) -> User:
    """The active user a token names. Raises InvalidToken if tampered, expired or revoked."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    try:
        user_id, generation, mark = signing.loads(token, salt=SALT, max_age=settings.TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if (
        user is None
        or user.auth_generation != generation
        or not constant_time_compare(_password_mark(user), mark)
    ):
        raise InvalidToken()
    return user


def user_for_header(header: str) -> User:
    """The user of an `Authorization: Bearer <token>` header. Raises InvalidToken."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("Use Authorization: Bearer <access_token>.")
    return user_for_token(token.strip())
