"""The `Idempotency-Key` of the orders and payments API: one rule for what a key may be."""

from orders.errors import InvalidIdempotencyKey

MAX_KEY_LENGTH = 255


def check_key(key: str) -> str:
    """The key if it is 1–255 printable ASCII characters without spaces; else raises
    InvalidIdempotencyKey (400)."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidIdempotencyKey()
    return key


def idempotency_key(request) -> str | None:
    """The request's `Idempotency-Key` header, checked, or None if absent."""
    key = request.headers.get("Idempotency-Key")
    return None if key is None else check_key(key)
