"""Pricing writes (staff): shipping methods with their weight bands, and tax rates.

Orders keep a snapshot of the shipping and tax they were placed with, so these edits
never change an order; deleting a method leaves its orders' `shipping_method` empty.
"""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from core.errors import Conflict, ShopError
from pricing.models import ShippingBand, ShippingMethod, TaxRate

METHOD_FIELDS = (
    "name",
    "price",
    "free_over",
    "all_countries",
    "countries",
    "tax_class",
    "active",
    "position",
)
RATE_FIELDS = ("country", "tax_class", "rate")


def create_shipping_method(
    *, name: str, price: Decimal, bands: list[dict] = (), **fields
) -> ShippingMethod:
    """Add a shipping method with its bands ({"up_to_grams", "price"}); 400 for a method
    that serves no country."""
    method = ShippingMethod(name=name, price=price)
    return _save_method(method, fields, bands)


def update_shipping_method(
    *, method: ShippingMethod, bands: list[dict] | None = None, **changes
) -> ShippingMethod:
    """Change some fields of a method; `bands`, when given, replace all of its bands."""
    return _save_method(method, changes, bands)


def delete_shipping_method(*, method: ShippingMethod) -> None:
    """Remove a method and its bands; orders keep the name and price they were placed with."""
    method.delete()


def create_tax_rate(*, country: str, tax_class: str, rate: Decimal) -> TaxRate:
    """Add a country's rate for a tax class; 409 `tax_rate_exists` if it has one already."""
    return _save_rate(TaxRate(country=country, tax_class=tax_class, rate=rate))


def update_tax_rate(*, tax_rate: TaxRate, **changes) -> TaxRate:
    """Change a rate (or its country or class: 409 `tax_rate_exists` if taken)."""
    for field, value in changes.items():
        if field in RATE_FIELDS:
            setattr(tax_rate, field, value)
    return _save_rate(tax_rate)


def delete_tax_rate(*, tax_rate: TaxRate) -> None:
    tax_rate.delete()


def _save_method(method: ShippingMethod, fields: dict, bands: list[dict] | None) -> ShippingMethod:
    for field, value in fields.items():
        if field in METHOD_FIELDS:
            setattr(method, field, value)
    _validate(method)
    new_bands = None
    if bands is not None:
        new_bands = [ShippingBand(up_to_grams=b["up_to_grams"], price=b["price"]) for b in bands]
        if len({band.up_to_grams for band in new_bands}) < len(new_bands):
            raise _invalid({"bands": ["Each band needs a different up_to_grams."]})
        for band in new_bands:
            _validate(band, exclude=["method"])
    with transaction.atomic():
        method.save()
        if new_bands is not None:
            method.bands.all().delete()
            for band in new_bands:
                band.method = method
            ShippingBand.objects.bulk_create(new_bands)
    return method


def _save_rate(tax_rate: TaxRate) -> TaxRate:
    _validate(tax_rate)
    try:
        with transaction.atomic():
            tax_rate.save()
    except IntegrityError:
        raise Conflict(
            f"{tax_rate.country.code} already has a {tax_rate.tax_class} tax rate.",
            code="tax_rate_exists",
        ) from None
    return tax_rate


def _validate(obj, exclude: list[str] | None = None) -> None:
    """The model's own checks (bounds, choices, clean()); a 400 naming the fields."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as err:
        raise _invalid(err.message_dict) from None


def _invalid(problems: dict[str, list[str]]) -> ShopError:
    fields = {"body" if name == NON_FIELD_ERRORS else name: list(p) for name, p in problems.items()}
    return ShopError("Some fields are invalid.", code="validation_error", fields=fields)
