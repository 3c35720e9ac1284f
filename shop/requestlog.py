"""One log line per request, and the request's id in every log line written while it runs.

The id comes from the `X-Request-ID` header only when a trusted proxy sent the request
(core/clients.py); otherwise it is made here. It is returned in the response's
`X-Request-ID` header and kept in a context variable that `RequestIdFilter` copies onto
every log record. `LOG_FORMAT=json` writes each record as one JSON object (`JsonFormatter`).
"""

import json
import logging
import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from uuid import uuid4

from core.clients import from_trusted_proxy

log = logging.getLogger("shop.requests")
request_id: ContextVar[str] = ContextVar("request_id", default="-")
# A proxy's id is believed only if it is short and plain: it goes into logs and a header.
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestLogMiddleware:
    """Give the request an id, run it, and log method, path, status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = self._incoming(request) or uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - start) * 1000, 1)
            response["X-Request-ID"] = rid
            # The path without its query string, which may carry tokens or addresses.
            log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            request_id.reset(token)

    @staticmethod
    def _incoming(request) -> str | None:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        if given and VALID_ID.fullmatch(given) and from_trusted_proxy(request):
            return given
        return None


class RequestIdFilter(logging.Filter):
    """Put the running request's id ("-" outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# What every LogRecord has; anything else on a record came in through `extra=`.
STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in STANDARD_ATTRS
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
