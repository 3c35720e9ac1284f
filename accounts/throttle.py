"""Failed sign-in counters in Django's cache, per account and per client address.

Each counter counts failures in a window that starts at its first failure and lasts
LOGIN_THROTTLE_WINDOW seconds. Unknown and known accounts are counted alike (the key is the
typed email), and successful sign-ins are never counted.
"""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

from shop.errors import Throttled

PREFIX = "login-failures"


def _keys(email: str | None, address: str | None) -> dict[str, int]:
    """Cache key -> limit for each counter this attempt touches."""
    keys = {}
    if email:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        keys[f"{PREFIX}:account:{digest}"] = settings.LOGIN_THROTTLE_PER_ACCOUNT
    if address:
        keys[f"{PREFIX}:address:{address}"] = settings.LOGIN_THROTTLE_PER_ADDRESS
    return keys


def client_address(request) -> str | None:
    """The client's address; an IPv6 client is counted by its /64 (one host owns it all)."""
    raw = (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check(email: str | None, address: str | None) -> None:
    """Raises Throttled (429, with the seconds to wait) if either counter is at its limit."""
    keys = _keys(email, address)
    values = cache.get_many([*keys, *(f"{key}:start" for key in keys)])
    now = time.time()
    waits = [
        settings.LOGIN_THROTTLE_WINDOW - (now - values.get(f"{key}:start", now))
        for key, limit in keys.items()
        if values.get(key, 0) >= limit
    ]
    if waits:
        raise Throttled(max(waits), "Too many failed sign-ins. Wait a few minutes and try again.")


def record_failure(email: str | None, address: str | None) -> None:
    """Count one failed sign-in against the account and the address."""
    window = settings.LOGIN_THROTTLE_WINDOW
    for key in _keys(email, address):
        # add() only creates, so a counter's window starts at its first failure.
        cache.add(f"{key}:start", time.time(), window)
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, window)
