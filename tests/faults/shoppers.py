"""Simulated shoppers and the staff member, from a fixed seed, on a shared budget of operations.

A shopper browses, adds products and variants, applies SAVE10 sometimes, checks out with an
Idempotency-Key, pays with good and fault cards, cancels some orders; some sign in first.
Each keeps what it believes its cart holds and compares every cart it is shown with it.
The staff member ships and refunds paid orders handed over by the shoppers.
"""

import queue
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tests.faults.client import Client, Journal, Operation
from tests.faults.stack import PASSWORD, account_email

ADDRESS = {"name": "Ada", "street": "1 Loop Road", "city": "Localhost", "zip": "12345"}
COUNTRIES = ["US", "GB", "DE"]
CARDS = {  # docs/API.md's test cards, with how often shoppers use them
    "good": ("4242424242424242", 62),
    "declined": ("4000000000000002", 8),
    "insufficient funds": ("4000000000009995", 6),
    "processing error": ("4000000000000119", 8),
    "lost reply": ("4000000000000259", 16),
}


class OutOfOps(Exception):
    """The run's budget of operations is spent."""


class Budget:
    """A fixed number of operations, taken one at a time; the fault schedule may hold it at a
    gate until the fault in progress has finished, so every fault happens under load."""

    def __init__(self, total: int):
        self.total, self.used, self.gate = total, 0, total
        self.stopped = False
        self.cond = threading.Condition()

    def take(self, abort: threading.Event | None = None) -> None:
        """One operation; raises OutOfOps when the budget is spent, or `abort` is set."""
        with self.cond:
            while self.used >= self.gate and self.used < self.total and not self.stopped:
                if abort is not None and abort.is_set():
                    break
                self.cond.wait(0.2)
            if self.used >= self.total or self.stopped or (abort is not None and abort.is_set()):
                raise OutOfOps()
            self.used += 1
            self.cond.notify_all()

    def hold_at(self, gate: int) -> None:
        with self.cond:
            self.gate = min(gate, self.total)
            self.cond.notify_all()

    def wait_until(self, used: int) -> bool:
        """Block until `used` operations were taken; False if the run ended first."""
        with self.cond:
            while self.used < min(used, self.total) and not self.stopped:
                self.cond.wait(0.5)
            return not self.stopped

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


@dataclass
class CartCheck:
    at: float
    shopper: str
    expected: dict
    actual: dict
    where: str


@dataclass
class Ledger:
    """What the clients saw, for the books (shared by all threads; appends are atomic)."""

    checkouts: list[dict] = field(default_factory=list)  # key, email, operation, order
    payments: list[dict] = field(default_factory=list)  # order, card, operation
    cart_mismatches: list[CartCheck] = field(default_factory=list)
    staff: list[Operation] = field(default_factory=list)


