"""503 Service Unavailable with Retry-After when PostgreSQL or Redis is down.

Such an error (core/outages.py) can surface in three places, and each answers with
`unavailable_response()`:

- a view, or the template it renders: `ServiceUnavailableMiddleware.process_exception`;
- a JSON API endpoint: ninja's exception handler (shop/api.py), which runs before Django's;
- another middleware (the session saved after the view, a Bearer token looked up): Django
  turns the error into handler500, where `shop.views.server_error` asks `for_current_error()`.

The API answers with the error envelope (`service_unavailable`), pages with templates/503.html,
which reads nothing but static files and URLs (no user, no cart, no messages). One warning
line per response, no traceback: an outage is not a bug. Nothing has to be restarted once
the service is back: Django checks a kept connection before reusing it and reconnects
(CONN_HEALTH_CHECKS), redis-py opens a new connection for the next command.
"""

import logging
import sys

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.log import log_response

from core.outages import is_outage, service_of

log = logging.getLogger(__name__)

# Seconds a client should wait before retrying: about a Redis restart or a database failover.
RETRY_AFTER = 5
MESSAGE = "The shop is briefly unavailable. Please try again in a few seconds."


class ServiceUnavailableMiddleware:
    """Answer 503 for a view that failed because the database or the cache is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return unavailable_response(request, exception)
        return None


def for_current_error(request):
    """The 503 response if the exception being handled is an outage or was raised while
    handling one, else None (handler500, handler400). Django turns a session save that lost
    its database into SessionInterrupted (a 400): an outage too, not a bad request."""
    exc = sys.exc_info()[1]
    while exc is not None and not is_outage(exc):
        exc = exc.__cause__ or exc.__context__
    return unavailable_response(request, exc) if exc is not None else None


def unavailable_response(request, exc: BaseException):
    """503 + Retry-After: the JSON envelope under /api/, the friendly page elsewhere."""
    if request.path_info.startswith("/api/"):
        body = {"error": {"code": "service_unavailable", "message": MESSAGE}}
        response = JsonResponse(body, status=503)
    else:
        response = render(request, "503.html", {"retry_after": RETRY_AFTER}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # One line, no traceback; marks the response logged so Django does not log it again.
    log_response(
        "Service unavailable (%s down: %s): %s %s",
        service_of(exc),
        _summary(exc),
        request.method,
        request.path,
        response=response,
        request=request,
        logger=log,
        level="warning",
    )
    return response


def _summary(exc: BaseException) -> str:
    """The error's class and the first line of its message (drivers write several)."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
