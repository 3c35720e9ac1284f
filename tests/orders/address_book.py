"""Shared by the address book's page and API tests: two addresses and how to save them."""

from orders.models import SavedAddress

HOME = {
    "name": "Ada",
    "street": "1 Main Street",
    "city": "Springfield",
    "zip": "12345",
    "country": "US",
}
WORK = {"name": "", "street": "9 Hauptstraße", "city": "Berlin", "zip": "10115", "country": "DE"}


def saved(user, *, is_default=False, **fields) -> SavedAddress:
    return SavedAddress.objects.create(user=user, is_default=is_default, **{**HOME, **fields})


def defaults(user) -> list[int]:
    """The ids of the user's default addresses (one at most, by the constraint)."""
    return list(
        SavedAddress.objects.filter(user=user, is_default=True).values_list("pk", flat=True)
    )
