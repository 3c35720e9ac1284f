"""Guest orders joining the account whose verified address placed them."""

from accounts.models import User
from orders.models import Order


def join_guest_orders(*, user: User) -> int:
    """Give the user the guest orders placed with their address, once it is verified.

    Never before: anyone may type someone else's address at sign-up, and only opening the
    link sent there proves the address is theirs. One UPDATE; returns how many joined.
    """
    if not user.email_verified:
        return 0
    guest_orders = Order.objects.filter(user__isnull=True, email__iexact=user.email)
    return guest_orders.update(user=user)
