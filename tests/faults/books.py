"""The books after the load, read from the database through the ORM, each check with its figure.

Runs in this process with the servers' settings (stack.configure_django), after the
operator's cron (`reconcile_payments`, `send_emails`) has run.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path

from django.db.models import Sum

from cart.models import Coupon
from catalog.models import Product
from orders.models import GatewayCharge, Order, OrderEvent, OrderLine, Payment, Refund
from orders.states import ALLOWED
from outbox.models import Email
from tests.faults.shoppers import Ledger

Status = Order.Status
PAID_LIKE = {Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.SHIPPED}
ZERO = Decimal("0.00")


@dataclass
class Check:
    name: str
    figure: str
    ok: bool
    details: list[str]  # what failed
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure


def n(value) -> str:
    return f"{value:,}"


def check_all(
    ledger: Ledger, initial_stock: dict, carts: list[dict], mail_dir: Path, wall_start: float
) -> list[Check]:
    orders = {o.pk: o for o in Order.objects.all()}
    return [
        checkouts(ledger, orders),
        states(orders),
        stock(initial_stock),
        charges(ledger, orders),
        refunds(orders, wall_start),
        coupons(),
        emails(orders, mail_dir),
        cart_checks(ledger, carts),
    ]


def _failed(operation) -> bool:
    return operation.status is None or operation.status >= 500


def checkouts(ledger: Ledger, orders: dict) -> Check:
    seen = Counter()
    numbers = {}
    for row in ledger.checkouts:
        if row["order"]:
            seen[row["order"]["id"]] += 1
            numbers[row["order"]["id"]] = row["order"]["number"]
    found = [pk for pk in seen if pk in orders and orders[pk].number == numbers[pk]]
    duplicates = sum(count - 1 for count in seen.values())
    gave_up = Counter(row["email"] for row in ledger.checkouts if _failed(row["operation"]))
    unseen = defaultdict(list)
    for order in orders.values():
        if order.pk not in seen:
            unseen[order.email].append(order.number)
    lost = sum(min(len(numbers_), gave_up[email]) for email, numbers_ in unseen.items())
    extra = []
    for email, numbers_ in unseen.items():
        if len(numbers_) > gave_up[email]:
            refused = [
                f"{row['operation'].final.started:.1f} s "
                + ", ".join(
                    f"`{a.request_id}` {a.status or a.error} {a.code}"
                    for a in row["operation"].attempts
                )
                for row in ledger.checkouts
                if row["email"] == email and not row["order"]
            ]
            extra.append(
                f"{email}: orders {numbers_} no client saw placed; its checkouts without a 201: "
                + ("; ".join(refused) or "none")
            )
    retried = sum(
        1
        for row in ledger.checkouts
        if row["order"] and any(a.failed for a in row["operation"].attempts[:-1])
    )
    missing = [f"order {pk} {numbers[pk]}" for pk in seen if pk not in found]
    return Check(
        "Every checkout the clients saw placed exists once",
        f"orders the clients saw created: {n(len(seen))}; in the database: {n(len(found))}; "
        f"duplicates: {duplicates}; placed after a retry with the same Idempotency-Key: "
        f"{retried}; orders no client saw: {n(sum(map(len, unseen.values())))} (answer lost "
        f"in a fault, the client gave up: {lost}; unexplained: {len(extra)})",
        not missing and not duplicates and not extra,
        missing + extra,
    )


def _legal_fields(order: Order, pending: Decimal) -> str:
    """Why the order's figures do not fit its status ("" if they do); `pending` refunds are
    reserved in amount_refunded but have not moved the status."""
    s, paid, refunded = order.status, order.amount_paid, order.amount_refunded - pending
    if s == Status.PENDING and (paid or refunded or order.stock_released):
        return "pending with money or stock released"
    if s in (Status.PAID, Status.SHIPPED) and paid != order.total:
        return f"{s} with amount_paid {paid} != total {order.total}"
    if s == Status.PAID and refunded:
        return "paid with a refund"
    if s == Status.PARTIALLY_REFUNDED and not ZERO < refunded < paid:
        return f"partially refunded {refunded} of {paid}"
    if s == Status.REFUNDED and (refunded != paid or not paid):
        return f"refunded {refunded} of {paid}"
    if s == Status.CANCELLED and (not order.stock_released or refunded != paid):
        return "cancelled with stock held or money kept"
    if order.payment_claim:
        return "a payment claim still held after reconcile_payments"
    return ""


def states(orders: dict) -> Check:
    events = defaultdict(list)
    pending = _pending_refunds()
    for event in OrderEvent.objects.filter(action__startswith="status:").order_by("pk"):
        events[event.order_id].append(event)
    problems = []
    for order in orders.values():
        status = Status.PENDING
        for event in events[order.pk]:
            if event.from_status != status or status not in ALLOWED.get(event.to_status, ()):
                problems.append(
                    f"{order.number}: {event.from_status}→{event.to_status} after {status}"
                )
            status = event.to_status
        if status != order.status:
            problems.append(f"{order.number}: status {order.status}, its history ends at {status}")
        if why := _legal_fields(order, pending[order.pk]):
            problems.append(f"{order.number}: {why}")
    by_status = Counter(order.status for order in orders.values())
    spread = ", ".join(f"{s} {n(c)}" for s, c in sorted(by_status.items()))
    return Check(
        "Every order is in a legal state",
        f"orders: {n(len(orders))} ({spread}); legal states and histories: "
        f"{n(len(orders) - len({p.split(':')[0] for p in problems}))}; illegal: {len(problems)}",
        not problems,
        problems,
    )


def stock(initial: dict) -> Check:
    held = defaultdict(int)
    units = restocked = 0
    for line in OrderLine.objects.exclude(product=None).only("product_id", "quantity", "restocked"):
        held[line.product_id] += line.quantity - line.restocked
        units += line.quantity
        restocked += line.restocked
    problems = []
    for pk, stock_now in Product.objects.values_list("pk", "stock"):
        if initial.get(pk) != stock_now + held[pk]:
            problems.append(f"product {pk}: {initial.get(pk)} ≠ {stock_now} + {held[pk]}")
    return Check(
        "Stock adds up for every product and variant",
        f"products and variants: {len(initial)}; initial = current + units in orders − restocked "
        f"for {len(initial) - len(problems)}, off for {len(problems)} (units ordered: "
        f"{n(units)}, restocked: {n(restocked)})",
        not problems,
        problems,
    )


def charges(ledger: Ledger, orders: dict) -> Check:
    payments = {p.reference: p for p in Payment.objects.all()}
    succeeded = defaultdict(list)
    for p in payments.values():
        if p.status == Payment.Status.SUCCEEDED:
            succeeded[p.order_id].append(p)
    kept, voided, orphans = [], 0, []
    gateway = list(GatewayCharge.objects.all())
    for charge in gateway:
        payment = payments.get(charge.reference)
        if payment is None:
            orphans.append(f"charge {charge.charge_id}: no payment with its reference")
        elif payment.status != Payment.Status.SUCCEEDED:
            if charge.refunded == charge.amount:
                voided += 1
            else:
                order = orders[payment.order_id]
                kept.append(
                    f"charge {charge.charge_id} {charge.amount} kept, payment {payment.status}, "
                    f"order {order.number} {order.status}"
                )
        elif charge.amount != payment.amount:
            kept.append(f"charge {charge.charge_id}: {charge.amount} ≠ payment {payment.amount}")
    paid = [o for o in orders.values() if o.amount_paid > 0]
    not_once = [
        f"order {order.number}: paid {order.amount_paid}, {len(succeeded[order.pk])} charge(s)"
        for order in paid
        if len(succeeded[order.pk]) != 1 or succeeded[order.pk][0].amount != order.amount_paid
    ]
    unsettled = [
        f"payment {p.reference}: still {p.status}"
        for p in payments.values()
        if p.status in (Payment.Status.PENDING, Payment.Status.UNKNOWN)
    ]
    seen_paid = {row["order"] for row in ledger.payments if row["operation"].status == 200}
    lost = [
        f"order {orders[pk].number}: the client saw it paid, the books do not"
        for pk in seen_paid
        if orders[pk].amount_paid <= 0
    ]
    problems = orphans + kept + not_once + unsettled + lost
    return Check(
        "Every charged order is paid exactly once",
        f"charges at the gateway: {n(len(gateway))} (paying an order: "
        f"{n(len(gateway) - voided - len(kept) - len(orphans))}; refunded in full, the order "
        f"closed meanwhile: {voided}; kept without paying an order: {len(kept) + len(orphans)}); "
        f"paid orders: {n(len(paid))}, with exactly one successful charge: "
        f"{n(len(paid) - len(not_once))}; payments the clients saw succeed: {n(len(seen_paid))}, "
        f"paid in the database: {n(len(seen_paid) - len(lost))}; payments left open after "
        f"reconcile_payments: {len(unsettled)}",
        not problems,
        problems,
    )


def _pending_refunds() -> dict[int, Decimal]:
    """Per order, the refunds still pending (their reply was lost, or their process died):
    their amounts stay reserved on the order for staff to check with the processor."""
    pending = defaultdict(lambda: ZERO)
    for refund in Refund.objects.filter(status=Refund.Status.PENDING):
        pending[refund.order_id] += refund.amount
    return pending


def refunds(orders: dict, wall_start: float) -> Check:
    problems, notes = [], []
    reserved = defaultdict(lambda: ZERO)
    for refund in Refund.objects.exclude(status=Refund.Status.FAILED):
        reserved[refund.order_id] += refund.amount
    for order in orders.values():
        if order.amount_refunded > order.amount_paid:
            problems.append(f"order {order.number}: refunded {order.amount_refunded} > paid")
        if order.amount_refunded != reserved[order.pk]:
            problems.append(
                f"order {order.number}: amount_refunded {order.amount_refunded}, refunds "
                f"{reserved[order.pk]}"
            )
    done, open_ = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for refund in Refund.objects.exclude(status=Refund.Status.FAILED).select_related("payment"):
        (done if refund.status == Refund.Status.SUCCEEDED else open_)[refund.payment.reference] += (
            refund.amount
        )
    succeeded = set(
        Payment.objects.filter(status=Payment.Status.SUCCEEDED).values_list("reference", flat=True)
    )
    charges_ = {c.reference: c for c in GatewayCharge.objects.all()}
    for charge in charges_.values():
        if charge.refunded > charge.amount:
            problems.append(f"charge {charge.charge_id}: refunded {charge.refunded} > amount")
        ref = charge.reference
        # A pending refund may or may not have reached the gateway.
        if ref in succeeded and not done[ref] <= charge.refunded <= done[ref] + open_[ref]:
            problems.append(
                f"charge {charge.charge_id}: gateway refunded {charge.refunded}, the shop "
                f"recorded {done[ref]} (+ {open_[ref]} pending)"
            )
    pending = list(Refund.objects.filter(status=Refund.Status.PENDING).select_related("order"))
    for refund in pending:
        charge = charges_.get(refund.payment.reference)
        at = refund.created_at.timestamp() - wall_start
        notes.append(
            f"refund of {refund.amount} on order {refund.order.number} ({refund.order.status}) "
            f"pending since {at:.1f} s (the gateway refunded {charge.refunded if charge else '?'} "
            f"of that charge): its reply was lost; nothing settles a refund afterwards, the "
            f"amount stays reserved for staff to check with the processor"
        )
    count = Refund.objects.count()
    total = Refund.objects.filter(status=Refund.Status.SUCCEEDED).aggregate(t=Sum("amount"))["t"]
    return Check(
        "Refunds never exceed payments",
        f"refunds: {n(count)} ({total or ZERO} USD refunded; pending, reply lost: "
        f"{len(pending)}); orders refunded beyond their payment: "
        f"{sum('> paid' in p for p in problems)}; charges refunded beyond their amount or unlike "
        f"the shop's records: {sum(p.startswith('charge') for p in problems)}",
        not problems,
        problems,
        notes,
    )


def coupons() -> Check:
    problems, figures = [], []
    for coupon in Coupon.objects.all():
        used = Order.objects.filter(coupon=coupon).exclude(status=Status.CANCELLED).count()
        figures.append(f"{coupon.code} times_used {coupon.times_used}, orders not cancelled {used}")
        if coupon.times_used != used:
            problems.append(figures[-1])
    return Check(
        "Coupon usage equals the orders that used it", "; ".join(figures), not problems, problems
    )


SUBJECTS = {
    "confirmation": re.compile(r"^Your Corner Shop order (CS-\w+)$"),
    "receipt": re.compile(r"^Payment received for order (CS-\w+)$"),
    "refund": re.compile(r"^Refund of \S+ \S+ for order (CS-\w+)$"),
}


def _kind(subject: str) -> tuple[str, str | None]:
    for kind, pattern in SUBJECTS.items():
        if match := pattern.match(subject):
            return kind, match.group(1)
    return "other", None


def delivered(mail_dir: Path) -> tuple[Counter, int]:
    """(to, subject) of every distinct message the file backend wrote (by Message-ID), and
    how many deliveries were re-sends of a message already delivered (the same Message-ID)."""
    messages, ids, resent = Counter(), set(), 0
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                message = message_from_string(chunk)
                if message["Message-ID"] in ids:
                    resent += 1
                    continue
                ids.add(message["Message-ID"])
                subject = str(make_header(decode_header(message["Subject"] or "")))
                messages[(str(message["To"]).strip(), subject.strip())] += 1
    return messages, resent


def emails(orders: dict, mail_dir: Path) -> Check:
    rows = defaultdict(Counter)  # order number → kind → rows
    statuses = Counter()
    for email in Email.objects.only("subject", "status"):
        kind, number = _kind(email.subject)
        statuses[email.status] += 1
        if number:
            rows[number][kind] += 1
    sent_rows = Counter(
        (e.to, e.subject)
        for e in Email.objects.filter(status=Email.Status.SENT).only("to", "subject")
    )
    messages, resent = delivered(mail_dir)
    twice = sum(max(count - sent_rows[key], 0) for key, count in messages.items())
    succeeded = Counter(
        Payment.objects.filter(status=Payment.Status.SUCCEEDED).values_list(
            "order__number", flat=True
        )
    )
    refunds_ = Counter(
        Refund.objects.filter(status=Refund.Status.SUCCEEDED).values_list(
            "order__number", flat=True
        )
    )
    problems = []
    for order in orders.values():
        kinds = rows[order.number]
        if kinds["confirmation"] != 1:
            problems.append(f"{order.number}: {kinds['confirmation']} confirmation rows")
        if kinds["receipt"] != succeeded[order.number]:
            problems.append(
                f"{order.number}: {kinds['receipt']} receipts, {succeeded[order.number]} payments"
            )
        if kinds["refund"] != refunds_[order.number]:
            problems.append(
                f"{order.number}: {kinds['refund']} refund emails, {refunds_[order.number]} refunds"
            )
    if twice:
        problems.append(f"{twice} message(s) delivered more often than their rows were sent")
    spread = ", ".join(f"{s} {n(c)}" for s, c in sorted(statuses.items()))
    wrong = len({p.split(":")[0] for p in problems if p.startswith("CS-")})
    return Check(
        "No email lost or sent twice (the outbox)",
        f"outbox rows: {n(sum(statuses.values()))} ({spread}); orders with exactly one "
        f"confirmation, one receipt per payment, one email per refund: "
        f"{n(len(orders) - wrong)} of {n(len(orders))}; messages delivered: "
        f"{n(sum(messages.values()))}, more than once: {twice}; re-sent with the same "
        f"Message-ID (the database lost between delivery and the row's update): {resent}",
        not problems,
        problems,
    )


def cart_checks(ledger: Ledger, carts: list[dict]) -> Check:
    signed = [c for c in carts if c["signed_in"]]
    guests = [c for c in carts if not c["signed_in"]]

    def lost(group):
        return [
            c
            for c in group
            if c["known"]
            and (c["actual"] != c["expected"] or (c["signed_in"] and not c["still_signed_in"]))
        ]

    lost_signed, lost_guests = lost(signed), lost(guests)
    unknown = sum(not c["known"] for c in carts)
    signed_out = sum(not c["still_signed_in"] for c in signed)
    during = ledger.cart_mismatches
    problems = [
        f"{c['shopper']}: expected {c['expected']}, found {c['actual']}" for c in lost_signed
    ]
    problems += [
        f"{m.at:.1f}s {m.shopper} ({m.where}): expected {m.expected}, found {m.actual}"
        for m in during
    ]
    return Check(
        "No signed-in shopper's cart lost (cached_db)",
        f"signed-in shoppers: {len(signed)}, carts as their client believes after the load: "
        f"{len(signed) - len(lost_signed) - sum(not c['known'] for c in signed)}, lost or "
        f"different: {len(lost_signed)}, signed out: {signed_out}; "
        f"guests: {len(guests)}, lost or different: {len(lost_guests)}; carts the client could "
        f"not know (an answer lost in a fault): {unknown}; carts shown unlike the client's "
        f"during the load: {len(during)}",
        not lost_signed and not lost_guests and not during,
        problems
        + [
            f"guest {c['shopper']}: expected {c['expected']}, found {c['actual']}"
            for c in lost_guests
        ],
    )
