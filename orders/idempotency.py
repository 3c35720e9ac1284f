"""The `Idempotency-Key` request header of the orders and payments API."""

from core.errors import ShopError

MAX_KEY_LENGTH = 255


def idempotency_key(request) -> str | None:
    """The `Idempotency-Key` header: 1–255 printable ASCII characters, or absent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise ShopError(
            "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
            code="invalid_idempotency_key",
        )
    return key
