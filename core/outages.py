"""The exceptions that mean a service the shop needs is down, not that the code is wrong.

PostgreSQL (or SQLite) refused or lost the connection, or a statement or lock wait ran
past its timeout; Redis (Django's cache) refused, dropped or did not answer in time. A
request that meets one is answered 503 with Retry-After (shop/unavailable.py); the
failure throttles decide for themselves (core/throttle.py).
"""

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

DATABASE_DOWN = (OperationalError, InterfaceError)
CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)
SERVICE_DOWN = DATABASE_DOWN + CACHE_DOWN


def service_of(exc: BaseException) -> str:
    """Which service `exc` says is down: "database" or "cache"."""
    return "database" if isinstance(exc, DATABASE_DOWN) else "cache"
