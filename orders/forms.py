"""Storefront order forms: the checkout address (with a one-time token) and cancel."""

import secrets

from django import forms
from django.core.validators import RegexValidator

from cart.forms import country_choices
from core.schemas import MAX_ID
from core.text import validate_line
from orders.address import (
    EMAIL_MAX,
    LIMITS,
    REASON_MAX,
    Address,
    country_problem,
    email_problem,
    text_problem,
)

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"


def new_form_token() -> str:
    """A one-time token for one rendering of the checkout form (a double submit reuses it)."""
    return secrets.token_urlsafe(24)


class AddressForm(forms.Form):
    """A shipping address, checked as checkout checks it (`self.address` once valid)."""

    ADDRESS_FIELDS = ("name", "street", "city", "zip", "country")

    name = forms.CharField(label="Full name", max_length=LIMITS["name"], required=False)
    street = forms.CharField(label="Street and number", max_length=LIMITS["street"])
    city = forms.CharField(label="City", max_length=LIMITS["city"])
    zip = forms.CharField(label="ZIP / postal code", max_length=LIMITS["zip"])
    country = forms.ChoiceField(
        label="Country", choices=country_choices, error_messages={"required": "Choose a country."}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.ADDRESS_FIELDS:
            self.fields[name].widget.attrs["autocomplete"] = _AUTOCOMPLETE[name]

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        problem = (
            country_problem(value)
            if name == "country"
            else text_problem(value, LIMITS[name], required=name != "name")
        )
        if problem:
            raise forms.ValidationError(f"This field {problem}.")
        return value

    def clean_name(self) -> str:
        return self._checked("name")

    def clean_street(self) -> str:
        return self._checked("street")

    def clean_city(self) -> str:
        return self._checked("city")

    def clean_zip(self) -> str:
        return self._checked("zip")

    def clean_country(self) -> str:
        return self._checked("country").upper()

    def clean(self):
        data = super().clean()
        if not any(name in self.errors for name in self.ADDRESS_FIELDS):
            self.address = Address.clean(**{name: data[name] for name in self.ADDRESS_FIELDS})
        return data


class SavedAddressForm(AddressForm):
    """An address of the address book (add or edit)."""

    is_default = forms.BooleanField(label="Make this my default address", required=False)


NEW_ADDRESS = "new"


class CheckoutForm(AddressForm):
    """The checkout: a saved address or a new one (optionally saved), email, method, token.

    `addresses`: a signed-in shopper's address book; when it has any, `saved_address`
    offers them (the default preselected) or "a new address" typed in the address fields,
    which are only checked for a new address. Once valid, `self.address` is the order's
    shipping address and `cleaned_data["country"]` its country.
    """

    saved_address = forms.ChoiceField(
        label="Ship to", widget=forms.RadioSelect, required=False, choices=()
    )
    save_address = forms.BooleanField(label="Save this address to my address book", required=False)
    email = forms.CharField(
        label="Email",
        max_length=EMAIL_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Radio buttons drawn by the template from the methods serving the country shown.
    shipping_method = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
    token = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(TOKEN_PATTERN)],
        error_messages={"required": "The form expired; please submit it again."},
    )

    def __init__(self, *args, guest: bool = True, addresses=(), book_full: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses, self.book_full = list(addresses), book_full
        self.saved = {str(a.pk): a for a in self.addresses}
        if guest:
            del self.fields["save_address"]  # only a signed-in shopper has an address book
        else:
            del self.fields["email"]  # a signed-in customer's orders use the account email
            if book_full:
                del self.fields["save_address"]
        if self.saved:
            field = self.fields["saved_address"]
            field.choices = [(pk, _one_line(a)) for pk, a in self.saved.items()]
            field.choices += [(NEW_ADDRESS, "A new address")]
            default = next((pk for pk, a in self.saved.items() if a.is_default), NEW_ADDRESS)
            field.initial = self.initial.get("saved_address") or default
        else:
            del self.fields["saved_address"]

    @property
    def chosen(self):
        """The saved address posted (a SavedAddress), or None for a new address."""
        if "saved_address" not in self.fields:
            return None
        return self.saved.get(self.data.get(self.add_prefix("saved_address"), ""))

    def full_clean(self):
        # A saved address chosen: the new-address fields are neither required nor checked.
        chosen = self.is_bound and self.chosen is not None
        required = {name: self.fields[name].required for name in self.ADDRESS_FIELDS}
        if chosen:
            for name in self.ADDRESS_FIELDS:
                self.fields[name].required = False
        try:
            super().full_clean()
        finally:
            for name, value in required.items():
                self.fields[name].required = value

    def _checked(self, name: str) -> str:
        if self.chosen is not None:
            return self.cleaned_data[name]
        return super()._checked(name)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if problem := email_problem(email):
            raise forms.ValidationError(f"Email {problem}.")
        return email

    def clean(self):
        chosen = self.chosen
        if chosen is None:
            data = super().clean()
        else:
            data = forms.Form.clean(self)
            for name in self.ADDRESS_FIELDS:  # typed but not used: never an error
                self.errors.pop(name, None)
            self.address = Address.clean(**chosen.as_dict())
            data["country"] = self.address.country
            data["save_address"] = False
        if "token" in self.errors:
            self.errors.pop("token")
            raise forms.ValidationError("The form expired; please submit it again.")
        return data


def _one_line(saved) -> str:
    parts = [saved.name, saved.street, f"{saved.zip} {saved.city}", saved.country.name]
    text = ", ".join(part for part in parts if part)
    return f"{text} (default)" if saved.is_default else text


_AUTOCOMPLETE = {
    "name": "name",
    "street": "street-address",
    "city": "address-level2",
    "zip": "postal-code",
    "country": "country",
}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=REASON_MAX,
        required=False,
        validators=[validate_line],  # one line, as in the API and orders.services.cancel
        widget=forms.TextInput(),
    )
