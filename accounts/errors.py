"""The accounts app's errors."""

from core.errors import ShopError


class InvalidCredentials(ShopError):
    code, status = "invalid_credentials", 401
    message = "The email address or password is not correct."


class InvalidLink(ShopError):
    code, status = "invalid_link", 400
    message = "This link is invalid or has expired. Ask for a new one."


class EmailChanged(ShopError):
    code, status = "email_changed", 409
    message = "Your account's email address changed after this link was sent."


class EmailTaken(ShopError):
    code, status = "email_taken", 409
    message = "Another account uses this email address now."


class AlreadyVerified(ShopError):
    code, status = "already_verified", 409
    message = "Your email address is already confirmed."


class WrongPassword(ShopError):
    code, status = "wrong_password", 400
    message = "The password is not correct."
