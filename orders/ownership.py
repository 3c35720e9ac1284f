"""Who owns an order: the signed-in user, or the guest session that placed it."""

from django.db.models import Q


class Owner:
    """The caller as an order owner; the only code that knows the session's orders key.

    A guest session remembers its orders under one key, `{"guest": id, "ids": [...]}` (ids
    and a short string only, so it fits a signed cookie), capped at the most recent
    MAX_REMEMBERED orders. The guest id scopes idempotency keys: it is the session's cart id
    at its first checkout, so a retry that carries the same cookie finds its first order
    even when the reply (and the cookie it set) was lost.
    """

    KEY, MAX_REMEMBERED = "orders", 50

    def __init__(self, *, user=None, session=None):
        self.user = user if user is not None and user.is_authenticated else None
        self.session = session if session is not None else {}

    @classmethod
    def of(cls, request) -> "Owner":
        return cls(user=getattr(request, "user", None), session=request.session)

    @property
    def is_guest(self) -> bool:
        return self.user is None

    @property
    def label(self) -> str:
        """How the audit log names this owner's actions."""
        return "guest" if self.is_guest else "customer"

    def _data(self) -> dict:
        return self.session.get(self.KEY) or {}

    @property
    def guest_order_ids(self) -> list[int]:
        return [int(pk) for pk in self._data().get("ids", [])]

    def scope(self, cart_id: str) -> str:
        """The idempotency scope: the user, or the guest id (the cart id until the first order)."""
        if self.user is not None:
            return f"user:{self.user.pk}"
        return "guest:" + (self._data().get("guest") or cart_id)

    def remember(self, order, scope: str) -> None:
        """Let this guest session see the order (no-op for users: they own it by account)."""
        if self.user is not None:
            return
        ids = [order.pk] + [pk for pk in self.guest_order_ids if pk != order.pk]
        guest = scope.removeprefix("guest:")
        # Assign a fresh value so that every session engine sees the change.
        self.session[self.KEY] = {"guest": guest, "ids": ids[: self.MAX_REMEMBERED]}

    def order_q(self, order_id: int) -> Q | None:
        """The filter for one order of this owner by id, or None if it cannot be theirs.

        Cheaper than orders_q() for reads by id: no IN list to compile, and no query at
        all for an order this guest session does not remember.
        """
        if self.user is not None:
            return Q(pk=order_id, user=self.user)
        return Q(pk=order_id, user__isnull=True) if order_id in self.guest_order_ids else None

    def orders_q(self) -> Q | None:
        """The filter for this owner's orders, or None if a guest session has none."""
        if self.user is not None:
            return Q(user=self.user)
        ids = self.guest_order_ids
        return Q(user__isnull=True, pk__in=ids) if ids else None
