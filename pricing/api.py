"""Staff endpoints for shipping methods and tax rates: thin over pricing.services.

Mounted under /staff, since GET /shipping-methods is the shopper's (the methods serving
the cart). Each endpoint needs the Django permission of the admin's same action.
"""

from typing import Annotated

from ninja import Router, Schema, Status
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
)

from catalog.models import TaxClass
from core.errors import NotFound
from core.openapi import doc, link
from core.permissions import require_perm
from core.schemas import Country, Id, Money, Percent, Price, patch_changes, text
from pricing import services
from pricing.models import ShippingMethod, TaxRate

router = Router(tags=["pricing"])

MAX_BANDS = 50
MAX_GRAMS = 2**31 - 1


Countries = Annotated[list[Country], Field(max_length=300)]


class ShippingBandIn(Schema):
    up_to_grams: int = Field(..., ge=1, le=MAX_GRAMS, strict=True)
    price: Price


def _distinct_bounds(bands: list[ShippingBandIn]) -> list[ShippingBandIn]:
    if len({band.up_to_grams for band in bands}) < len(bands):
        raise ValueError("each band needs a different up_to_grams")
    return bands


Bands = Annotated[
    list[ShippingBandIn], Field(max_length=MAX_BANDS), AfterValidator(_distinct_bounds)
]


class ShippingBandOut(Schema):
    up_to_grams: int
    price: Money


class ShippingMethodOut(Schema):
    id: int
    name: str
    price: Money
    free_over: Money | None
    all_countries: bool
    countries: list[str]
    tax_class: str
    active: bool
    position: int
    bands: list[ShippingBandOut]

    @staticmethod
    def resolve_countries(method: ShippingMethod) -> list[str]:
        return [country.code for country in method.countries]

    @staticmethod
    def resolve_bands(method: ShippingMethod) -> list:
        return list(method.bands.all())


class ShippingMethodIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Parcel",
                    "price": "4.90",
                    "free_over": "50.00",
                    "countries": ["DE", "AT"],
                    "bands": [{"up_to_grams": 2000, "price": "4.90"}],
                }
            ]
        }
    )

    name: text(100)
    price: Price
    free_over: Price | None = None  # null: never free
    all_countries: StrictBool = False
    countries: Countries = []
    tax_class: TaxClass = TaxClass.STANDARD
    active: StrictBool = True
    position: int = Field(0, ge=0, le=32767, strict=True)
    bands: Bands = []


class ShippingMethodPatch(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    name: text(100) | None = None
    price: Price = None  # an explicit null is a 400 invalid_amount, like any bad amount
    free_over: Price | None = None  # null: never free
    all_countries: StrictBool | None = None
    countries: Countries | None = None
    tax_class: TaxClass | None = None
    active: StrictBool | None = None
    position: int | None = Field(None, ge=0, le=32767, strict=True)
    bands: Bands | None = None  # replaces all of the method's bands


class TaxRateOut(Schema):
    id: int
    country: str
    tax_class: str
    rate: Money

    @staticmethod
    def resolve_country(tax_rate: TaxRate) -> str:
        return tax_rate.country.code


class TaxRateIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"country": "DE", "tax_class": "reduced", "rate": 7}]}
    )

    country: Country
    tax_class: TaxClass = TaxClass.STANDARD
    rate: Percent


