"""Random sequences of cart, coupon, destination, checkout, pay, refund, cancel, expiry, ship
and reconcile calls, in a shop with shipping methods and tax rates, prices with or without tax.

After every step the contract's invariants are checked against the database and the fake
gateway's ledger: stock is never negative and is conserved, refunds never exceed payments,
an order is paid and charged at most once, cancelled orders are restocked exactly once, and
every order's figures add up (docs/PRICING.md) and never change once placed. Each checkout
is also compared with the shipping and tax an independent reading of the rule gives.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
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
from core.money import CENT, to_cents
from orders.expiry import expire_stale
from orders.models import GatewayCharge, Order, OrderLine, Payment
from orders.payments.reconcile import reconcile_payments
from pricing.totals import tax_of
from tests.conftest import ApiClient
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    StaffFactory,
    TaxRateFactory,
    VariantFactory,
)
from tests.orders.conftest import ADDRESS
from tests.orders.payment_helpers import DECLINED, FAILS, GOOD, LOST_REPLY, NO_FUNDS, card

ZERO = Decimal("0.00")
# price, tax class, grams per unit
PRODUCTS = [
    (Decimal("1.10"), "standard", 300),
    (Decimal("2.35"), "reduced", 700),  # a variant: two sizes of one product with options
    (Decimal("9.99"), "standard", 0),  # the other variant
]
STOCK = 6
# percent (US: no rates, so 0 %; GB reduced: no rate, 0 %)
RATES = {
    ("DE", "standard"): Decimal(19),
    ("DE", "reduced"): Decimal(7),
    ("GB", "standard"): Decimal(20),
}
COUNTRIES = ["DE", "GB", "US"]
COUPONS = {
    "TENOFF": ("percent", Decimal(10)),
    "FIVEOFF": ("fixed", Decimal(5)),
    "ALL": ("percent", Decimal(100)),
}
# Standard: 4.90 everywhere, free from 15.00 of goods after the discount, taxed standard.
# Parcel: DE and GB only, by weight (≤ 1000 g 3.50, ≤ 2500 g 6.00, heavier: not served),
# free from 25.00, taxed reduced. Old: inactive, never offered.
STANDARD_PRICE, STANDARD_FREE = Decimal("4.90"), Decimal("15.00")
PARCEL_BANDS = [(1000, Decimal("3.50")), (2500, Decimal("6.00"))]
PARCEL_FREE, PARCEL_COUNTRIES = Decimal("25.00"), ["DE", "GB"]
METHOD_CLASS = {"standard": "standard", "parcel": "reduced"}
methods = st.sampled_from([None, "standard", "parcel", "old"])
CARDS = [GOOD, GOOD, DECLINED, NO_FUNDS, FAILS, LOST_REPLY]
CARD_ANSWERS = {GOOD: 200, DECLINED: 402, NO_FUNDS: 402, FAILS: 502, LOST_REPLY: 504}
BAD_AMOUNTS = ["10.005", -1, 0, "NaN", "Infinity", "1e2", True, None, "abc"]
amounts = st.one_of(
    st.just("all"),
    st.just("shipping"),  # the shipping and its tax
    st.decimals(min_value="0.01", max_value="40", places=2),
    st.sampled_from(BAD_AMOUNTS),
)


def lost_replies() -> list[str]:
    unknown = Payment.objects.filter(status=Payment.Status.UNKNOWN)
    return list(unknown.values_list("reference", flat=True))


def offers(country: str, goods: Decimal, grams: int) -> dict[str, Decimal]:
    """The methods delivering a cart there and their prices, in the admin's order: the rule
    of docs/PRICING.md read independently of pricing/selectors.py."""
    found = {"standard": ZERO if goods >= STANDARD_FREE else STANDARD_PRICE}
    if country in PARCEL_COUNTRIES:
        band = next((price for bound, price in PARCEL_BANDS if grams <= bound), None)
        if band is not None and goods >= PARCEL_FREE:  # free, but never heavier than a band
            band = ZERO
        if band is not None:
            found["parcel"] = band
    return found


def expected_discount(code: str | None, subtotal: Decimal) -> Decimal:
    if code is None:
        return ZERO
    kind, value = COUPONS[code]
    off = to_cents(subtotal * value / 100) if kind == "percent" else value
    return min(subtotal, off)


def money(value) -> Decimal:
    return Decimal(str(value))


class ShopMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        # Each example runs in a transaction rolled back at teardown: a fresh shop each time.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        cache.clear()
        self.shopper = ApiClient()
        self.destination = (None, None)  # the cart's country and chosen method (None: cheapest)
        self.staff = ApiClient()
        self.staff.force_login(StaffFactory())

    def teardown(self):
        if hasattr(self, "prices"):
            self.prices.disable()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(included=st.booleans())
    def stock_the_shelves(self, included):
        self.included = included
        self.prices = override_settings(PRICES_INCLUDE_TAX=included)
        self.prices.enable()
        parent = ProductFactory(option1_name="Size", price=Decimal("5.00"), stock=0)
        self.products = [
            ProductFactory(price=price, tax_class=tax_class, weight_grams=grams, stock=STOCK)
            if n == 0
            else VariantFactory(
                parent=parent, price=price, tax_class=tax_class, weight_grams=grams, stock=STOCK
            )
            for n, (price, tax_class, grams) in enumerate(PRODUCTS)
        ]
        self.spec = {p.pk: spec for p, spec in zip(self.products, PRODUCTS, strict=True)}
        for (country, tax_class), rate in RATES.items():
            TaxRateFactory(country=country, tax_class=tax_class, rate=rate)
        parcel = ShippingMethodFactory(
            name="Parcel",
            price=Decimal("99.00"),  # the bands price it
            free_over=PARCEL_FREE,
            all_countries=False,
            countries=PARCEL_COUNTRIES,
            tax_class="reduced",
            position=1,
        )
        for bound, price in PARCEL_BANDS:
            ShippingBandFactory(method=parcel, up_to_grams=bound, price=price)
        self.methods = {
            "standard": ShippingMethodFactory(
                name="Standard", price=STANDARD_PRICE, free_over=STANDARD_FREE, position=0
            ),
            "parcel": parcel,
            "old": ShippingMethodFactory(name="Old", price=Decimal("0.10"), active=False),
        }
        for code, (kind, value) in COUPONS.items():
            CouponFactory(code=code, kind=kind, value=value)
        self.coupon = None
        self.snapshots = {}  # order id → its figures when placed

    def _method_id(self, key: str | None) -> int | None:
        return self.methods[key].pk if key else None

    def _answer(self, response, allowed: set[int]):
        assert response.status_code in allowed, (response.status_code, response.content)
        return response

    @rule(index=st.integers(0, len(PRODUCTS) - 1), quantity=st.integers(1, 4))
    def add_to_cart(self, index, quantity):
        body = {"product_id": self.products[index].pk, "quantity": quantity}
        self._answer(self.shopper.post("/api/cart/items", body), {200, 400, 409})

    def use_coupon(self, code: str | None) -> None:
        if code is None:
            self._answer(self.shopper.delete("/api/cart/coupon"), {200})
        else:
            self._answer(self.shopper.post("/api/cart/coupon", {"code": code}), {200})
        self.coupon = code

    @rule(country=st.sampled_from(COUNTRIES), method=methods)
    def choose_destination(self, country, method):
        body = {"country": country}
        if method is not None:
            body["shipping_method"] = self._method_id(method)
        response = self.shopper.put("/api/cart/destination", body)
        cart = response.json()
        if response.status_code == 400:
            assert cart["error"]["code"] == "shipping_unavailable", cart
            return
        self.destination = (country, method)
        assert response.status_code == 200, cart
        if cart["items"]:
            grams = sum(self.spec[i["id"]][2] * i["quantity"] for i in cart["items"])
            goods = money(cart["subtotal"]) - money(cart["discount"])
            offered = offers(country, goods, grams)
            assert method is None or method in offered
            key = method or min(offered, key=offered.get)
            assert cart["shipping_method"]["id"] == self._method_id(key)
            assert money(cart["shipping"]) == offered[key]

    @rule(
        target=orders,
        items=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), max_size=2),
        country=st.sampled_from(COUNTRIES),
        method=methods,
        coupon=st.sampled_from(["keep", "keep", None, *COUPONS]),
    )
    def checkout(self, items, country, method, coupon):
        for index, quantity in items:
            self.add_to_cart(index, quantity)
        if coupon != "keep":
            self.use_coupon(coupon)
        cart = self.shopper.get("/api/cart").json()
        stock = dict(Product.objects.values_list("pk", "stock"))
        body = {"shipping_address": {**ADDRESS, "country": country}, "email": "shopper@example.com"}
        if method is not None:  # absent: the cheapest (an explicit null is refused)
            body["shipping_method"] = self._method_id(method)
        response = self._answer(self.shopper.post("/api/checkout", body), {201, 400, 409})
        code = response.json().get("error", {}).get("code")
        assert code != "quote_changed", response.content  # nothing here changes a price
        lines = {i["id"]: i["quantity"] for i in cart["items"]}
        grams = sum(self.spec[pk][2] * qty for pk, qty in lines.items())
        subtotal = money(cart["subtotal"])
        discount = expected_discount(self.coupon, subtotal) if lines else ZERO
        offered = offers(country, subtotal - discount, grams)
        # No method named: the cart's choice for that country if it still delivers, else
        # the cheapest (ties: the admin's order).
        kept = self.destination[1] if self.destination[0] == country else None
        chosen = method or (kept if kept in offered else None)
        if not lines:
            assert code == "empty_cart", response.content
        elif any(qty > stock[pk] for pk, qty in lines.items()):
            assert code == "insufficient_stock", response.content
        elif not offered or (method is not None and method not in offered):
            assert code == "shipping_unavailable", response.content
        else:
            assert response.status_code == 201, response.content
        if response.status_code != 201:
            return multiple()
        self.coupon = None  # the cart starts over
        self.destination = (country, method)  # the next cart is estimated for this order's
        order = Order.objects.get(pk=response.json()["id"])
        key = chosen or min(offered, key=offered.get)
        assert (order.ship_country.code, order.tax_included) == (country, self.included)
        assert (order.subtotal, order.discount) == (subtotal, discount)
        assert order.shipping_method_id == self._method_id(key)
        assert order.shipping == offered[key]
        rate = RATES.get((country, METHOD_CLASS[key]), 0)
        assert order.shipping_tax == tax_of(order.shipping, Decimal(rate), self.included)
        for line in order.lines.all():
            _, tax_class, _ = self.spec[line.product_id]
            assert line.tax_rate == RATES.get((country, tax_class), 0)
            taxable = line.line_total - line.discount
            assert line.tax == tax_of(taxable, line.tax_rate, self.included)
        self.snapshots[order.pk] = self._figures(order)
        return order.pk

    @staticmethod
    def _figures(order: Order) -> tuple:
        return (
            order.subtotal,
            order.discount,
            order.shipping_method_id,
            order.shipping,
            order.shipping_tax,
            order.tax,
            order.tax_included,
            order.total,
        )

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
        if amount == "shipping":  # 0 when it shipped free: a bad amount then
            amount = before.shipping + (ZERO if before.tax_included else before.shipping_tax)
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
            if amount == "all":  # the whole total, shipping and its tax included
                assert Order.objects.get(pk=order_id).amount_refunded == before.total

    @rule(order_id=orders)
    def cancel(self, order_id):
        before = Order.objects.get(pk=order_id)
        response = self.shopper.post(f"/api/orders/{order_id}/cancel")
        can = (
            before.status in ("pending", "paid", "partially_refunded") and not before.payment_claim
        )
        assert response.status_code == (200 if can else 409), response.content

    @rule(order_id=orders)
    def expire(self, order_id):
        before = Order.objects.get(pk=order_id)
        due = before.status == "pending" and not before.payment_claim
        if due:  # its reservation runs out (only then: a later read would expire it lazily)
            past = timezone.now() - timedelta(minutes=1)
            Order.objects.filter(pk=order_id).update(expires_at=past)
        assert expire_stale(orders=Order.objects.filter(pk=order_id)) == int(due)
        after = Order.objects.get(pk=order_id)
        assert after.status == ("cancelled" if due else before.status)

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
        lines = list(
            OrderLine.objects.values(
                "order_id", "product_id", "quantity", "restocked", "unit_price", "discount", "tax"
            )
        )
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
            assert self._figures(order) == self.snapshots[order.pk]  # a snapshot: never repriced
            extra = ZERO if order.tax_included else order.tax
            assert order.total == order.subtotal - order.discount + order.shipping + extra
            own = [ln for ln in lines if ln["order_id"] == order.pk]
            assert sum(ln["unit_price"] * ln["quantity"] for ln in own) == order.subtotal
            assert sum(ln["discount"] for ln in own) == order.discount
            assert sum(ln["tax"] for ln in own) + order.shipping_tax == order.tax
            for ln in own:  # a share of the discount within a cent of its exact share
                amount = ln["unit_price"] * ln["quantity"]
                exact = amount * order.discount / order.subtotal
                assert 0 <= ln["discount"] <= amount and abs(ln["discount"] - exact) < CENT
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
