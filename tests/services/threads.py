"""Run calls at the same moment in real threads, each on its own database connection."""

import threading
import time

from django.db import connections

TIMEOUT = 90  # seconds for the whole batch: a stuck thread fails the test, never hangs it


def run_concurrently(fn, calls: list[tuple], *, timeout: float = TIMEOUT) -> list:
    """Call fn(*args) for each args in `calls`, one thread each, released together by a barrier.

    Returns each call's result or the exception it raised, in the order of `calls`. Every
    thread closes its own connections (Django opens one per thread) before it ends.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int, args: tuple) -> None:
        try:
            barrier.wait(timeout)
            results[i] = fn(*args)
        except BaseException as err:  # handed back to the test to assert on
            results[i] = err
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, args), daemon=True, name=f"concurrent-{i}")
        for i, args in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {timeout}s: {stuck}"
    return results


def raised(results: list) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]
