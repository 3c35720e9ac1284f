"""The pricing app's errors."""

from core.errors import ShopError


class ShippingUnavailable(ShopError):
    """The chosen (or any) shipping method does not deliver this cart there (400)."""

    code, message = "shipping_unavailable", "No shipping method delivers this order there."
