"""The OpenAPI document made exact: error responses, headers and auth schemes, centrally.

ninja describes each endpoint's success response from its schemas; the errors come from
shared code (the JSON parser, the exception handlers, the Origin check, auth), so they
are added here for every operation instead of in each router. `ERRORS` lists the domain
errors each operation can answer beyond the generic ones; a test keeps it complete.
"""

import re

from django.conf import settings
from django.utils import timezone
from ninja import NinjaAPI

UNSAFE = {"post", "put", "patch", "delete"}

ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "description": "The error envelope of every 4xx and 5xx answer.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Only for validation errors: the problems of each field.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "additionalProperties": True,
        }
    },
}

# status: (component name, description)
RESPONSES = {
    400: ("BadRequest", "Bad input: invalid JSON, wrong types, missing or invalid fields."),
    401: ("Unauthorized", "Not signed in, or the access token is invalid or expired."),
    402: ("PaymentRequired", "The card was declined (`card_declined`, `insufficient_funds`)."),
    403: ("Forbidden", "Not allowed, or an unsafe cookie request from another site."),
    404: ("NotFound", "Unknown, or not the caller's."),
    409: ("Conflict", "The request conflicts with the current state."),
    413: ("PayloadTooLarge", "The body is larger than 1 MB."),
    415: ("UnsupportedMediaType", "The body is not sent as application/json."),
    422: ("UnprocessableEntity", "The Idempotency-Key was already used for another request."),
    429: ("TooManyRequests", "Too many failed attempts; retry after `Retry-After` seconds."),
    502: ("BadGateway", "The payment processor failed; nothing was charged."),
    504: ("GatewayTimeout", "The payment processor did not answer in time."),
}

# Domain errors per operation ("METHOD /path", path parameters as {}), beyond the
# generic ones that _generic_statuses() derives from the operation's shape.
ERRORS = {
    "GET /api/products": set(),
    "POST /api/products": {409},
    "GET /api/products/{}": set(),
    "PATCH /api/products/{}": {409},
    "DELETE /api/products/{}": set(),
    "GET /api/products/{}/stock": set(),
    "GET /api/categories": set(),
    "GET /api/cart": set(),
    "POST /api/cart/items": {404, 409},
    "DELETE /api/cart/items": set(),
    "PATCH /api/cart/items/{}": {409},
    "DELETE /api/cart/items/{}": set(),
    "POST /api/cart/coupon": {429},
    "DELETE /api/cart/coupon": set(),
    "POST /api/checkout": {409, 422},
    "GET /api/orders": set(),
    "GET /api/orders/{}": set(),
    "POST /api/orders/{}/pay": {402, 409, 422, 429, 502, 504},
    "POST /api/orders/{}/refund": {403, 409, 422, 502, 504},
    "POST /api/orders/{}/cancel": {409, 502, 504},
    "POST /api/orders/{}/ship": {409},
    "POST /api/auth/login": {429},
    "POST /api/auth/logout": set(),
    "POST /api/auth/register": set(),
    "GET /api/auth/me": set(),
}

# Operations that need a signed-in caller (401 when anonymous) or staff (403 otherwise).
SIGNED_IN = {"GET /api/auth/me"}
STAFF = {
    "POST /api/products",
    "PATCH /api/products/{}",
    "DELETE /api/products/{}",
    "POST /api/orders/{}/ship",
}

REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when the answer repeats an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}

