"""Catalog endpoints: thin over catalog.selectors and catalog.services."""

from typing import Annotated

from django.conf import settings
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from catalog import selectors, services
from catalog.images import rendition_urls
from catalog.models import Product, ProductImage, TaxClass
from catalog.options import values_of
from core.errors import NotFound
from core.openapi import doc, link
from core.permissions import require_perm
from core.schemas import Amount, Id, Money, multiline_text, patch_changes, text

router = Router(tags=["catalog"])

MAX_GRAMS = 2**31 - 1  # what a PositiveIntegerField holds on every database
OptionNames = Annotated[list[text(40)], Field(max_length=2)]
OptionValues = Annotated[dict[text(40), text(40)], Field(min_length=1, max_length=2)]


def _absolute(context, url: str | None) -> str | None:
    return context["request"].build_absolute_uri(url) if url else None


class RenditionOut(BaseModel):
    """One size of a picture, as the pages show it: JPEG or PNG, and WebP. (Built from a
    dict, so a plain pydantic model: validated without ninja's per-field lookups.)"""

    width: int
    height: int
    url: str
    webp_url: str | None  # null until the picture's renditions are made


class ImageOut(Schema):
    """A picture: the checked, re-encoded file, its size, and its renditions by size name
    (`card` 240×180, `product` 480×360, `cart` 64×48, `admin` 100×75 boxes, at 1x)."""

    id: int
    url: str
    alt: str
    width: int
    height: int
    sizes: dict[str, RenditionOut]

    @staticmethod
    def resolve_url(image: ProductImage, context) -> str:
        return _absolute(context, image.file.url)

    @staticmethod
    def resolve_sizes(image: ProductImage, context) -> dict[str, dict]:
        sizes = rendition_urls(image)
        for urls in sizes.values():
            urls["url"] = _absolute(context, urls["url"])
            urls["webp_url"] = _absolute(context, urls["webp_url"])
        return sizes


class OptionOut(BaseModel):
    name: str
    values: list[str]


class VariantOut(Schema):
    """One variant of a product with options: what is bought (`variant_id` in the cart)."""

    id: int
    sku: str
    options: dict[str, str]
    price: Money  # its own, else its product's
    stock: int
    in_stock: bool
    image_id: int | None  # its own picture (one of the product's `images`), else null

    @staticmethod
    def resolve_options(variant: Product) -> dict[str, str]:
        return dict(zip(variant.parent.option_names, variant.option_values, strict=False))

    @staticmethod
    def resolve_price(variant: Product):
        return variant.price if variant.price is not None else variant.parent.price

    @staticmethod
    def resolve_image_id(variant: Product) -> int | None:
        return variant.picture_id


class ProductOut(Schema):
    """A product as the API shows it, read with selectors.with_figures, its category,
    pictures and active variants."""

    id: int
    sku: str
    name: str
    slug: str
    description: str
    price: Money  # a product with options: what a variant without its own price costs
    price_from: Money | None  # the cheapest variant's price (null: no variant on sale)
    price_to: Money | None  # the dearest's; both the price without options
    currency: str
    category: str = Field(..., alias="category.slug")
    in_stock: bool
    stock: int  # with options: its active variants' together
    image_url: str | None  # the main picture (the first of `images`)
    images: list[ImageOut]
    options: list[OptionOut]  # [] for a product without options
    variants: list[VariantOut]  # its active variants, for a product with options

    @staticmethod
    def resolve_currency(product: Product) -> str:
        return settings.CURRENCY

    @staticmethod
    def resolve_stock(product: Product) -> int:
        return product.available

    @staticmethod
    def resolve_in_stock(product: Product) -> bool:
        return product.available > 0

    @staticmethod
    def resolve_image_url(product: Product, context) -> str | None:
        picture = product.main_picture
        return _absolute(context, picture.file.url) if picture else None

    @staticmethod
    def resolve_variants(product: Product) -> list[Product]:
        return list(product.variants.all()) if product.has_options else []

    @staticmethod
    def resolve_options(product: Product) -> list[dict]:
        if not product.has_options:
            return []
        values = values_of(product, list(product.variants.all()))
        return [{"name": n, "values": v} for n, v in zip(product.option_names, values, strict=True)]


class StaffVariantOut(VariantOut):
    """What staff writes of a variant answer: with what only staff see."""

    own_price: Money | None  # null: it sells at its product's price
    active: bool
    weight_grams: int
    tax_class: str

    @staticmethod
    def resolve_own_price(variant: Product):
        return variant.price


