"""The exceptions that mean a service the shop needs is down, not that the code is wrong.

PostgreSQL (or SQLite) refused or lost the connection, or a statement or lock wait ran
past its timeout; Redis (Django's cache) refused, dropped or did not answer in time. A
request that meets one is answered 503 with Retry-After (shop/unavailable.py); the
failure throttles decide for themselves (core/throttle.py).
"""

import sqlite3

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DATABASE_DOWN = (OperationalError, InterfaceError)
CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)
SERVICE_DOWN = DATABASE_DOWN + CACHE_DOWN


# SQLite raises OperationalError for bugs too ("no such table", a syntax error); only these
# mean the database cannot be used right now.
SQLITE_OUTAGES = ("database is locked", "unable to open database file", "disk i/o error")


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says a service is down (503), not that the code is wrong (500)."""
    if isinstance(exc, CACHE_DOWN):
        return True
    if not isinstance(exc, DATABASE_DOWN):
        return False
    cause = exc.__cause__  # Django wraps the driver's error
    if isinstance(cause, sqlite3.Error):
        return str(cause).lower().startswith(SQLITE_OUTAGES)
    return True


def service_of(exc: BaseException) -> str:
    """Which service `exc` says is down: "database" or "cache"."""
    return "database" if isinstance(exc, DATABASE_DOWN) else "cache"
