"""The catalog's errors (the cart and orders raise them too)."""

from core.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code, message = "product_not_found", "No such product."


class InsufficientStock(Conflict):
    code, message = "insufficient_stock", "Not enough stock."