class StaffProductOut(ProductOut):
    """What staff writes answer: the product with what only staff see (shipping, tax)."""

    weight_grams: int
    tax_class: str


class StockOut(Schema):
    product_id: int
    sku: str
    quantity: int


class CategoryOut(Schema):
    id: int
    slug: str
    name: str


class ProductFilters(Schema):
    q: text(100, min_length=0) = ""
    category: text(100, min_length=0) = ""
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1)


class ProductIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "kiwi",
                    "name": "Kiwi",
                    "price": "0.75",
                    "stock": 40,
                    "category": "fruit",
                    "description": "Green and fuzzy.",
                    "weight_grams": 80,
                    "tax_class": "reduced",
                }
            ]
        }
    )

    sku: text(64)
    name: text(100)
    price: Amount
    stock: int = Field(0, ge=0, le=1_000_000, strict=True)
    category: text(100)
    description: multiline_text(5000) = ""  # tabs and line breaks allowed, as in the admin
    active: StrictBool = True
    weight_grams: int = Field(0, ge=0, le=MAX_GRAMS, strict=True)  # of one unit
    tax_class: TaxClass = TaxClass.STANDARD
    options: OptionNames = []  # e.g. ["Size", "Grind"]: sold as its variants


class ProductPatch(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"stock": 12}]})

    sku: text(64) | None = None
    name: text(100) | None = None
    price: Amount = None  # an explicit null is a 400 invalid_amount, like any bad amount
    stock: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    category: text(100) | None = None
    description: multiline_text(5000) | None = None
    active: StrictBool | None = None
    weight_grams: int | None = Field(None, ge=0, le=MAX_GRAMS, strict=True)
    tax_class: TaxClass | None = None
    options: OptionNames | None = None  # renames them; their number only without variants


class VariantIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "beans-1kg-ground",
                    "options": {"Size": "1 kg", "Grind": "Ground"},
                    "price": "16.00",
                    "stock": 12,
                    "weight_grams": 1000,
                }
            ]
        }
    )

    sku: text(64)
    options: OptionValues
    price: Amount | None = None  # absent or null: the product's price
    stock: int = Field(0, ge=0, le=1_000_000, strict=True)
    active: StrictBool = True
    weight_grams: int = Field(None, ge=0, le=MAX_GRAMS, strict=True)  # absent: the product's
    tax_class: TaxClass = None  # absent: the product's


class VariantPatch(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"stock": 30}, {"price": None}]})

    sku: text(64) | None = None
    options: OptionValues | None = None
    price: Amount | None = None  # null: back to the product's price
    stock: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    active: StrictBool | None = None
    weight_grams: int | None = Field(None, ge=0, le=MAX_GRAMS, strict=True)
    tax_class: TaxClass | None = None


def _visible_or_404(product_id: int) -> Product:
    try:
        return selectors.visible_product(product_id=product_id)
    except Product.DoesNotExist:
        raise NotFound("No such product.", code="product_not_found") from None


PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "How many products match, over all pages.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'The neighbouring pages: `<url>; rel="next"`, `<url>; rel="prev"`.',
        "schema": {"type": "string"},
    },
}
FIRST_ID = "$response.body#/0/id"
NEW_ID = "$response.body#/id"


@router.get(
    "/products",
    response=list[ProductOut],
    openapi_extra=doc(
        headers={200: PAGE_HEADERS},
        links={
            200: {
                "GetFirstProduct": link("catalog_api_get_product", product_id=FIRST_ID),
                "GetFirstStock": link("catalog_api_get_stock", product_id=FIRST_ID),
            }
        },
    ),
)
def list_products(request, response: HttpResponse, filters: Query[ProductFilters]):
    """Active products, newest first, paginated with `Link` and `X-Total-Count` headers."""
    page_size = min(filters.page_size, settings.NINJA_PAGINATION_MAX_PER_PAGE_SIZE)
    products = selectors.visible_products(q=filters.q, category=filters.category)
    page = selectors.product_page(products, page=filters.page, per_page=page_size)
    total = page.paginator.count
    response["X-Total-Count"] = str(total)
    links = []
    params = request.GET.copy()
    if filters.page * page_size < total:
        params["page"] = str(filters.page + 1)
        links.append(f'<{request.build_absolute_uri("?" + params.urlencode())}>; rel="next"')
    if filters.page > 1:
        params["page"] = str(filters.page - 1)
        links.append(f'<{request.build_absolute_uri("?" + params.urlencode())}>; rel="prev"')
    if links:
        response["Link"] = ", ".join(links)
    # A page past the end is empty (the selector would give the last one).
    return page.object_list if page.number == filters.page else []


