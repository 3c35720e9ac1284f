"""The accounts app's errors."""

from core.errors import ShopError


class InvalidCredentials(ShopError):
    code, status = "invalid_credentials", 401
    message = "The email address or password is not correct."
