"""The shopper's cart, held in the session."""

from uuid import uuid4


class Cart:
    """The shopper's cart; the only code that knows its session keys."""

    KEY, MAX_LINES, MAX_QTY = "cart", 50, 99

    def __init__(self, session):
        self.session = session
        raw = session.get(self.KEY) or {}
        self.id = raw.get("id") or str(uuid4())
        self.items = {int(pk): n for pk, n in raw.get("items", {}).items()}
        self.coupon = raw.get("coupon")

    @property
    def count(self) -> int:
        return sum(self.items.values())

    def save(self) -> None:
        # Assigning a fresh value marks the session modified; never mutate it in place.
        items = {str(pk): n for pk, n in self.items.items()}
        self.session[self.KEY] = {"id": self.id, "items": items, "coupon": self.coupon}
