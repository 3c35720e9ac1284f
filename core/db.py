"""Database helpers shared by the services."""

import random
import time
from functools import wraps

from django.db import OperationalError, connection

# PostgreSQL aborts one of two transactions with these; running it again is the cure.
CONFLICT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
}


def is_conflict(err: BaseException) -> bool:
    """True if the database aborted the transaction as a deadlock or serialization victim."""
    return getattr(err.__cause__, "sqlstate", None) in CONFLICT_SQLSTATES


def retry_on_conflict(func=None, *, attempts: int = 3, backoff: float = 0.05):
    """Run a function that owns its transaction again when the database aborts it as a
    deadlock or serialization victim (PostgreSQL), up to `attempts` times in all.

    Only outside any transaction: inside one, the aborted outer transaction cannot be
    redone here, so the error goes to the caller. Use: `@retry_on_conflict` over a
    function whose body is one `transaction.atomic()` block.
    """

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except OperationalError as err:
                    if attempt == attempts or not is_conflict(err) or connection.in_atomic_block:
                        raise
                # Jitter: two victims of the same deadlock should not collide again.
                time.sleep(random.uniform(0, backoff * 2**attempt))
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func is not None else decorate
