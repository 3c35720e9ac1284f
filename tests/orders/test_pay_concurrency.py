"""Real threads on the file SQLite database: one charge per order, refunds never past paid."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from core.errors import ShopError
from orders.models import GatewayCharge, Order, Payment, Refund
from orders.payments.charge import pay
from orders.payments.gateway import FakeGateway
from orders.payments.refund import refund
from tests.factories import ProductFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import card, ledger_net, paid

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


def race(work) -> list:
    """Run work(i) in THREADS threads released at once; each result is "ok" or an error code."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i):
        try:
            barrier.wait()
            work(i)
            results[i] = "ok"
        except ShopError as err:
            results[i] = err.code
        except Exception as err:  # a crash must fail the test, not vanish with the thread
            results[i] = f"crash: {err!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class OutsideTransactionsGateway(FakeGateway):
    """The fake gateway, refusing to be called while a database transaction is open."""

    def _check(self):
        if connection.in_atomic_block:
            raise AssertionError("gateway called inside a transaction")

    def charge(self, **kwargs):
        self._check()
        return super().charge(**kwargs)

    def refund(self, **kwargs):
        self._check()
        return super().refund(**kwargs)

    def find_charge(self, reference):
        self._check()
        return super().find_charge(reference)


@pytest.fixture(autouse=True)
def _a_strict_gateway(settings):
    settings.PAYMENT_GATEWAY = f"{__name__}.OutsideTransactionsGateway"


@pytest.fixture
def order():
    return place({ProductFactory(stock=5, price=Decimal("10.00")): 2})


def test_ten_concurrent_pays_charge_once(order):
    results = race(lambda i: pay(order=Order.objects.get(pk=order.pk), card=card()))
    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"already_paid", "payment_in_progress"}, results
    assert GatewayCharge.objects.count() == 1
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    order.refresh_from_db()
    assert (order.status, order.amount_paid, order.payment_claim) == ("paid", order.total, "")


def test_ten_concurrent_pays_with_one_idempotency_key_all_get_the_first_result(order):
    results = race(
        lambda i: pay(order=Order.objects.get(pk=order.pk), card=card(), idempotency_key="k")
    )
    assert results == ["ok"] * THREADS
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_ten_concurrent_partial_refunds_never_pass_the_amount_paid(order):
    paid(order)
    results = race(lambda i: refund(order=Order.objects.get(pk=order.pk), amount=Decimal("3.00")))
    assert results.count("ok") == 6, results  # 6 × 3.00 fit in 20.00; a 7th would not
    assert set(results) - {"ok"} == {"refund_exceeds_payment"}
    order.refresh_from_db()
    succeeded = Refund.objects.filter(status=Refund.Status.SUCCEEDED)
    assert order.amount_refunded == Decimal("18.00") == sum(r.amount for r in succeeded)
    assert GatewayCharge.objects.get().refunded == Decimal("18.00")
    assert ledger_net() == order.amount_paid - order.amount_refunded
    assert order.status == "partially_refunded"


def test_ten_concurrent_full_refunds_refund_once(order):
    paid(order)
    results = race(lambda i: refund(order=Order.objects.get(pk=order.pk)))
    assert results.count("ok") == 1, results
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("refunded", Decimal("20.00"))
    assert GatewayCharge.objects.get().refunded == Decimal("20.00")


def test_pays_racing_cancels_never_keep_money_for_a_cancelled_order(order):
    from orders.services.lifecycle import cancel

    def work(i):
        current = Order.objects.get(pk=order.pk)
        if i % 2:
            pay(order=current, card=card())
        else:
            cancel(order=current, actor_label="test")

    results = race(work)
    assert not [r for r in results if r.startswith("crash")], results
    order.refresh_from_db()
    assert order.status in ("paid", "cancelled")
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() <= 1
    assert ledger_net() == order.amount_paid - order.amount_refunded
    if order.status == "cancelled":
        assert ledger_net() == 0 and order.stock_released
    product = order.lines.get().product
    assert product.stock == (5 if order.status == "cancelled" else 3)


def test_the_gateway_is_never_called_inside_a_transaction(order):
    """Every payment path, one after the other, through the strict gateway."""
    from tests.orders.payment_helpers import DECLINED, FAILS, LOST_REPLY

    for number in (DECLINED, FAILS, LOST_REPLY):
        with pytest.raises(ShopError):
            pay(order=order, card=card(number))
    paid(order)  # settles the lost reply by looking it up
    refund(order=order, amount=Decimal("1.00"))
    from orders.services.lifecycle import cancel

    cancel(order=Order.objects.get(pk=order.pk), actor_label="test")  # refunds the rest
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("cancelled", order.amount_paid)


def test_ten_concurrent_refunds_with_one_idempotency_key_refund_once(order):
    paid(order)
    results = race(
        lambda i: refund(
            order=Order.objects.get(pk=order.pk), amount=Decimal("2.00"), idempotency_key="r"
        )
    )
    assert results == ["ok"] * THREADS
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("2.00") and Refund.objects.count() == 1
    assert GatewayCharge.objects.get().refunded == Decimal("2.00")


def test_ships_racing_the_owners_cancels_never_ship_a_refunded_order():
    from orders.services.lifecycle import cancel, ship

    orders = [paid(place({ProductFactory(stock=5, price=Decimal("4.00")): 1})) for _ in range(5)]

    def work(i):
        current = Order.objects.get(pk=orders[i // 2].pk)
        if i % 2:
            cancel(order=current)
        else:
            ship(order=current, actor_label="staff")

    results = race(work)
    for i, order in enumerate(orders):
        order.refresh_from_db()
        shipped, cancelled = results[2 * i], results[2 * i + 1]
        if order.status == "shipped":
            assert (shipped, cancelled) == ("ok", "cannot_cancel")
            assert order.amount_refunded == 0 and not order.refunds.exists()
        else:
            assert (order.status, shipped, cancelled) == ("cancelled", "cannot_ship", "ok")
            assert order.amount_refunded == order.amount_paid == Decimal("4.00")
    shipped = Order.objects.filter(status="shipped").count()
    assert ledger_net() == Decimal("4.00") * shipped