class Shopper:
    """One shopper's session: journeys until the budget is spent."""

    def __init__(self, n: int, *, seed: int, signed_in: bool, ctx: "Context", overload=False):
        self.n, self.signed_in, self.ctx, self.overload = n, signed_in, ctx, overload
        prefix = "crowd" if overload else "shopper"
        self.name = f"{prefix}-{n}"
        self.rng = random.Random(f"{seed}-{self.name}")
        address = f"203.0.113.{n % 250 + 1}" if overload else f"198.51.100.{n % 250 + 1}"
        self.client = Client(self.name, address, ctx.bases, ctx.journal, self.rng.random())
        self.email = account_email(n) if signed_in else f"faults-guest-{n}@example.com"
        self.cart: dict[int, int] = {}  # line id → quantity, as this client believes
        self.cart_known = True
        self.products: list[dict] = []
        self.keys = 0

    # --- the operations --------------------------------------------------------------
    def op(self, kind, method, path, **kwargs):
        self.ctx.budget.take(self.ctx.crowd_done if self.overload else None)
        return self.client.call(kind, method, path, **kwargs)

    def run(self) -> None:
        try:
            if self.signed_in:
                self.sign_in()
            while True:
                self.crowd_journey() if self.overload else self.journey()
                if self.overload and self.ctx.crowd_done.is_set():
                    return
        except OutOfOps:
            return

    def sign_in(self) -> None:
        body = {"email": self.email, "password": PASSWORD}
        operation, _ = self.op("sign in", "POST", "/auth/login", json=body)
        if not operation.ok:
            self.signed_in = False  # shops on as a guest, under the account's address
            self.email = f"faults-guest-{self.n}@example.com"

    def journey(self) -> None:
        rng = self.rng
        self.browse()
        if rng.random() < 0.15:
            self.op("page", "GET", rng.choice(["/", "/cart/"]), api=False)
        if not self.products:
            return
        for _ in range(rng.randint(1, 3)):
            self.add()
        if rng.random() < 0.3:
            self.apply_coupon()
        self.read_cart()
        if rng.random() < (0.9 if not self.signed_in else 0.75):
            order = self.checkout()
            if order:
                self.after_checkout(order)

    def crowd_journey(self) -> None:
        """The overload crowd: reads and cart changes, as many at once as possible."""
        self.browse()
        if self.products:
            self.add()
        self.read_cart()
        self.op("page", "GET", "/", api=False)

    def browse(self) -> None:
        operation, response = self.op("browse", "GET", "/products?page_size=100")
        if operation.ok:
            self.products = response.json()

    def add(self) -> None:
        rng = self.rng
        choices = [p for p in self.products if p.get("in_stock")]
        if not choices:
            return
        product = rng.choice(choices)
        variants = [v for v in product.get("variants") or [] if v.get("in_stock")]
        if product.get("variants"):
            if not variants:
                return
            line = rng.choice(variants)["id"]
            body = {"variant_id": line}
        else:
            line = product["id"]
            body = {"product_id": line}
        body["quantity"] = quantity = rng.randint(1, 2)
        expected = {**self.cart, line: self.cart.get(line, 0) + quantity}
        for _ in range(3):
            operation, response = self.op("add", "POST", "/cart/items", json=body, retry=False)
            if operation.ok:
                self.compare(response.json(), expected, "add")
            if operation.status is not None and operation.status < 500:
                return
            # No answer, or a 5xx: the add may or may not have happened. Wait as told, read
            # the cart, and add again only if it is not there.
            time.sleep(self.client.wait(0, operation.final.retry_after))
            actual = self.read_cart(compare=False)
            if actual is None:
                self.cart_known = False
                return
            if actual != self.cart or not self.cart_known:
                self.compare_items(actual, expected, "add (answer lost)")
                return

    def apply_coupon(self) -> None:
        operation, response = self.op("coupon", "POST", "/cart/coupon", json={"code": "SAVE10"})
        if operation.ok:
            self.compare(response.json(), self.cart, "coupon")

    def read_cart(self, compare: bool = True) -> dict | None:
        operation, response = self.op("cart", "GET", "/cart")
        if not operation.ok:
            return None
        actual = _items(response.json())
        if compare:
            self.compare_items(actual, self.cart, "read")
        return actual

    def compare(self, cart: dict, expected: dict, where: str) -> None:
        self.compare_items(_items(cart), expected, where)

    def compare_items(self, actual: dict, expected: dict, where: str) -> None:
        if self.cart_known and actual != expected:
            self.ctx.ledger.cart_mismatches.append(
                CartCheck(self.ctx.journal.now(), self.name, dict(expected), actual, where)
            )
        self.cart, self.cart_known = actual, True

    def key(self, what: str) -> str:
        self.keys += 1
        return f"{self.name}-{what}-{self.keys}"

    def checkout(self) -> dict | None:
        key = self.key("checkout")
        address = {**ADDRESS, "country": self.rng.choice(COUNTRIES)}
        body = {"shipping_address": address, "email": self.email}
        operation, response = self.op("checkout", "POST", "/checkout", json=body, key=key)
        order = response.json() if operation.status == 201 else None
        self.ctx.ledger.checkouts.append(
            {"key": key, "email": self.email, "operation": operation, "order": order}
        )
        if order:
            self.cart, self.cart_known = {}, True
        elif operation.status in (409, 400):
            self.clear_cart()  # short stock, the guest limit, a changed quote: start again
        elif not operation.ok:
            self.cart_known = False  # placed or not: the client cannot tell
        return order

    def clear_cart(self) -> None:
        operation, response = self.op("clear cart", "DELETE", "/cart/items")
        if operation.ok:
            self.compare(response.json(), {}, "clear")

    def after_checkout(self, order: dict) -> None:
        rng = self.rng
        paid = None
        if rng.random() < 0.88:
            card = rng.choices(list(CARDS), weights=[w for _, w in CARDS.values()])[0]
            paid = self.pay(order, card)
            if paid is None and card != "good" and rng.random() < 0.7:
                paid = self.pay(order, "good")  # another card (a lost reply is settled first)
        if rng.random() < 0.12:
            self.op("cancel", "POST", f"/orders/{order['id']}/cancel", json={"reason": "Oops"})
        elif paid and rng.random() < 0.5:
            self.ctx.staff_queue.put(paid)

    def pay(self, order: dict, card: str) -> dict | None:
        body = {
            "method": "credit_card",
            "card": {
                "number": CARDS[card][0],
                "exp_month": 12,
                "exp_year": date.today().year + 2,
                "cvv": "123",
            },
        }
        key = self.key("pay")
        path = f"/orders/{order['id']}/pay"
        operation, response = self.op("pay", "POST", path, json=body, key=key)
        self.ctx.ledger.payments.append(
            {"order": order["id"], "card": card, "operation": operation}
        )
        return response.json() if operation.status == 200 else None


