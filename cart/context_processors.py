"""Template context for every storefront page: the cart badge."""

from cart.cart import cart_for


def cart(request):
    """The cart badge's count (read lazily, only if a page shows it)."""
    return {"cart_count": lambda: cart_for(request).count if hasattr(request, "session") else 0}
