"""The address book: a signed-in shopper's saved shipping addresses, one of them the default.

Every address is checked as checkout checks it (`orders.address.Address.clean`). While the
book holds any address, exactly one is the default: the first one added becomes it, and
deleting the default makes the oldest remaining address the default.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import Conflict, NotFound
from core.schemas import MAX_ID
from orders.address import Address, AddressError, invalid
from orders.models import SavedAddress

ADDRESS_BOOK_MAX = 20
FIELDS = ("name", "street", "city", "zip", "country")


class AddressNotFound(NotFound):
    code, message = "address_not_found", "No such address."


class AddressBookFull(Conflict):
    code = "address_book_full"
    message = f"Your address book is full ({ADDRESS_BOOK_MAX} addresses at most)."


# Reads -----------------------------------------------------------------------------------


def addresses_of(user) -> list[SavedAddress]:
    """The user's addresses, the default first, then the oldest first (one query)."""
    return list(SavedAddress.objects.filter(user=user))


def address_of(user, address_id: int) -> SavedAddress:
    """One of the user's addresses. Raises AddressNotFound (404) for anyone else's."""
    if not 1 <= address_id <= MAX_ID:  # a page's URL may carry any number
        raise AddressNotFound()
    found = SavedAddress.objects.filter(user=user, pk=address_id).first()
    if found is None:
        raise AddressNotFound()
    return found


def default_of(addresses: list[SavedAddress]) -> SavedAddress | None:
    """The default among addresses already read."""
    return next((a for a in addresses if a.is_default), None)


def default_country_of(addresses: list[SavedAddress]) -> str | None:
    """The default's country code among addresses already read, or None."""
    default = default_of(addresses)
    return default.country.code if default else None


def default_country(user) -> str | None:
    """The country code of the user's default address, or None (no address, or a guest)."""
    if user is None or not user.is_authenticated:
        return None
    country = (
        SavedAddress.objects.filter(user=user, is_default=True)
        .values_list("country", flat=True)
        .first()
    )
    return country or None


def address_for_checkout(saved: SavedAddress) -> Address:
    """The shipping address of an order sent to a saved address."""
    return Address.clean(**saved.as_dict())


# Writes ----------------------------------------------------------------------------------


def _checked(values: dict) -> Address:
    """The address checked as checkout does. Raises the 400 validation error per field."""
    try:
        return Address.clean(**values)
    except AddressError as err:
        raise invalid(err.problems) from None


def _lock_book(user) -> None:
    """Serialize writes to one user's book (the limit and the one default) on PostgreSQL;
    SQLite's IMMEDIATE transactions already do."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()


def _set_default(user, address: SavedAddress) -> None:
    """Make `address` the only default (inside the caller's transaction)."""
    SavedAddress.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])


def add_address(*, user, address: Address, is_default: bool = False) -> SavedAddress:
    """Save an address to the user's book; the first one becomes the default.

    Raises the 400 validation error (fields named as in the address) or AddressBookFull (409).
    """
    address = _checked(address.as_dict())
    with transaction.atomic():
        _lock_book(user)
        count = SavedAddress.objects.filter(user=user).count()
        if count >= ADDRESS_BOOK_MAX:
            raise AddressBookFull()
        saved = SavedAddress.objects.create(user=user, **address.as_dict())
        if is_default or count == 0:
            _set_default(user, saved)
    return saved


def update_address(
    *, user, address_id: int, changes: dict, is_default: bool | None = None
) -> SavedAddress:
    """Change some fields of one of the user's addresses and/or make it the default.

    `is_default=False` on the default is refused (400): make another address the default.
    Raises AddressNotFound (404) or the 400 validation error.
    """
    with transaction.atomic():
        _lock_book(user)
        saved = address_of(user, address_id)
        if is_default is False and saved.is_default:
            raise invalid({"is_default": ["make another address the default instead"]})
        values = {**saved.as_dict(), **{k: v for k, v in changes.items() if k in FIELDS}}
        address = _checked(values)
        for name, value in address.as_dict().items():
            setattr(saved, name, value)
        saved.save(update_fields=list(FIELDS))
        if is_default:
            _set_default(user, saved)
    return saved


def make_default(*, user, address_id: int) -> SavedAddress:
    """Make one of the user's addresses the default. Raises AddressNotFound (404)."""
    with transaction.atomic():
        _lock_book(user)
        saved = address_of(user, address_id)
        _set_default(user, saved)
    return saved


def delete_address(*, user, address_id: int) -> None:
    """Delete one of the user's addresses; if it was the default, the oldest remaining one
    becomes the default. Raises AddressNotFound (404)."""
    with transaction.atomic():
        _lock_book(user)
        saved = address_of(user, address_id)
        saved.delete()
        if saved.is_default:
            oldest = SavedAddress.objects.filter(user=user).order_by("created_at", "id").first()
            if oldest is not None:
                _set_default(user, oldest)


def _same(saved: SavedAddress, address: Address) -> bool:
    return saved.as_dict() == address.as_dict()


def check_room(*, user, address: Address) -> None:
    """Before a checkout that saves its address: raise AddressBookFull (409) unless the
    address is already in the book or there is room for it."""
    book = addresses_of(user)
    if len(book) >= ADDRESS_BOOK_MAX and not any(_same(a, address) for a in book):
        raise AddressBookFull()


def remember_address(*, user, address: Address) -> SavedAddress:
    """After a checkout: the address as saved in the book, added unless already there.

    Raises AddressBookFull (409) if the book filled up meanwhile.
    """
    address = _checked(address.as_dict())
    for saved in addresses_of(user):
        if _same(saved, address):
            return saved
    return add_address(user=user, address=address)
