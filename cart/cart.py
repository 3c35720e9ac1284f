"""The shopper's cart, held in the session."""

from uuid import uuid4

from cart.saved import saved_cart


class Cart:
    """The shopper's cart; the only code that knows its session keys.

    The session holds only ids, quantities, the cart id, the coupon code and the destination
    (country and shipping method) the shopper chose for the estimate, so that a full cart
    fits a signed cookie. Prices always come from the catalog (cart/selectors.py). `user`
    is the signed-in shopper (or None): cart/services.py saves their cart to the account on
    every change.

    Beside the cart, under QUOTE_KEY, the session keeps the figures last shown for it
    (cart/quote.py), which checkout compares with today's.
    """

    KEY, QUOTE_KEY, MAX_LINES, MAX_QTY = "cart", "cart_quote", 50, 99

    def __init__(self, session, user=None):
        self.session = session
        self.user = user if user is not None and user.is_authenticated else None
        self.load(session.get(self.KEY) or {})

    def load(self, raw: dict) -> None:
        self.id = raw.get("id") or str(uuid4())
        self.items = {int(pk): int(n) for pk, n in (raw.get("items") or {}).items()}
        self.coupon = raw.get("coupon")
        self.country = raw.get("country")  # ISO code, or None: no estimate yet
        self.method = raw.get("method")  # a shipping method id, or None: the cheapest

    def as_dict(self) -> dict:
        data = {
            "id": self.id,
            "items": {str(pk): n for pk, n in self.items.items()},
            "coupon": self.coupon,
        }
        if self.country:
            data["country"], data["method"] = self.country, self.method
        return data

    def state(self) -> tuple:
        """What save() would store, as one value to compare (to skip unchanged saves)."""
        return self.id, tuple(self.items.items()), self.coupon, self.country, self.method

    @property
    def count(self) -> int:
        return sum(self.items.values())

    def save(self) -> None:
        """Write the cart to the session (cart/services.py also saves it to the account)."""
        # Assigning a fresh value marks the session modified; never mutate it in place.
        self.session[self.KEY] = self.as_dict()

    def shown_quote(self) -> dict | None:
        """The figures last shown for this cart (cart/quote.py), if any."""
        quote = self.session.get(self.QUOTE_KEY)
        return quote if quote and quote.get("cart_id") == self.id else None

    def show_quote(self, quote: dict) -> None:
        """Remember the figures just shown; the session is written only when they changed."""
        if self.session.get(self.QUOTE_KEY) != quote:
            self.session[self.QUOTE_KEY] = quote

    def is_stored(self) -> bool:
        """Whether this cart is in the session yet (a new cart's id is not, until saved)."""
        return self.KEY in self.session

    def clear(self) -> None:
        """Empty the cart in memory, keeping its id."""
        self.items, self.coupon = {}, None

    def reset(self) -> None:
        """Empty the cart in memory and give it a new id (after checkout); the destination stays."""
        self.id = str(uuid4())
        self.clear()


def cart_for(request) -> Cart:
    """The cart of this request's shopper (the only way views and the API get a cart).

    A new session of a signed-in user (another device, a token client without cookies)
    starts from the cart saved against the account.
    """
    cart = Cart(request.session, getattr(request, "user", None))
    if cart.user is not None and not cart.is_stored():
        raw = saved_cart(cart.user)
        if raw is not None:
            cart.load(raw)
            cart.save()  # now this session's cart; the account already has it
    return cart
