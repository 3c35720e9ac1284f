"""Run a function in real threads at the same moment, each thread on its own DB connection.

Use with `@pytest.mark.django_db(transaction=True)` so the threads see committed rows. On
SQLite the test database is a file in WAL mode with IMMEDIATE transactions, so writers
queue for the lock instead of failing; on PostgreSQL the same code contends on row locks.
"""

import threading
import time
from contextlib import contextmanager

from django.db import connection, connections

TIMEOUT = 60  # seconds for the whole batch: a stuck thread fails the test instead of hanging


def run_concurrently(fn, n: int, *, timeout: float = TIMEOUT) -> list:
    """Call fn(i) for i in range(n), one thread each, released together by a barrier.

    Returns each call's result, or the exception it raised, in order of i.
    """
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout)
            results[i] = fn(i)
        except Exception as err:  # handed back to the test to assert on
            results[i] = err
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout}s"
    return results


def errors(results: list) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


def successes(results: list) -> list:
    return [r for r in results if not isinstance(r, Exception)]


@contextmanager
def before_statement(when, happen):
    """Run `happen` (another request, in this thread) just before the first SQL statement
    `when(sql, params)` picks, as if it had committed right then: a race played in order, so
    it also runs where the threaded tests do not (make test-mutation)."""
    reached = []

    def wrapper(execute, sql, params, many, context):
        if not reached and when(sql, params or ()):
            reached.append(sql)  # first: happen()'s own statements must not trigger it again
            happen()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert reached, "the request never reached the moment to interleave at"
