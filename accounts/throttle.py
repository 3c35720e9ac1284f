"""Failed sign-in counters in Django's cache, per account and per client address (and, at
the end, the password reset requests' rate limits).

Each counter counts failures in a window that starts at its first failure and lasts
LOGIN_THROTTLE_WINDOW seconds. An attempt reserves its place first (an atomic increment,
so that concurrent guesses cannot slip past the limit) and gives it back if it succeeds or
is refused, so only failures count. Unknown and known accounts are counted alike: the key
is the typed email, hashed.
"""

import contextlib
import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from core.errors import Throttled
from core.throttle import FailureThrottle

PREFIX = "login-failures"
MESSAGE = "Too many failed sign-ins. Wait a few minutes and try again."


def _limits(email: str | None, address: str | None) -> dict[str, int]:
    """Cache key -> limit for each counter this attempt touches."""
    limits = {}
    if email:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        limits[f"{PREFIX}:account:{digest}"] = settings.LOGIN_THROTTLE_PER_ACCOUNT
    if address:
        limits[f"{PREFIX}:address:{address}"] = settings.LOGIN_THROTTLE_PER_ADDRESS
    return limits


def _count(key: str, window: int) -> int:
    cache.add(f"{key}:start", time.time(), window)  # add() only creates: the window's start
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)
        return 1
    if count == 1:
        cache.touch(key, window)  # a counter that was re-created without an expiry
    return count


def reserve(email: str | None, address: str | None) -> list[str]:
    """Count this attempt as a failure in advance; returns the keys to release() on success.

    Raises Throttled (429, with the seconds left in the window) if a counter is over its
    limit; the refused attempt is given back, so waiting out the window always works.
    """
    limits = _limits(email, address)
    window = settings.LOGIN_THROTTLE_WINDOW
    over = [key for key, limit in limits.items() if _count(key, window) > limit]
    if over:
        release(list(limits))
        now = time.time()
        starts = cache.get_many([f"{key}:start" for key in over])
        waits = [window - (now - starts.get(f"{key}:start", now)) for key in over]
        raise Throttled(max(waits), MESSAGE)
    return list(limits)


def release(keys: list[str]) -> None:
    """Give back reserved attempts: the sign-in succeeded or the throttle refused it."""
    for key in keys:
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            cache.decr(key)


# Password reset requests: a plain rate limit (every request counts, whatever it finds), per
# email address (no inbox is flooded) and per client address (no address book is probed).
reset_requests_by_email = FailureThrottle(
    "password-reset-email", "PASSWORD_RESET_LIMIT_PER_EMAIL", "PASSWORD_RESET_WINDOW"
)
reset_requests_by_address = FailureThrottle(
    "password-reset-address", "PASSWORD_RESET_LIMIT_PER_ADDRESS", "PASSWORD_RESET_WINDOW"
)


def count_reset_request(email: str, address: str | None) -> None:
    """Count one password reset request. Raises Throttled (429) past either limit."""
    reset_requests_by_address.hit(address)
    reset_requests_by_email.hit(email.strip().lower())
