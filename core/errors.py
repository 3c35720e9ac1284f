"""The one error type of the domain; the API maps it to the contract's envelope."""


class ShopError(Exception):
    """A domain error a shopper or client can act on: a code, an HTTP status, a sentence."""

    code = "bad_request"
    status = 400
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict | None = None,
        **extra,
    ):
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields
        self.extra = extra
        super().__init__(self.message)

    def envelope(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        error.update(self.extra)
        return {"error": error}


class NotFound(ShopError):
    code, status, message = "not_found", 404, "Not found."


class Forbidden(ShopError):
    code, status, message = "forbidden", 403, "You are not allowed to do that."


class NotAuthenticated(ShopError):
    code, status, message = "not_authenticated", 401, "Sign in first."


class Conflict(ShopError):
    code, status, message = "conflict", 409, "The request conflicts with the current state."


class Throttled(ShopError):
    code, status, message = "throttled", 429, "Too many attempts. Try again later."

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
