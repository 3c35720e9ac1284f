"""The catalog's errors (the cart and orders raise them too)."""

from core.errors import Conflict, NotFound, ShopError


class ProductNotFound(NotFound):
    code, message = "product_not_found", "No such product."


class InsufficientStock(Conflict):
    code, message = "insufficient_stock", "Not enough stock."


class VariantRequired(ShopError):
    """A product with options is bought as one of its variants, never as itself."""

    code, message = "variant_required", "Choose one of the product's options."


class InvalidSubscriptionLink(ShopError):
    code, message = "invalid_link", "This link is invalid or has expired."


class BackInStockAlready(Conflict):
    code, message = "in_stock", "Good news: it is in stock now."
