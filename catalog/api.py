"""Catalog endpoints: thin over catalog.selectors and catalog.services."""

from django.conf import settings
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool

from catalog import selectors, services
from catalog.models import Product, TaxClass
from core.errors import NotFound, ShopError
from core.openapi import doc, link
from core.permissions import require_perm
from core.schemas import Amount, Id, Money, multiline_text, text

router = Router(tags=["catalog"])

MAX_GRAMS = 2**31 - 1  # what a PositiveIntegerField holds on every database


class ProductOut(Schema):
    """A product as the API shows it, read from a Product with its category."""

    id: int
    sku: str
    name: str
    slug: str
    description: str
    price: Money
    currency: str
    category: str = Field(..., alias="category.slug")
    in_stock: bool
    stock: int
    image_url: str | None

    @staticmethod
    def resolve_currency(product: Product) -> str:
        return settings.CURRENCY

    @staticmethod
    def resolve_image_url(product: Product, context) -> str | None:
        url = product.image_url
        return context["request"].build_absolute_uri(url) if url else None


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
    product = _visible_or_404(product_id)
    return {"product_id": product.pk, "sku": product.sku, "quantity": product.stock}


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
    """Staff only: add a product."""
    require_perm(request, "catalog.add_product")
    return Status(201, services.create_product(**body.model_dump()))


@router.patch(
    "/products/{product_id}",
    response=StaffProductOut,
    openapi_extra=doc(errors=(409,), auth="staff"),
)
def update_product(request, product_id: Id, body: ProductPatch):
    """Staff only: change some fields of a product (inactive ones too)."""
    require_perm(request, "catalog.change_product")
    try:
        product = Product.objects.select_related("category").get(pk=product_id)
    except Product.DoesNotExist:
        raise NotFound("No such product.", code="product_not_found") from None
    changes = body.model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None]
    if nulls:
        raise ShopError(
            "Some fields are invalid.",
            code="validation_error",
            fields={name: ["must not be null"] for name in nulls},
        )
    return services.update_product(product=product, **changes)


@router.delete("/products/{product_id}", response={204: None}, openapi_extra=doc(auth="staff"))
def delete_product(request, product_id: Id):
    """Staff only: the product becomes inactive; orders keep their lines."""
    require_perm(request, "catalog.delete_product")
    product = _visible_or_404(product_id)
    services.deactivate_product(product=product)
    return Status(204, None)
