"""Address book endpoints of the JSON API (mounted under /api/account/addresses by shop/api.py).

Signed-in only (401 otherwise); another user's address is 404, as an unknown one.
"""

from ninja import Router, Status

from core.errors import NotAuthenticated
from core.openapi import doc
from core.schemas import Id
from orders import address_book
from orders.address import Address
from orders.schemas import SavedAddressIn, SavedAddressOut, SavedAddressPatch

router = Router(tags=["address book"])

SIGNED_IN = doc(auth="user")


def _user(request):
    user = request.user
    if not user.is_authenticated:
        raise NotAuthenticated()
    return user


@router.get("", response=list[SavedAddressOut], openapi_extra=SIGNED_IN)
def list_addresses(request):
    """The caller's addresses, the default first, then the oldest first."""
    return address_book.addresses_of(_user(request))


@router.post("", response={201: SavedAddressOut}, openapi_extra=doc(errors=(409,), auth="user"))
def create_address(request, body: SavedAddressIn):
    """Add an address (checked as checkout checks it); the first one becomes the default.

    409 `address_book_full` past ADDRESS_BOOK_MAX (20) addresses.
    """
    fields = body.model_dump(exclude={"is_default"})
    saved = address_book.add_address(
        user=_user(request), address=Address(**fields), is_default=body.is_default
    )
    return Status(201, saved)


@router.get(
    "/{address_id}", response=SavedAddressOut, openapi_extra=doc(errors=(404,), auth="user")
)
def get_address(request, address_id: Id):
    return address_book.address_of(_user(request), address_id)


@router.patch(
    "/{address_id}", response=SavedAddressOut, openapi_extra=doc(errors=(404,), auth="user")
)
def update_address(request, address_id: Id, body: SavedAddressPatch):
    """Change the fields sent; `is_default: true` makes it the default (the old one stops
    being it). `is_default: false` on the default is a 400: make another one the default."""
    changes = body.model_dump(exclude_unset=True, exclude={"is_default"})
    return address_book.update_address(
        user=_user(request), address_id=address_id, changes=changes, is_default=body.is_default
    )


@router.delete("/{address_id}", response={204: None}, openapi_extra=doc(errors=(404,), auth="user"))
def delete_address(request, address_id: Id):
    """Delete an address; if it was the default, the oldest remaining one becomes it."""
    address_book.delete_address(user=_user(request), address_id=address_id)
    return Status(204, None)
