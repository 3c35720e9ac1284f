"""Storefront cart forms (the API has its own strict schemas in cart/api.py)."""

from django import forms
from django_countries import countries

from cart.cart import Cart
from core.schemas import MAX_ID
from core.text import validate_line


class AddToCartForm(forms.Form):
    # Posted by the catalog's cards, which share one form address; else the URL names it.
    product = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    quantity = forms.IntegerField(min_value=1, max_value=Cart.MAX_QTY, initial=1, required=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean_quantity(self) -> int:
        return self.cleaned_data["quantity"] or 1


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=Cart.MAX_QTY)


class CouponForm(forms.Form):
    code = forms.CharField(label="Coupon code", max_length=32, validators=[validate_line])


def country_choices() -> list[tuple[str, str]]:
    """Every country by name (django-countries), stored as its 2-letter code."""
    return [("", "Choose a country"), *countries]


class DestinationForm(forms.Form):
    """Where the cart goes, for the estimate of shipping and tax."""

    country = forms.ChoiceField(
        label="Country",
        choices=country_choices,
        error_messages={"required": "Choose a country."},
    )
    # Radio buttons drawn by the template from the methods serving the country; empty: cheapest.
    shipping_method = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
