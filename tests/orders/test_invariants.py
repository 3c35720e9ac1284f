"""Random sequences of cart, checkout, pay, refund, cancel, ship and reconcile calls.

After every step the contract's invariants are checked against the database and the fake
gateway's ledger: stock is never negative and is conserved, refunds never exceed payments,
an order is paid and charged at most once, cancelled orders are restocked exactly once.
"""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from catalog.models import Product
from orders.models import GatewayCharge, Order, OrderLine, Payment
from orders.payments.reconcile import reconcile_payments
from tests.conftest import ApiClient
from tests.factories import ProductFactory, StaffFactory
from tests.orders.conftest import ADDRESS
from tests.orders.payment_helpers import DECLINED, FAILS, GOOD, LOST_REPLY, NO_FUNDS, card

PRICES = [Decimal("1.10"), Decimal("2.35"), Decimal("9.99")]
STOCK = 6
CARDS = [GOOD, GOOD, DECLINED, NO_FUNDS, FAILS, LOST_REPLY]
CARD_ANSWERS = {GOOD: 200, DECLINED: 402, NO_FUNDS: 402, FAILS: 502, LOST_REPLY: 504}
BAD_AMOUNTS = ["10.005", -1, 0, "NaN", "Infinity", "1e2", True, None, "abc"]
amounts = st.one_of(
    st.just("all"),
    st.decimals(min_value="0.01", max_value="40", places=2),
    st.sampled_from(BAD_AMOUNTS),
)


def lost_replies() -> list[str]:
    unknown = Payment.objects.filter(status=Payment.Status.UNKNOWN)
    return list(unknown.values_list("reference", flat=True))


class ShopMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        # Each example runs in a transaction rolled back at teardown: a fresh shop each time.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        cache.clear()
        self.shopper = ApiClient()
        self.staff = ApiClient()
        self.staff.force_login(StaffFactory())

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize()
    def stock_the_shelves(self):
        self.products = [ProductFactory(price=price, stock=STOCK) for price in PRICES]

    def _answer(self, response, allowed: set[int]):
        assert response.status_code in allowed, (response.status_code, response.content)
        return response

    @rule(index=st.integers(0, len(PRICES) - 1), quantity=st.integers(1, 4))
    def add_to_cart(self, index, quantity):
        body = {"product_id": self.products[index].pk, "quantity": quantity}
        self._answer(self.shopper.post("/api/cart/items", body), {200, 400, 409})

    @rule(
        target=orders, items=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), max_size=2)
    )
    def checkout(self, items):
        for index, quantity in items:
            self.add_to_cart(index, quantity)
        body = {"shipping_address": ADDRESS, "email": "shopper@example.com"}
        response = self._answer(self.shopper.post("/api/checkout", body), {201, 400, 409})
        return response.json()["id"] if response.status_code == 201 else multiple()

    @rule(order_id=orders, number=st.sampled_from(CARDS))
    def pay(self, order_id, number):
        before = Order.objects.get(pk=order_id)
        body = {"method": "credit_card", "card": card(number)}
        response = self.shopper.post(f"/api/orders/{order_id}/pay", body)
        unknown = Payment.objects.filter(order_id=order_id, status=Payment.Status.UNKNOWN)
        if before.status == "pending" and before.payment_claim:  # a lost reply: it reconciles
            assert response.status_code == 200 and not unknown.exists()
        elif before.status == "pending":
            assert response.status_code == CARD_ANSWERS[number], response.content
        else:
            assert response.status_code == 409, response.content

    @rule(order_id=orders, amount=amounts, as_staff=st.booleans(), restock=st.booleans())
    def refund(self, order_id, amount, as_staff, restock):
        before = Order.objects.get(pk=order_id)
        sent = float(amount) if isinstance(amount, Decimal) else amount  # a JSON number
        body = {"restock": restock} if amount == "all" else {"amount": sent, "restock": restock}
        client = self.staff if as_staff else self.shopper
        response = client.post(f"/api/orders/{order_id}/refund", body)
        code = response.json().get("error", {}).get("code")
        left = before.amount_paid - before.amount_refunded
        wanted = left if amount == "all" else amount
        # Not `amount in BAD_AMOUNTS` for a Decimal: Decimal("1.00") == True.
        bad = amount in BAD_AMOUNTS if not isinstance(amount, Decimal) else amount <= 0
        if bad:
            assert (response.status_code, code) == (400, "invalid_amount")
        elif before.status == "shipped" and not as_staff:
            assert response.status_code == 403
        elif before.amount_paid == 0:
            assert (response.status_code, code) == (409, "not_paid")
        elif wanted > left or left == 0:
            assert (response.status_code, code) == (409, "refund_exceeds_payment")
        elif before.status == "cancelled":
            assert response.status_code == 409
        elif restock and wanted != left:
            assert (response.status_code, code) == (409, "invalid_restock")
        else:
            assert response.status_code == 200, response.content
            assert (
                Decimal(str(response.json()["amount_refunded"])) == before.amount_refunded + wanted
            )

    @rule(order_id=orders)
    def cancel(self, order_id):
        before = Order.objects.get(pk=order_id)
        response = self.shopper.post(f"/api/orders/{order_id}/cancel")
        can = (
            before.status in ("pending", "paid", "partially_refunded") and not before.payment_claim
        )
        assert response.status_code == (200 if can else 409), response.content

    @rule(order_id=orders, now=st.integers(0, 2))
    def ship(self, order_id, now):
        if now:  # ship one time in three, so that refunds and cancels get their turn
            return
        before = Order.objects.get(pk=order_id)
        response = self.staff.post(f"/api/orders/{order_id}/ship")
        assert response.status_code == (200 if before.status == "paid" else 409), response.content

    @rule()
    def reconcile(self):
        reconcile_payments()
        assert not Payment.objects.filter(status=Payment.Status.UNKNOWN).exists()

    @invariant()
    def the_shop_is_consistent(self):
        """Every invariant of the contract, read in five queries."""
        if not hasattr(self, "products"):
            return
        orders = {o.pk: o for o in Order.objects.all()}
        lines = list(OrderLine.objects.values("order_id", "product_id", "quantity", "restocked"))
        payments = list(Payment.objects.values("order_id", "reference", "status"))
        charges = {c.reference: c for c in GatewayCharge.objects.all()}
        owner = {p["reference"]: p["order_id"] for p in payments}
        assert set(charges) <= set(owner)  # every charge belongs to a payment of an order
        limbo = {p["reference"] for p in payments if p["status"] == Payment.Status.UNKNOWN}

        for product in Product.objects.filter(pk__in=[p.pk for p in self.products]):
            held = sum(
                ln["quantity"] - ln["restocked"] for ln in lines if ln["product_id"] == product.pk
            )
            assert product.stock >= 0 and product.stock + held == STOCK  # never sold twice

        for order in orders.values():
            assert 0 <= order.amount_refunded <= order.amount_paid <= order.total
            assert order.amount_paid in (0, order.total)
            mine = [p for p in payments if p["order_id"] == order.pk]
            succeeded = [p for p in mine if p["status"] == Payment.Status.SUCCEEDED]
            charged = [charges[p["reference"]] for p in mine if p["reference"] in charges]
            assert len(succeeded) <= 1 and len(charged) <= 1  # paid once, charged once
            net = sum(c.amount - c.refunded for c in charged if c.reference not in limbo)
            assert net == order.amount_paid - order.amount_refunded  # the ledger agrees
            status = order.status
            if status in ("paid", "partially_refunded", "refunded", "shipped"):
                assert order.amount_paid == order.total and len(succeeded) == 1
            if status == "pending":
                assert order.amount_paid == 0 and order.amount_refunded == 0
            if status == "refunded":
                assert order.amount_refunded == order.amount_paid > 0
            if status == "partially_refunded":
                assert 0 < order.amount_refunded < order.amount_paid
            if status == "cancelled":  # refunded in full, restocked exactly once
                assert order.stock_released and order.amount_refunded == order.amount_paid
                for line in lines:
                    if line["order_id"] == order.pk:
                        assert line["restocked"] == line["quantity"]


@pytest.mark.django_db
def test_random_shop_sequences_keep_every_invariant(settings_):
    run_state_machine_as_test(
        ShopMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.fixture
def settings_(settings):
    settings.PAYMENT_FAILURE_LIMIT = 10_000  # the throttle is tested elsewhere
    return settings
