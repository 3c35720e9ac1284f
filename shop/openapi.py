"""The OpenAPI document made exact: shared error responses and auth schemes.

Each endpoint declares what it alone knows next to itself (`openapi_extra=doc(...)`, see
core/openapi.py: its domain errors, auth, Idempotency-Key, headers, links) and each schema
its examples. This module adds what shared code answers on every operation (the JSON
parser, the exception handlers, the Origin check, auth), derived from the operation's shape.
"""

from django.conf import settings
from ninja import NinjaAPI

from core.openapi import RESPONSES, error_ref

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


class ShopAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also describes the shared errors and auth."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        complete(schema)
        return schema


def complete(schema: dict) -> dict:
    """Add the error envelope, the shared error responses and the security schemes."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["responses"] = {name: _error_response(text) for name, text in RESPONSES.values()}
    components["responses"]["TooManyRequests"]["headers"] = {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
    }
    components["securitySchemes"] = {
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
        "bearerAuth": {"type": "http", "scheme": "bearer"},
    }
    schema["security"] = [{}, {"cookieAuth": []}, {"bearerAuth": []}]
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = {str(status): r for status, r in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in sorted(_generic_statuses(path, method, operation)):
                responses.setdefault(str(status), error_ref(status))
    return schema


def _generic_statuses(path: str, method: str, operation: dict) -> set[int]:
    """Errors that shared code answers, from the operation's shape alone."""
    statuses = {401}  # an invalid Authorization header is refused on every endpoint
    if operation.get("requestBody"):
        statuses |= {400, 413, 415}
    if operation.get("parameters"):
        statuses.add(400)
    if "{" in path:
        statuses.add(404)
    if method in UNSAFE:
        statuses.add(403)  # a cookie request from a foreign Origin
    return statuses


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