@router.get("/products/{product_id}", response=ProductOut)
def get_product(request, product_id: Id):
    return _visible_or_404(product_id)


@router.get("/products/{product_id}/stock", response=StockOut)
def get_stock(request, product_id: Id):
    try:
        product = selectors.product_figures(product_id=product_id)
    except Product.DoesNotExist:
        raise NotFound("No such product.", code="product_not_found") from None
    return {"product_id": product.pk, "sku": product.sku, "quantity": product.available}


@router.get("/categories", response=list[CategoryOut])
def list_categories(request):
    return list(selectors.categories())


@router.post(
    "/products",
    response={201: StaffProductOut},
    openapi_extra=doc(
        errors=(409,),
        auth="staff",
        links={
            201: {
                "GetNewProduct": link("catalog_api_get_product", product_id=NEW_ID),
                "PatchNewProduct": link("catalog_api_update_product", product_id=NEW_ID),
                "DeleteNewProduct": link("catalog_api_delete_product", product_id=NEW_ID),
            }
        },
    ),
)
def create_product(request, body: ProductIn):
    """Staff only: add a product (with `options`, sold as the variants added to it)."""
    require_perm(request, "catalog.add_product")
    product = services.create_product(**body.model_dump())
    return Status(201, selectors.any_product(product_id=product.pk))


def _staff_product(product_id: int) -> Product:
    try:
        return selectors.any_product(product_id=product_id)
    except Product.DoesNotExist:
        raise NotFound("No such product.", code="product_not_found") from None


@router.patch(
    "/products/{product_id}",
    response=StaffProductOut,
    openapi_extra=doc(errors=(409,), auth="staff"),
)
def update_product(request, product_id: Id, body: ProductPatch):
    """Staff only: change some fields of a product (inactive ones too)."""
    require_perm(request, "catalog.change_product")
    try:
        product = Product.objects.select_related("category").get(pk=product_id, parent__isnull=True)
    except Product.DoesNotExist:
        raise NotFound("No such product.", code="product_not_found") from None
    services.update_product(product=product, **patch_changes(body))
    return _staff_product(product_id)


@router.delete("/products/{product_id}", response={204: None}, openapi_extra=doc(auth="staff"))
def delete_product(request, product_id: Id):
    """Staff only: the product becomes inactive; orders keep their lines."""
    require_perm(request, "catalog.delete_product")
    if not selectors.visible_products().filter(pk=product_id).exists():
        raise NotFound("No such product.", code="product_not_found")
    services.deactivate_product(product=Product(pk=product_id))
    return Status(204, None)


@router.post(
    "/products/{product_id}/variants",
    response={201: StaffVariantOut},
    openapi_extra=doc(errors=(404, 409), auth="staff"),
)
def create_variant(request, product_id: Id, body: VariantIn):
    """Staff only: add a variant to a product with options (409 `no_options` without)."""
    require_perm(request, "catalog.add_product")
    product = _staff_product(product_id)
    variant = services.create_variant(product=product, **body.model_dump(exclude_none=True))
    return Status(201, variant)


@router.patch(
    "/products/{product_id}/variants/{variant_id}",
    response=StaffVariantOut,
    openapi_extra=doc(errors=(404, 409), auth="staff"),
)
def update_variant(request, product_id: Id, variant_id: Id, body: VariantPatch):
    """Staff only: change some fields of a variant; `price` null sells it at the product's."""
    require_perm(request, "catalog.change_product")
    variant = services.variant_of(_staff_product(product_id), variant_id)
    return services.update_variant(variant=variant, **patch_changes(body, nullable=("price",)))


@router.delete(
    "/products/{product_id}/variants/{variant_id}",
    response={204: None},
    openapi_extra=doc(errors=(404,), auth="staff"),
)
def delete_variant(request, product_id: Id, variant_id: Id):
    """Staff only: the variant becomes inactive: carts holding it drop the line with a
    notice; orders keep their lines."""
    require_perm(request, "catalog.delete_product")
    variant = services.variant_of(_staff_product(product_id), variant_id)
    services.deactivate_product(product=variant)
    return Status(204, None)
