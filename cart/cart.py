"""The shopper's cart, held in the session."""

from uuid import uuid4


class Cart:
    """The shopper's cart; the only code that knows its session keys.

    The session holds only ids, quantities, the cart id and the coupon code, so that a
    full cart fits a signed cookie. Prices always come from the catalog (cart/selectors.py).
    """

    KEY, MAX_LINES, MAX_QTY = "cart", 50, 99

    def __init__(self, session, user=None):
        self.session = session
        self.user = user if user is not None and user.is_authenticated else None
        self.load(session.get(self.KEY) or {})

    def load(self, raw: dict) -> None:
        self.id = raw.get("id") or str(uuid4())
        self.items = {int(pk): int(n) for pk, n in (raw.get("items") or {}).items()}
        self.coupon = raw.get("coupon")

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "items": {str(pk): n for pk, n in self.items.items()},
            "coupon": self.coupon,
        }

    @property
    def count(self) -> int:
        return sum(self.items.values())

    def save(self) -> None:
        # Assigning a fresh value marks the session modified; never mutate it in place.
        self.session[self.KEY] = self.as_dict()

    def is_stored(self) -> bool:
        """Whether this cart is in the session yet (a new cart's id is not, until saved)."""
        return self.KEY in self.session

    def clear(self) -> None:
        """Empty the cart, keeping its id."""
        self.items, self.coupon = {}, None
        self.save()

    def reset(self) -> None:
        """Empty the cart and give it a new id (after checkout)."""
        self.id = str(uuid4())
        self.clear()


def cart_for(request) -> Cart:
    """The cart of this request's shopper (the only way views and the API get a cart)."""
    return Cart(request.session, getattr(request, "user", None))