class TaxRatePatch(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate": "7.5"}]})

    country: Country | None = None
    tax_class: TaxClass | None = None
    rate: Percent | None = None


def _method_or_404(method_id: int) -> ShippingMethod:
    try:
        return ShippingMethod.objects.get(pk=method_id)
    except ShippingMethod.DoesNotExist:
        raise NotFound("No such shipping method.", code="shipping_method_not_found") from None


def _rate_or_404(rate_id: int) -> TaxRate:
    try:
        return TaxRate.objects.get(pk=rate_id)
    except TaxRate.DoesNotExist:
        raise NotFound("No such tax rate.", code="tax_rate_not_found") from None


NEW_ID = "$response.body#/id"


@router.get("/shipping-methods", response=list[ShippingMethodOut], openapi_extra=doc(auth="staff"))
def list_shipping_methods(request):
    """Staff only: every shipping method, inactive ones too, in the shop's order."""
    require_perm(request, "pricing.view_shippingmethod")
    return list(ShippingMethod.objects.prefetch_related("bands"))


@router.post(
    "/shipping-methods",
    response={201: ShippingMethodOut},
    openapi_extra=doc(
        auth="staff",
        links={
            201: {
                "GetNewShippingMethod": link("pricing_api_get_shipping_method", method_id=NEW_ID),
                "PatchNewShippingMethod": link(
                    "pricing_api_update_shipping_method", method_id=NEW_ID
                ),
                "DeleteNewShippingMethod": link(
                    "pricing_api_delete_shipping_method", method_id=NEW_ID
                ),
            }
        },
    ),
)
def create_shipping_method(request, body: ShippingMethodIn):
    """Staff only: add a shipping method with its weight bands (none: one price for all)."""
    require_perm(request, "pricing.add_shippingmethod")
    return Status(201, services.create_shipping_method(**body.model_dump()))


@router.get(
    "/shipping-methods/{method_id}", response=ShippingMethodOut, openapi_extra=doc(auth="staff")
)
def get_shipping_method(request, method_id: Id):
    """Staff only: a shipping method with its bands."""
    require_perm(request, "pricing.view_shippingmethod")
    return _method_or_404(method_id)


@router.patch(
    "/shipping-methods/{method_id}", response=ShippingMethodOut, openapi_extra=doc(auth="staff")
)
def update_shipping_method(request, method_id: Id, body: ShippingMethodPatch):
    """Staff only: change some fields; `bands`, when sent, replace all of the bands."""
    require_perm(request, "pricing.change_shippingmethod")
    method = _method_or_404(method_id)
    return services.update_shipping_method(
        method=method, **patch_changes(body, nullable=("free_over",))
    )


@router.delete(
    "/shipping-methods/{method_id}", response={204: None}, openapi_extra=doc(auth="staff")
)
def delete_shipping_method(request, method_id: Id):
    """Staff only: remove a method; orders keep the shipping they were placed with."""
    require_perm(request, "pricing.delete_shippingmethod")
    services.delete_shipping_method(method=_method_or_404(method_id))
    return Status(204, None)


@router.get("/tax-rates", response=list[TaxRateOut], openapi_extra=doc(auth="staff"))
def list_tax_rates(request):
    """Staff only: every tax rate, by country and tax class."""
    require_perm(request, "pricing.view_taxrate")
    return list(TaxRate.objects.all())


@router.post(
    "/tax-rates", response={201: TaxRateOut}, openapi_extra=doc(errors=(409,), auth="staff")
)
def create_tax_rate(request, body: TaxRateIn):
    """Staff only: a country's rate for a tax class; 409 `tax_rate_exists` if it has one."""
    require_perm(request, "pricing.add_taxrate")
    return Status(201, services.create_tax_rate(**body.model_dump()))


@router.patch(
    "/tax-rates/{rate_id}", response=TaxRateOut, openapi_extra=doc(errors=(409,), auth="staff")
)
def update_tax_rate(request, rate_id: Id, body: TaxRatePatch):
    """Staff only: change a rate (moving it onto a country and class taken is a 409)."""
    require_perm(request, "pricing.change_taxrate")
    return services.update_tax_rate(tax_rate=_rate_or_404(rate_id), **patch_changes(body))


@router.delete("/tax-rates/{rate_id}", response={204: None}, openapi_extra=doc(auth="staff"))
def delete_tax_rate(request, rate_id: Id):
    """Staff only: remove a tax rate (the class is then untaxed in that country)."""
    require_perm(request, "pricing.delete_taxrate")
    services.delete_tax_rate(tax_rate=_rate_or_404(rate_id))
    return Status(204, None)
