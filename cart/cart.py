"""The shopper's cart, held in the session."""

from uuid import uuid4

from accounts.carts import save_cart, saved_cart


class Cart:
    """The shopper's cart; the only code that knows its session keys.

    The session holds only ids, quantities, the cart id and the coupon code, so that a
    full cart fits a signed cookie. Prices always come from the catalog (cart/selectors.py).
    """

    KEY, MAX_LINES, MAX_QTY = "cart", 50, 99

    def __init__(self, session, user=None):
        self.session = session
        self.user = user if user is not None and user.is_authenticated else None
        raw = session.get(self.KEY)
        if raw is None and self.user is not None:
            # A new session of a signed-in user (another device, a token client without
            # cookies) starts from the cart saved against the account.
            raw = self.saved_data()
            if raw is not None:
                session[self.KEY] = raw  # now this session's cart: stored, no write back
        self.load(raw or {})

    def saved_data(self) -> dict | None:
        """The cart saved against the signed-in user's account, or None."""
        return saved_cart(self.user) if self.user is not None else None

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

    def state(self) -> tuple:
        """What save() would store, as one cheaply compared value (to skip unchanged saves)."""
        return self.id, tuple(self.items.items()), self.coupon

    @property
    def count(self) -> int:
        return sum(self.items.values())

    def save(self) -> None:
        # Assigning a fresh value marks the session modified; never mutate it in place.
        data = self.as_dict()
        self.session[self.KEY] = data
        if self.user is not None:
            save_cart(self.user, data)  # every change of a signed-in user's cart follows them

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
