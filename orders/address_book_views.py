"""Address book pages: the list with an add form, edit, delete and make default."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cart import services as cart_services
from cart.cart import cart_for
from core.errors import ShopError
from orders import address_book
from orders.address_book import ADDRESS_BOOK_MAX, AddressNotFound
from orders.forms import SavedAddressForm


def _form_errors(form, err: ShopError) -> None:
    """A service's error on the form: per field when it names fields, else for the form."""
    fields = {name: msgs for name, msgs in (err.fields or {}).items() if name in form.fields}
    for name, problems in fields.items():
        form.add_error(name, problems)
    if not fields:
        form.add_error(None, err.message)


@login_required
@require_http_methods(["GET", "POST"])
def addresses(request):
    """The shopper's addresses, default first, and a form to add one."""
    user = request.user
    form = SavedAddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            address_book.add_address(
                user=user, address=form.address, is_default=form.cleaned_data["is_default"]
            )
        except ShopError as err:
            _form_errors(form, err)
        else:
            messages.success(request, "The address was added to your address book.")
            return _done(request)
    book = address_book.addresses_of(user)
    context = {"addresses": book, "form": form, "full": len(book) >= ADDRESS_BOOK_MAX}
    return render(request, "orders/address_book/list.html", {**context, "max": ADDRESS_BOOK_MAX})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    saved = _owned(request, pk)
    if request.method == "GET":
        form = SavedAddressForm(initial={**saved.as_dict(), "is_default": saved.is_default})
    else:
        form = SavedAddressForm(request.POST)
        if form.is_valid():
            try:
                address_book.update_address(
                    user=request.user,
                    address_id=saved.pk,
                    changes=form.address.as_dict(),
                    is_default=True if form.cleaned_data["is_default"] else None,
                )
            except ShopError as err:
                _form_errors(form, err)
            else:
                messages.success(request, "The address was saved.")
                return _done(request)
    return render(request, "orders/address_book/edit.html", {"form": form, "saved": saved})


@login_required
@require_POST
def delete(request, pk: int):
    try:
        address_book.delete_address(user=request.user, address_id=pk)
    except AddressNotFound:
        raise Http404("No such address.") from None
    messages.success(request, "The address was deleted.")
    return _done(request)


@login_required
@require_POST
def make_default(request, pk: int):
    try:
        address_book.make_default(user=request.user, address_id=pk)
    except AddressNotFound:
        raise Http404("No such address.") from None
    messages.success(request, "This is your default address now.")
    return _done(request)


def _done(request):
    """After a change: the cart is estimated for the default address's country."""
    country = address_book.default_country(request.user)
    cart_services.adopt_country(cart=cart_for(request), country=country, replace=True)
    return redirect("orders:addresses")


def _owned(request, pk: int):
    try:
        return address_book.address_of(request.user, pk)
    except AddressNotFound:
        raise Http404("No such address.") from None