# Response headers, per operation and status.
HEADERS = {
    ("POST /api/checkout", "201"): REPLAYED,
    ("GET /api/products", "200"): {
        "X-Total-Count": {
            "description": "How many products match, over all pages.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        },
        "Link": {
            "description": 'The neighbouring pages: `<url>; rel="next"`, `<url>; rel="prev"`.',
            "schema": {"type": "string"},
        },
    },
}

# Operations that take an `Idempotency-Key` header (orders/api.py idempotency_key()).
IDEMPOTENT = {"POST /api/checkout", "POST /api/orders/{}/pay", "POST /api/orders/{}/refund"}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "A retry with the same key gets the first answer; nothing happens twice. "
    "Reusing a key for a different request is a 422.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}

# JSON bodies of 2xx answers whose endpoint declares no response schema.
BODIES = {
    ("POST /api/auth/logout", "200"): {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    },
}

# Request examples that work against the demo data (`load_demo`): shown by /api/docs, and
# used by schemathesis to reach the flows behind the validation (cart → order → pay).
EXAMPLES = {
    "AddItemIn": {"sku": "apple", "quantity": 2},
    "QuantityIn": {"quantity": 3},
    "CouponIn": {"code": "SAVE10"},
    "AddressIn": {
        "name": "Ada Lovelace",
        "street": "1 Main Street",
        "city": "Springfield",
        "zip": "12345",
        "country": "US",
    },
    "CheckoutIn": {
        "shipping_address": {
            "name": "Ada Lovelace",
            "street": "1 Main Street",
            "city": "Springfield",
            "zip": "12345",
            "country": "US",
        },
        "email": "ada@example.com",
    },
    "CardIn": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvv": "123"},
    "PayIn": {
        "method": "credit_card",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvv": "123"},
    },
    "RefundIn": {"amount": "0.50"},
    "CancelIn": {"reason": "Changed my mind"},
    "Credentials": {"email": "customer@example.com", "password": "customer123"},
    "ProductIn": {
        "sku": "kiwi",
        "name": "Kiwi",
        "price": "0.75",
        "stock": 40,
        "category": "fruit",
        "description": "Green and fuzzy.",
    },
    "ProductPatch": {"stock": 12},
}

# What the validators check beyond a field's JSON Schema type, where a schema can say it.
HINTS = {
    ("AddressIn", "country"): {"pattern": "^[A-Za-z]{2}$", "description": "ISO 3166 alpha-2"},
    ("CheckoutIn", "email"): {"format": "email"},
    ("Credentials", "email"): {"format": "email"},
    ("CardIn", "number"): {
        "pattern": "^[0-9]{12,19}$",
        "description": "12 to 19 digits passing the Luhn check (spaces and hyphens ignored).",
    },
    ("CardIn", "exp_month"): {"minimum": 1, "maximum": 12},
    ("CardIn", "exp_year"): {"minimum": 2000, "description": "Up to 50 years ahead."},
    ("CardIn", "cvv"): {"pattern": "^[0-9]{3,4}$"},
}

# Stateful links (schemathesis follows them): (operation, status) -> name -> (target
# operation, where the target's path parameter comes from in the answer).
ORDER_ID = "$response.body#/id"
LINKS = {
    ("POST /api/checkout", "201"): {
        "GetOrder": ("GET /api/orders/{}", ORDER_ID),
        "PayOrder": ("POST /api/orders/{}/pay", ORDER_ID),
        "CancelOrder": ("POST /api/orders/{}/cancel", ORDER_ID),
    },
    ("POST /api/orders/{}/pay", "200"): {
        "RefundOrder": ("POST /api/orders/{}/refund", ORDER_ID),
        "ShipOrder": ("POST /api/orders/{}/ship", ORDER_ID),
        "CancelPaidOrder": ("POST /api/orders/{}/cancel", ORDER_ID),
    },
    ("POST /api/orders/{}/refund", "200"): {
        "RefundAgain": ("POST /api/orders/{}/refund", ORDER_ID),
    },
    ("GET /api/products", "200"): {
        "GetFirstProduct": ("GET /api/products/{}", "$response.body#/0/id"),
        "GetFirstStock": ("GET /api/products/{}/stock", "$response.body#/0/id"),
    },
    ("POST /api/products", "201"): {
        "GetNewProduct": ("GET /api/products/{}", "$response.body#/id"),
        "PatchNewProduct": ("PATCH /api/products/{}", "$response.body#/id"),
        "DeleteNewProduct": ("DELETE /api/products/{}", "$response.body#/id"),
    },
    ("POST /api/cart/items", "200"): {
        "CheckOut": ("POST /api/checkout", None),
        "SetFirstLine": ("PATCH /api/cart/items/{}", "$response.body#/items/0/product_id"),
        "RemoveFirstLine": ("DELETE /api/cart/items/{}", "$response.body#/items/0/product_id"),
    },
}


def operation_key(method: str, path: str) -> str:
    """'POST /api/orders/{}/pay' for ('post', '/api/orders/{order_id}/pay')."""
    return f"{method.upper()} {re.sub(r'{[^}]+}', '{}', path)}"


class ShopAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also describes errors, headers and auth."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        complete(schema)
        return schema


def complete(schema: dict) -> dict:
    """Add the shared error responses, headers and security schemes to `schema`."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name, example in EXAMPLES.items():
        if name in schemas:
            schemas[name]["examples"] = [example]
    for (name, field), hint in HINTS.items():
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            prop.update(hint)
    card_year = schemas.get("CardIn", {}).get("properties", {}).get("exp_year")
    if card_year is not None:
        card_year["maximum"] = timezone.now().year + 50
    components["responses"] = {name: _error_response(text) for name, text in RESPONSES.values()}
    components["responses"]["TooManyRequests"]["headers"] = {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
    }
    components["securitySchemes"] = {
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
        "bearerAuth": {"type": "http", "scheme": "bearer"},
    }
    schema["security"] = [{}, {"cookieAuth": []}, {"bearerAuth": []}]
    operations = {
        operation_key(method, path): (path, method, operation)
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in UNSAFE | {"get"}
    }
    for key, (_path, method, operation) in operations.items():
        _complete_operation(key, method, operation)
    for (key, status), links in LINKS.items():
        if key in operations and status in operations[key][2]["responses"]:
            response = operations[key][2]["responses"][status]
            response["links"] = _links(links, operations)
    return schema


def _links(links: dict, operations: dict) -> dict:
    result = {}
    for name, (target, expression) in links.items():
        if target in operations:
            path, _method, operation = operations[target]
            result[name] = {"operationId": operation["operationId"]}
            if expression:
                parameter = re.search(r"{([^}]+)}", path).group(1)
                result[name]["parameters"] = {parameter: expression}
    return result


def _complete_operation(key: str, method: str, operation: dict) -> None:
    if key in SIGNED_IN | STAFF:
        operation["security"] = [{"cookieAuth": []}, {"bearerAuth": []}]
    if key in IDEMPOTENT:
        names = {p["name"].lower() for p in operation.setdefault("parameters", [])}
        if "idempotency-key" not in names:
            operation["parameters"].append(IDEMPOTENCY_KEY)
    responses = {str(status): r for status, r in operation.get("responses", {}).items()}
    operation["responses"] = responses
    for status, headers in ((s, h) for (k, s), h in HEADERS.items() if k == key):
        responses[status].setdefault("headers", {}).update(headers)
    for status, body in ((s, b) for (k, s), b in BODIES.items() if k == key):
        responses[status].setdefault("content", {"application/json": {"schema": body}})
    statuses = _generic_statuses(key, method, operation) | ERRORS.get(key, set())
    for status in sorted(statuses):
        responses.setdefault(
            str(status), {"$ref": f"#/components/responses/{RESPONSES[status][0]}"}
        )


def _generic_statuses(key: str, method: str, operation: dict) -> set[int]:
    """Errors that shared code answers, from the operation's shape alone."""
    statuses = {401}  # an invalid Authorization header is refused on every endpoint
    if operation.get("requestBody"):
        statuses |= {400, 413, 415}
    if operation.get("parameters"):
        statuses.add(400)
    if "{}" in key:
        statuses.add(404)
    if method in UNSAFE:
        statuses.add(403)  # a cookie request from a foreign Origin
    if key in STAFF:
        statuses.add(403)
    return statuses


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
