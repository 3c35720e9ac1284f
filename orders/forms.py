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


class CheckoutForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=LIMITS["name"], required=False)
    street = forms.CharField(label="Street and number", max_length=LIMITS["street"])
    city = forms.CharField(label="City", max_length=LIMITS["city"])
    zip = forms.CharField(label="ZIP / postal code", max_length=LIMITS["zip"])
    country = forms.ChoiceField(
        label="Country", choices=country_choices, error_messages={"required": "Choose a country."}
    )
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

    def __init__(self, *args, guest: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not guest:
            del self.fields["email"]  # a signed-in customer's orders use the account email
        for name in ("name", "street", "city", "zip", "country"):
            self.fields[name].widget.attrs["autocomplete"] = _AUTOCOMPLETE[name]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if problem := email_problem(email):
            raise forms.ValidationError(f"Email {problem}.")
        return email

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
        if "token" in self.errors:
            self.errors.pop("token")
            raise forms.ValidationError("The form expired; please submit it again.")
        if not self.errors:
            fields = ("name", "street", "city", "zip", "country")
            self.address = Address.clean(**{name: data[name] for name in fields})
        return data


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
