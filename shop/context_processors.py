"""Template context shared by every storefront page."""

from django.conf import settings


def shop(request):
    """The currency and the cart badge's count (read lazily, only if a page shows it)."""
    from cart.cart import cart_for

    return {
        "CURRENCY": settings.CURRENCY,
        "cart_count": lambda: cart_for(request).count if hasattr(request, "session") else 0,
    }
