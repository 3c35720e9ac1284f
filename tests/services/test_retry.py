"""core.db.retry_on_conflict against a deadlock PostgreSQL really detects."""

import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import F

from catalog.models import Product
from core.db import is_conflict, retry_on_conflict
from orders.models import Order
from tests.concurrency import errors, run_concurrently
from tests.conftest import ApiClient
from tests.factories import ProductFactory
from tests.services.test_concurrency import CHECKOUT
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db(transaction=True)


def opposite_updates(*, retry: bool) -> tuple[list, Counter]:
    """Two transactions take two rows in opposite orders, each holding its first row
    until the other holds its own: a deadlock on the first attempt, by construction."""
    first, second = ProductFactory(stock=10).pk, ProductFactory(stock=10).pk
    both_hold_one = threading.Barrier(2)
    tries = Counter()

    def take(one: int, other: int, name: str) -> int:
        def attempt():
            tries[name] += 1
            with transaction.atomic():
                Product.objects.filter(pk=one).update(stock=F("stock") - 1)
                if tries[name] == 1:
                    both_hold_one.wait(10)
                Product.objects.filter(pk=other).update(stock=F("stock") - 1)

        (retry_on_conflict(attempt) if retry else attempt)()
        return tries[name]

    runs = [(first, second, "ab"), (second, first, "ba")]
    results = run_concurrently(lambda i: take(*runs[i]), 2, timeout=30)
    stock = sorted(Product.objects.filter(pk__in=[first, second]).values_list("stock", flat=True))
    return results, stock


def test_postgresql_aborts_one_of_two_opposite_transactions_as_a_deadlock():
    results, stock = opposite_updates(retry=False)

    failed = errors(results)
    assert len(failed) == 1 and isinstance(failed[0], OperationalError)
    assert is_conflict(failed[0]) and failed[0].__cause__.sqlstate == "40P01"
    assert stock == [9, 9]  # only the winner's two updates


def test_the_deadlock_victim_is_retried_and_both_transactions_commit():
    results, stock = opposite_updates(retry=True)

    assert not errors(results), errors(results)
    assert sorted(results) == [1, 2]  # the victim ran twice, the winner once
    assert stock == [8, 8]


def test_other_database_errors_are_not_retried():
    calls = []

    @retry_on_conflict
    def slow_query():
        calls.append(1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '10ms'")
            cursor.execute("SELECT pg_sleep(1)")

    with pytest.raises(OperationalError) as caught:
        slow_query()
    assert caught.value.__cause__.sqlstate == "57014"  # query_canceled
    assert len(calls) == 1


def wait_for_a_lock_waiter(timeout: float = 10) -> None:
    """Return once another session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else cached per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError(f"nobody waited for a lock within {timeout}s")


def test_a_checkout_picked_as_deadlock_victim_is_retried_and_the_shopper_gets_the_order():
    low, high = ProductFactory(stock=5), ProductFactory(stock=5)  # checkout locks low, then high
    shopper = ApiClient()
    put_cart(shopper, {low.pk: 1, high.pk: 1})
    blocker_holds_high = threading.Event()

    def blocker():
        """Another writer taking the rows in the other order: high, then (checkout waits) low."""
        with transaction.atomic():
            Product.objects.filter(pk=high.pk).update(stock=F("stock") - 1)
            blocker_holds_high.set()
            wait_for_a_lock_waiter()  # the checkout holds low and waits for high
            Product.objects.filter(pk=low.pk).update(stock=F("stock") - 1)  # a cycle

    def checkout():
        assert blocker_holds_high.wait(10)
        return shopper.post("/api/checkout", CHECKOUT)

    # The checkout waits first, so its deadlock check fires first: PostgreSQL aborts it.
    results = run_concurrently(lambda i: (blocker, checkout)[i](), 2, timeout=30)

    assert not errors(results), errors(results)
    assert results[1].status_code == 201, results[1].content
    assert Order.objects.count() == 1
    stock = Product.objects.filter(pk__in=[low.pk, high.pk]).values_list("stock", flat=True)
    assert sorted(stock) == [3, 3]  # the blocker's units and the order's, each taken once
