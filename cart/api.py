"""Cart endpoints of the JSON API (mounted under /api/cart by shop/api.py)."""

from typing import Annotated

from django.conf import settings
from django.http import HttpResponse
from ninja import Router
from pydantic import BaseModel, Field, StrictInt, model_validator

from cart import services
from cart.cart import Cart, cart_for
from cart.selectors import CartSummary
from core.schemas import MAX_ID, Id, Money, quantity, text
from shop.renderers import json_response

router = Router(tags=["cart"])

StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
AddQuantity = quantity(1, Cart.MAX_QTY)
LineQuantity = quantity(0, Cart.MAX_QTY)


# Plain pydantic models, not ninja Schemas: a Schema validates through ninja's attribute
# getter (built for ORM objects), which the cart's plain data does not need; the OpenAPI
# schema is the same.
class CartItemOut(BaseModel):
    id: int
    product_id: int
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


class CartOut(BaseModel):
    cart_id: str
    items: list[CartItemOut]
    item_count: int
    subtotal: Money
    coupon: str | None
    discount: Money
    total: Money
    currency: str
    notices: list[str]


class AddItemIn(BaseModel):
    # Defaults are None so that an absent field is "not given"; an explicit null is a 400.
    sku: text(64) = None
    product_id: StrictId = None
    quantity: AddQuantity = 1

    @model_validator(mode="after")
    def _one_product(self):
        if (self.sku is None) == (self.product_id is None):
            raise ValueError("give either sku or product_id")
        return self


class QuantityIn(BaseModel):
    quantity: LineQuantity


class CouponIn(BaseModel):
    code: text(32)


def cart_body(summary: CartSummary) -> dict:
    """The contract's cart object (CartOut's fields, in its order).

    Money is given as floats, as the JSON renderer would turn the Decimals (cents print
    exactly), so that the encoder does not call back into Python for each amount.
    """
    return {
        "cart_id": summary.cart_id,
        "items": [
            {
                "id": product.id,
                "product_id": product.id,
                "sku": product.sku,
                "name": product.name,
                "unit_price": float(product.price),
                "quantity": quantity,
                "line_total": float(line_total),
            }
            for product, quantity, line_total in summary.lines
        ],
        "item_count": summary.item_count,
        "subtotal": float(summary.subtotal),
        "coupon": summary.coupon.code if summary.coupon else None,
        "discount": float(summary.discount),
        "total": float(summary.total),
        "currency": settings.CURRENCY,
        "notices": summary.notices,
    }


def cart_response(summary: CartSummary) -> HttpResponse:
    """The cart as JSON. Every cart endpoint answers it; built from the shop's own data, it
    skips ninja's validation against CartOut (a tenth of a 20-line cart read's CPU).
    CartOut still documents it, and the API tests check real answers against the schema."""
    return json_response(cart_body(summary))


@router.get("", response=CartOut)
def get_cart(request):
    """The shopper's cart (a new, empty one with a fresh `cart_id` if none yet)."""
    return cart_response(services.read_cart(cart=cart_for(request)))


@router.post("/items", response=CartOut)
def add_item(request, body: AddItemIn):
    """Add a product by `sku` or `product_id`; a product already there adds up."""
    summary = services.add_to_cart(cart=cart_for(request), **body.model_dump())
    return cart_response(summary)


@router.patch("/items/{product_id}", response=CartOut)
def set_item_quantity(request, product_id: Id, body: QuantityIn):
    """Set a line's quantity (0 removes it); 404 if the product is not in the cart."""
    summary = services.set_quantity(
        cart=cart_for(request), product_id=product_id, quantity=body.quantity
    )
    return cart_response(summary)


@router.delete("/items/{product_id}", response=CartOut)
def remove_item(request, product_id: Id):
    """Remove a line; 404 if the product is not in the cart."""
    return cart_response(services.remove_from_cart(cart=cart_for(request), product_id=product_id))


@router.delete("/items", response=CartOut)
def clear(request):
    """Empty the cart (it keeps its `cart_id`)."""
    return cart_response(services.clear_cart(cart=cart_for(request)))


@router.post("/coupon", response=CartOut)
def apply_coupon(request, body: CouponIn):
    """Use a coupon code; the same code again changes nothing, a new one replaces it."""
    return cart_response(services.apply_coupon(cart=cart_for(request), code=body.code))


@router.delete("/coupon", response=CartOut)
def remove_coupon(request):
    """Stop using the cart's coupon."""
    return cart_response(services.remove_coupon(cart=cart_for(request)))
