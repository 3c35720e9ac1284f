"""Real threads on the file SQLite database (WAL, IMMEDIATE transactions): limits hold."""

import pytest

from catalog.errors import InsufficientStock
from orders.errors import IllegalTransition
from orders.models import Order, OrderEvent
from orders.services.checkout import CouponExhausted
from tests.concurrency import errors, successes
from tests.orders import scenarios

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_shoppers_for_the_last_unit_make_exactly_one_order():
    outcome = scenarios.last_unit(shoppers=20)
    assert len(successes(outcome["results"])) == 1
    failures = errors(outcome["results"])
    assert len(failures) == 19 and all(isinstance(e, InsufficientStock) for e in failures)
    assert outcome["product"].stock == 0
    assert Order.objects.count() == 1


def test_coupon_limited_to_one_use_is_used_once_by_ten_concurrent_checkouts():
    outcome = scenarios.coupon_once(shoppers=10)
    placed = successes(outcome["results"])
    failures = errors(outcome["results"])
    assert len(placed) == 1 and placed[0].coupon_code == "ONLY1"
    assert len(failures) == 9 and all(isinstance(e, CouponExhausted) for e in failures)
    assert outcome["coupon"].times_used == 1
    assert outcome["product"].stock == 9  # nothing reserved by the refused checkouts
    assert Order.objects.count() == 1


def test_concurrent_submits_with_one_key_place_one_order():
    outcome = scenarios.same_key(submits=5)
    assert errors(outcome["results"]) == []
    assert len({order.pk for order in outcome["results"]}) == 1
    assert Order.objects.count() == 1
    assert outcome["product"].stock == 8


def test_racing_cancels_and_expiry_give_stock_back_exactly_once():
    outcome = scenarios.cancel_race(cancellers=10)
    results = outcome["results"]
    cancelled = [r for r in results if isinstance(r, Order)] + [r for r in results if r is True]
    assert len(cancelled) == 1
    assert all(isinstance(e, IllegalTransition) for e in errors(results))
    assert outcome["order"].status == Order.Status.CANCELLED
    assert outcome["product"].stock == 5
    assert OrderEvent.objects.filter(to_status="cancelled").count() == 1


def test_last_unit_over_http_sells_once_and_refuses_the_rest_with_409():
    outcome = scenarios.last_unit_over_http(shoppers=10)
    codes = sorted(r.status_code for r in outcome["responses"])
    assert codes == [201] + [409] * 9
    refused = [r.json()["error"] for r in outcome["responses"] if r.status_code == 409]
    assert {e["code"] for e in refused} == {"insufficient_stock"}
    assert outcome["product"].stock == 0 and Order.objects.count() == 1
