"""Storefront catalog forms."""

from django import forms


class BackInStockForm(forms.Form):
    """The address to email once a sold-out product or variant is back."""

    email = forms.EmailField(label="Your email address", max_length=254)
