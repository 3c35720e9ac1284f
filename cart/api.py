"""Cart endpoints of the JSON API (mounted under /api/cart by shop/api.py)."""

from typing import Annotated

from ninja import Query, Router
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from cart import services
from cart.cart import Cart, cart_for
from cart.errors import InvalidCoupon
from core.clients import client_address
from core.openapi import doc, link
from core.schemas import MAX_ID, Country, Id, Money, quantity, text
from core.throttle import coupon_failures_by_address

router = Router(tags=["cart"])

StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AddQuantity = quantity(1, Cart.MAX_QTY)
LineQuantity = quantity(0, Cart.MAX_QTY)


# The responses read the attributes of cart.selectors' CartSummary and its CartLines.
class CartItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int  # names the line in /api/cart/items/{id}: the product or variant bought
    product_id: int
    variant_id: int | None  # a product with options is bought as one of its variants
    options: dict[str, str]  # the variant's values, e.g. {"Size": "1 kg"}; {} without
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money
    tax_rate: Money | None  # percent; null until the cart has a country
    tax: Money | None


class ShippingOptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price: Money  # for this cart
    free: bool  # free because the goods reach the method's threshold


class CartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    cart_id: str
    items: list[CartItemOut] = Field(validation_alias="lines")
    item_count: int
    subtotal: Money
    coupon: str | None
    discount: Money
    # Null until the cart has a country (PUT /api/cart/destination); see docs/API.md.
    country: str | None
    shipping_method: ShippingOptionOut | None
    shipping: Money | None
    tax: Money | None
    tax_included: bool
    total: Money
    currency: str
    notices: list[str]

    @field_validator("coupon", mode="before")
    @classmethod
    def _code(cls, coupon):  # the summary holds the Coupon; the contract shows its code
        return getattr(coupon, "code", coupon)


class AddItemIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"sku": "apple", "quantity": 2}, {"variant_id": 12, "quantity": 1}]
        }
    )

    # Defaults are None so that an absent field is "not given"; an explicit null is a 400.
    sku: text(64) = None  # a product's or a variant's
    product_id: StrictId = None  # a product without options
    variant_id: StrictId = None  # one of a product's `variants`
    quantity: AddQuantity = 1

    @model_validator(mode="after")
    def _one_product(self):
        given = [self.sku, self.product_id, self.variant_id]
        if sum(value is not None for value in given) != 1:
            raise ValueError("give exactly one of sku, product_id and variant_id")
        return self


class DestinationIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"country": "DE", "shipping_method": 1}, {"country": "US"}]}
    )

    country: Country
    # Absent: the cheapest method delivering there (null is a 400, as everywhere).
    shipping_method: StrictId = None


class QuantityIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 3}]})

    quantity: LineQuantity


class CouponIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "SAVE10"}]})

    code: text(32)


@router.get("", response=CartOut)
def get_cart(request):
    """The shopper's cart (a new, empty one with a fresh `cart_id` if none yet)."""
    return services.read_cart(cart=cart_for(request))


FIRST_LINE = "$response.body#/items/0/id"


@router.post(
    "/items",
    response=CartOut,
    openapi_extra=doc(
        errors=(404, 409),
        links={
            200: {
                "CheckOut": link("orders_api_checkout"),
                "SetFirstLine": link("cart_api_set_item_quantity", product_id=FIRST_LINE),
                "RemoveFirstLine": link("cart_api_remove_item", product_id=FIRST_LINE),
            }
        },
    ),
)
def add_item(request, body: AddItemIn):
    """Add a product by `sku` or `product_id`, or a variant by `variant_id` or its `sku`; one
    already there adds up. A product with options itself is 400 `variant_required`."""
    return services.add_to_cart(
        cart=cart_for(request),
        product_id=body.variant_id or body.product_id,
        sku=body.sku,
        quantity=body.quantity,
    )


@router.patch("/items/{product_id}", response=CartOut, openapi_extra=doc(errors=(409,)))
def set_item_quantity(request, product_id: Id, body: QuantityIn):
    """Set a line's quantity (0 removes it); the path names the line by its `id` (the
    product's, or the variant's); 404 if no line has it."""
    return services.set_quantity(
        cart=cart_for(request), product_id=product_id, quantity=body.quantity
    )


@router.delete("/items/{product_id}", response=CartOut)
def remove_item(request, product_id: Id):
    """Remove a line, named by its `id`; 404 if no line has it."""
    return services.remove_from_cart(cart=cart_for(request), product_id=product_id)


@router.delete("/items", response=CartOut)
def clear(request):
    """Empty the cart (it keeps its `cart_id`)."""
    return services.clear_cart(cart=cart_for(request))


@router.post("/coupon", response=CartOut, openapi_extra=doc(errors=(429,)))
def apply_coupon(request, body: CouponIn):
    """Use a coupon code; the same code again changes nothing, a new one replaces it.

    Invalid codes are limited per cart and per client address (429 + Retry-After).
    """
    with coupon_failures_by_address.attempt(client_address(request), counts=InvalidCoupon):
        return services.apply_coupon(cart=cart_for(request), code=body.code)


@router.delete("/coupon", response=CartOut)
def remove_coupon(request):
    """Stop using the cart's coupon."""
    return services.remove_coupon(cart=cart_for(request))


@router.put("/destination", response=CartOut)
def set_destination(request, body: DestinationIn):
    """Estimate shipping and tax for a country and, optionally, a shipping method.

    400 `validation_error` for an unknown country, 400 `shipping_unavailable` (field
    `shipping_method`) for a method that does not deliver this cart there.
    """
    return services.choose_destination(
        cart=cart_for(request), country=body.country, method=body.shipping_method
    )


shipping_router = Router(tags=["cart"])


class ShippingMethodsQuery(BaseModel):
    # Empty or absent: the cart's country.
    country: Annotated[str, Field(max_length=2, pattern="^([A-Za-z]{2})?$")] = ""


@shipping_router.get("/shipping-methods", response=list[ShippingOptionOut])
def shipping_methods(request, query: Query[ShippingMethodsQuery]):
    """The shipping methods delivering this cart to `country` (default: the cart's), priced
    for this cart, cheapest first. 400 `country_required` without either."""
    return services.shipping_choices(cart=cart_for(request), country=query.country or None)
