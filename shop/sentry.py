"""Errors to Sentry when SENTRY_DSN is set, with card data, passwords and credentials scrubbed.

`sentry-sdk` is optional (`pip install ".[sentry]"`): imported only when a DSN is set.
"""

import json
import re
from contextlib import suppress

from django.core.exceptions import ImproperlyConfigured

from shop.requestlog import request_id

FILTERED = "[Filtered]"
# Keys whose values never leave the shop: cards (number, cvv, the whole card object),
# passwords, tokens, session and CSRF values, the Authorization and Cookie headers.
SECRETS = r"card|cvv|cvc|pass(?:word|wd)?|secret|token|authorization|cookie|csrf|session|api.?key"
SENSITIVE_KEY = re.compile(SECRETS, re.IGNORECASE)
# In text (messages, variables, raw bodies): key=value and "key": "value" pairs of such keys,
_PAIR = re.compile(
    rf"""(?P<key>["']?[\w-]*(?:{SECRETS})[\w-]*["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^\s&,;}]+)""",
    re.IGNORECASE,
)
# ... and anything that looks like a card number (13 to 19 digits, spaces or dashes between).
_DIGITS = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def init_sentry(dsn: str, environment: str) -> None:
    """Send errors to Sentry: no personal data by default, every event scrubbed."""
    try:
        import sentry_sdk  # optional: only shops that report to Sentry install it
    except ImportError:
        raise ImproperlyConfigured(
            'SENTRY_DSN is set but sentry-sdk is not installed: pip install ".[sentry]".'
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: mask secrets anywhere in the event; tag it with the request id."""
    request = event.get("request")
    if isinstance(request, dict) and isinstance(request.get("data"), str):
        with suppress(ValueError):  # a raw JSON body: scrub it by key like a parsed one
            request["data"] = json.loads(request["data"])
    event = _scrub(event)
    if request_id.get() != "-":
        event.setdefault("tags", {})["request_id"] = request_id.get()
    return event


def _scrub(value):
    if isinstance(value, dict):
        return {
            key: FILTERED if SENSITIVE_KEY.search(str(key)) else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        if len(value) == 2 and isinstance(value[0], str) and SENSITIVE_KEY.search(value[0]):
            return [value[0], FILTERED]  # a [name, value] header pair
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        value = _PAIR.sub(lambda m: m["key"] + FILTERED, value)
        return _DIGITS.sub(lambda m: FILTERED if _luhn(m[0]) else m[0], value)
    return value


def _luhn(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits))
    )
    return total % 10 == 0
