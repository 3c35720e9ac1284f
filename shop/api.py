"""The JSON API: one NinjaAPI, strict JSON in, the contract's error envelope out."""

import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from core.errors import ShopError, Throttled
from core.outages import SERVICE_DOWN, is_outage
from shop.openapi import ShopAPI
from shop.renderers import JSONRenderer
from shop.unavailable import unavailable_response

MAX_JSON_DEPTH = 32


class JSONParser(Parser):
    """JSON objects only; numbers with a fraction parse as Decimal so money is never rounded."""

    def parse_body(self, request):
        ctype = request.content_type or ""
        if ctype != "application/json" and not ctype.endswith("+json"):
            raise ShopError(
                "Send the body as JSON (Content-Type: application/json).",
                code="unsupported_media_type",
                status=415,
            )
        try:
            data = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constants)
        except (ValueError, RecursionError) as err:
            raise ShopError("The body is not valid JSON.", code="invalid_json") from err
        if not isinstance(data, dict):
            raise ShopError("The body must be a JSON object.", code="invalid_json")
        if _too_deep(data):
            raise ShopError("The body is nested too deeply.", code="invalid_json")
        if not _valid_unicode(data):
            raise ShopError("The body contains invalid Unicode text.", code="invalid_json")
        return data


def _no_constants(name: str):
    raise ValueError(f"{name} is not allowed")


def _too_deep(value, level: int = 1) -> bool:
    """Whether a parsed value holds anything more than MAX_JSON_DEPTH levels down."""
    if level > MAX_JSON_DEPTH:
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    return any(_too_deep(child, level + 1) for child in value)


def _valid_unicode(value) -> bool:
    """No lone surrogates (`"\\ud800"`): no database can store them."""
    if isinstance(value, dict):
        return all(_valid_unicode(k) and _valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_unicode(v) for v in value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


api = ShopAPI(
    title="Shop API",
    version="1.0",
    description="The shop's JSON API. See docs/API.md for the conventions.",
    parser=JSONParser(),
    renderer=JSONRenderer(),
    urls_namespace="api",
    docs=Swagger(settings={"validatorUrl": None}),  # no third-party badge (CSP, privacy)
)


def error_response(request, status: int, code: str, message: str, fields=None, headers=None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = api.create_response(request, {"error": error}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ShopError)
def _shop_error(request, exc: ShopError):
    response = api.create_response(request, exc.envelope(), status=exc.status)
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    codes = set()
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
        fields.setdefault(".".join(parts) or "body", []).append(_clean_msg(err.get("msg", "")))
        codes.add(err.get("type", ""))
    code = codes.pop() if len(codes) == 1 and codes & CUSTOM_CODES else "validation_error"
    return error_response(request, 400, code, "Some fields are invalid.", fields)


CUSTOM_CODES = {"invalid_amount", "invalid_quantity", "invalid_card"}


def _clean_msg(msg: str) -> str:
    return msg.removeprefix("Value error, ")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ShopError):
        return _shop_error(request, exc.__cause__)
    if isinstance(exc.__cause__, RequestDataTooBig):
        return _too_big(request, exc.__cause__)
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return error_response(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return error_response(request, 413, "payload_too_large", "The body is larger than 1 MB.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "forbidden", "You are not allowed to do that.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_response(request, 401, "not_authenticated", "Sign in first.")


# The database or the cache is down: 503 + Retry-After (shop/unavailable.py), even with DEBUG on,
# where ninja would otherwise answer its traceback.
def _maybe_unavailable(request, exc):
    if not is_outage(exc):  # a bug that happens to be an OperationalError (SQLite): a 500
        raise exc
    return unavailable_response(request, exc)


for _down in SERVICE_DOWN:
    api.add_exception_handler(_down, _maybe_unavailable)


# URL patterns are tried in this order: the cart's come first, being the busiest.
api.add_router("/cart", "cart.api.router")
api.add_router("/", "cart.api.shipping_router")
api.add_router("/", "catalog.api.router")
api.add_router("/", "orders.api.router")
api.add_router("/", "orders.payments.api.router")
api.add_router("/staff", "pricing.api.router")
api.add_router("/auth", "accounts.api.router")
api.add_router("/account/addresses", "orders.address_book_api.router")
api.add_router("/account", "accounts.privacy_api.router")
api.add_router("/account", "accounts.api.account_router")
api.add_router("/auth", "accounts.password_reset_api.router")