def _items(cart: dict) -> dict[int, int]:
    return {item["id"]: item["quantity"] for item in cart.get("items", [])}


class Staff:
    """A staff member with a Bearer token: ships and refunds paid orders, some both."""

    def __init__(self, token: str, *, seed: int, ctx: "Context"):
        self.ctx, self.rng = ctx, random.Random(f"{seed}-staff")
        self.client = Client("staff", "192.0.2.1", ctx.bases, ctx.journal, self.rng.random())
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.refunds = 0

    def run(self) -> None:
        try:
            while not self.ctx.load_done.is_set() or not self.ctx.staff_queue.empty():
                try:
                    order = self.ctx.staff_queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                self.handle(order)
        except OutOfOps:
            return

    def op(self, kind, method, path, **kwargs):
        self.ctx.budget.take()
        operation, response = self.client.call(kind, method, path, **kwargs)
        self.ctx.ledger.staff.append(operation)
        return operation, response

    def handle(self, order: dict) -> None:
        roll, path = self.rng.random(), f"/orders/{order['id']}"
        if roll < 0.6:
            self.op("ship", "POST", f"{path}/ship")
        if roll < 0.1 or roll >= 0.6:
            paid = Decimal(str(order["amount_paid"]))
            full = roll >= 0.85
            amount = (
                None if full else (paid * Decimal("0.3")).quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
            body = {"reason": "Faults test", "restock": full}
            if amount:
                body["amount"] = str(amount)
            self.refunds += 1
            key = f"staff-refund-{self.refunds}"
            self.op("refund", "POST", f"{path}/refund", json=body, key=key)


@dataclass
class Context:
    """What every thread of the load shares."""

    bases: list[str]
    journal: Journal
    budget: Budget
    ledger: Ledger = field(default_factory=Ledger)
    staff_queue: queue.Queue = field(default_factory=queue.Queue)
    load_done: threading.Event = field(default_factory=threading.Event)
    crowd_done: threading.Event = field(default_factory=threading.Event)


def final_carts(shoppers: list[Shopper]) -> list[dict]:
    """After the load: each shopper's cart (and sign-in) read back through the API."""
    results = []
    for shopper in shoppers:
        operation, response = shopper.client.call("final cart", "GET", "/cart")
        me = (
            shopper.client.call("final sign-in", "GET", "/auth/me")[0]
            if shopper.signed_in
            else None
        )
        actual = _items(response.json()) if operation.ok else None
        results.append(
            {
                "shopper": shopper.name,
                "signed_in": shopper.signed_in,
                "still_signed_in": me is not None and me.status == 200,
                "known": shopper.cart_known,
                "expected": shopper.cart,
                "actual": actual,
            }
        )
    return results
