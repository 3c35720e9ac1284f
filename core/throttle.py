"""Failure throttles: too many failed attempts at something guessable → 429 + Retry-After.

Only failures count (never successful work), so shoppers behind one address are not
blocked. Counters live in Django's cache (Redis in production, shared by every worker).
An attempt reserves a slot before it runs and gives it back if it succeeds, so that many
concurrent guesses cannot all slip past the limit.

    with coupon_failures.attempt(cart.id, counts=InvalidCoupon):
        ...  # raising InvalidCoupon keeps the slot; anything else gives it back

A cart, a session or an order is free to renew, so the web layer also counts per client
address (core.clients.client_address): failures with `attempt()`, and work that costs the
shop something whatever its outcome (placing an order, registering) with `hit()`.
A subject of None (no known address) is not counted.

When the cache is down (Redis restarting), a throttle either fails open (`fail_open=True`:
the attempt runs uncounted and a warning is logged) or fails closed (the cache error goes up
and the request answers 503, shop/unavailable.py). The throttles of selling (coupons, cards,
checkouts) fail open: the shop keeps selling through a cache restart of a few seconds, and
the gateway still declines bad cards. Those guarding accounts and emails (registrations,
account emails, password resets, back-in-stock, and the sign-in throttle of accounts/throttle.py)
fail closed: they are security controls against guessing and email bombing, and the default.
Giving a slot back never fails a request: a slot that stays counted errs on the safe side.
"""

import hashlib
import logging
import math
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.errors import ShopError, Throttled
from core.outages import CACHE_DOWN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailureThrottle:
    """At most settings.<limit_setting> failures per subject per `window` seconds."""

    scope: str
    limit_setting: str
    window_setting: str
    fail_open: bool = False  # when the cache is down: serve uncounted (True) or 503 (False)

    @property
    def limit(self) -> int:
        return getattr(settings, self.limit_setting)

    @property
    def window(self) -> int:
        return getattr(settings, self.window_setting)

    def _keys(self, subject) -> tuple[str, str]:
        digest = hashlib.sha256(str(subject).encode()).hexdigest()[:32]
        base = f"throttle:{self.scope}:{digest}"
        return base, base + ":ends"

    def failures(self, subject) -> int:
        """How many failures (and attempts in flight) count against `subject` now."""
        return cache.get(self._keys(subject)[0], 0)

    def retry_after(self, subject) -> int:
        """Seconds until the current window of `subject` ends."""
        ends = cache.get(self._keys(subject)[1])
        return max(1, math.ceil((ends or time.time() + self.window) - time.time()))

    def _reserve(self, subject) -> int:
        key, ends_key = self._keys(subject)
        for _ in range(3):
            if cache.add(key, 1, timeout=self.window):
                cache.set(ends_key, time.time() + self.window, timeout=self.window)
                return 1
            try:
                return cache.incr(key)
            except ValueError:  # the window ended between add() and incr()
                continue
        return self.limit + 1

    def _try_reserve(self, subject) -> int | None:
        """`_reserve()`, or None when the cache is down and this throttle fails open."""
        try:
            return self._reserve(subject)
        except CACHE_DOWN as err:
            self._cache_down(err)
            return None

    def _release(self, subject) -> None:
        try:
            with suppress(ValueError):  # the window already ended
                cache.decr(self._keys(subject)[0])
        except CACHE_DOWN as err:
            log.warning("Throttle %s: a slot stays counted, the cache is down: %s", self.scope, err)

    def _cache_down(self, err: Exception) -> None:
        """Fail closed (re-raise: 503) or open (log one line and let the attempt run)."""
        if not self.fail_open:
            raise err
        log.warning("Throttle %s not counted, the cache is down: %s", self.scope, err)

    def check(self, subject) -> None:
        """Raises Throttled if `subject` has no failures left in this window."""
        try:
            over = self.failures(subject) >= self.limit
        except CACHE_DOWN as err:
            self._cache_down(err)
            return
        if over:
            raise Throttled(self.retry_after(subject))

    def hit(self, subject) -> None:
        """Count one attempt whatever its outcome (a plain rate limit).

        Raises Throttled (and counts nothing) once the limit is used up.
        """
        if subject is None:
            return
        count = self._try_reserve(subject)
        if count is not None and count > self.limit:
            self._release(subject)
            raise Throttled(self.retry_after(subject))

    @contextmanager
    def attempt(self, subject, counts: type[Exception] | tuple = ShopError):
        """Run one attempt; an exception of type `counts` is a failure, kept in the count.

        Raises Throttled (before running anything) once the failures are used up.
        """
        count = None if subject is None else self._try_reserve(subject)
        if count is None:  # nothing to count, or the cache is down and this throttle fails open
            yield
            return
        if count > self.limit:
            self._release(subject)
            raise Throttled(self.retry_after(subject))
        try:
            yield
        except counts:
            raise
        except BaseException:
            self._release(subject)
            raise
        self._release(subject)

    def reset(self, subject) -> None:
        """Forget the failures of `subject` (they stay counted if the cache is down)."""
        try:
            cache.delete_many(self._keys(subject))
        except CACHE_DOWN as err:
            log.warning("Throttle %s not reset, the cache is down: %s", self.scope, err)


# Selling: these fail open while the cache is down (see the module's docstring).
coupon_failures = FailureThrottle(
    "coupon", "COUPON_FAILURE_LIMIT", "COUPON_FAILURE_WINDOW", fail_open=True
)
card_failures = FailureThrottle(
    "card", "PAYMENT_FAILURE_LIMIT", "PAYMENT_FAILURE_WINDOW", fail_open=True
)

# Per client address (the web layer passes core.clients.client_address(request)).
coupon_failures_by_address = FailureThrottle(
    "coupon-address", "COUPON_FAILURE_LIMIT_PER_ADDRESS", "COUPON_FAILURE_WINDOW", fail_open=True
)
card_failures_by_address = FailureThrottle(
    "card-address", "PAYMENT_FAILURE_LIMIT_PER_ADDRESS", "PAYMENT_FAILURE_WINDOW", fail_open=True
)
checkouts_by_address = FailureThrottle(
    "checkout-address", "CHECKOUT_LIMIT_PER_ADDRESS", "CHECKOUT_WINDOW", fail_open=True
)
# Accounts and emails: these fail closed (503) while the cache is down.
registrations_by_address = FailureThrottle(
    "register-address", "REGISTER_LIMIT_PER_ADDRESS", "REGISTER_WINDOW"
)
# Emails sent on an account's request (a new verification link, an email change): per
# account, and per client address with the registrations' limit (each sends an email).
account_emails = FailureThrottle("account-email", "ACCOUNT_EMAIL_LIMIT", "ACCOUNT_EMAIL_WINDOW")
account_emails_by_address = FailureThrottle(
    "account-email-address", "REGISTER_LIMIT_PER_ADDRESS", "REGISTER_WINDOW"
)
