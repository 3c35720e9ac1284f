"""Request guards that apply before any view."""

from http import HTTPStatus
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiOriginMiddleware:
    """Refuse unsafe cookie-authenticated API requests sent from another site (403).

    The JSON API is exempt from Django's CSRF token (scripts use it), so it checks the
    browser's `Origin` header instead; token clients (`Authorization`) are not at risk.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # path_info, not path: the shop may be served under a prefix (SCRIPT_NAME=/shop).
        if request.path_info.startswith("/api/") and request.method in UNSAFE:
            origin = request.headers.get("Origin")
            if (
                origin
                and "Authorization" not in request.headers
                and not self._same_site(request, origin)
            ):
                return JsonResponse(
                    {
                        "error": {
                            "code": "forbidden_origin",
                            "message": "Cross-site requests are not allowed.",
                        }
                    },
                    status=403,
                )
        return self.get_response(request)

    @staticmethod
    def _same_site(request, origin: str) -> bool:
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        host = urlsplit(origin).netloc
        return bool(host) and url_has_allowed_host_and_scheme(
            origin, allowed_hosts={request.get_host()}
        )


ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "server_error",
}


class ApiErrorEnvelopeMiddleware:
    """Give the few errors that Django or ninja answer in plain text (a wrong method, a
    disallowed host) the contract's JSON envelope under /api/, like every other error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            envelope = JsonResponse(
                {
                    "error": {
                        "code": ERROR_CODES.get(status, "error"),
                        "message": HTTPStatus(status).phrase + ".",
                    }
                },
                status=status,
            )
            for name in ("Allow", "Retry-After", "WWW-Authenticate"):
                if response.has_header(name):
                    envelope[name] = response[name]
            return envelope
        return response


class AdminNulQueryMiddleware:
    """Refuse an admin request whose query string holds a NUL byte (400).

    The admin's changelists put search text and filter values into SQL as they are, and
    PostgreSQL refuses a NUL in any text (a 500 there, nothing on SQLite). The storefront
    and the API strip or refuse such input themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/") and any(
            "\x00" in text for key, values in request.GET.lists() for text in (key, *values)
        ):
            return HttpResponseBadRequest("The address holds a NUL character.")
        return self.get_response(request)
