"""Boundaries of checkout, payment and refunds that mutation testing found untested
(docs/MUTATION.md): each case sits exactly on a limit and asserts the money, stock and rows."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from cart.cart import Cart
from cart.models import Coupon
from cart.services import add_to_cart, choose_destination, read_cart
from catalog.errors import InsufficientStock
from catalog.models import Product
from core.money import MAX_AMOUNT
from orders.address import Address
from orders.errors import GuestLimit, IdempotencyKeyReused, QuoteChanged
from orders.models import GatewayCharge, Order, OrderEvent, Payment, Refund
from orders.ownership import Owner
from orders.payments.charge import pay
from orders.payments.errors import (
    AlreadyPaid,
    CannotRefund,
    GatewayTimedOut,
    InvalidRestock,
    NotPaid,
    NotPayable,
    OrderExpired,
    PaymentDeclined,
    RefundExceedsPayment,
)
from orders.payments.refund import refund
from orders.services.checkout import checkout
from orders.services.lifecycle import cancel, ship
from orders.states import move
from outbox.models import Email
from tests.factories import CouponFactory, ProductFactory, ShippingMethodFactory, StaffFactory
from tests.orders.conftest import ADDRESS, place
from tests.orders.payment_helpers import DECLINED, GOOD, LOST_REPLY, NO_FUNDS, card, paid

pytestmark = pytest.mark.django_db


def test_a_coupon_whose_minimum_subtotal_is_met_exactly_is_applied_and_counted():
    coupon = CouponFactory(code="MIN20", min_subtotal=Decimal("20.00"), value=Decimal("10"))
    order = place({ProductFactory(price=Decimal("10.00")): 2}, coupon="MIN20")
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("20.00"),
        Decimal("2.00"),
        Decimal("18.00"),
    )
    assert (order.coupon, order.coupon_code) == (coupon, "MIN20")
    assert Coupon.objects.get(pk=coupon.pk).times_used == 1


def test_an_order_of_exactly_the_largest_amount_is_placed():
    yacht = ProductFactory(price=MAX_AMOUNT, stock=1)
    order = place({yacht: 1})
    assert (order.subtotal, order.total) == (MAX_AMOUNT, MAX_AMOUNT)
    assert Product.objects.get(pk=yacht.pk).stock == 0


def test_an_order_that_comes_to_zero_is_paid_without_a_charge():
    CouponFactory(code="FREE", kind=Coupon.Kind.PERCENT, value=Decimal("100"))
    order = place({ProductFactory(price=Decimal("5.00")): 1}, coupon="FREE")
    assert order.total == Decimal("0.00")
    clerk = StaffFactory()
    pay(order=order, card=card(GOOD), actor=clerk, actor_label="staff")
    order.refresh_from_db()
    assert (order.status, order.amount_paid) == (Order.Status.PAID, Decimal("0.00"))
    assert not Payment.objects.exists() and not GatewayCharge.objects.exists()
    event = order.events.latest("id")
    assert (event.action, event.from_status, event.to_status) == ("status:paid", "pending", "paid")
    assert (event.actor, event.actor_label, event.note) == (clerk, "staff", "Nothing to charge.")
    (receipt,) = Email.objects.filter(subject__startswith="Payment received")
    assert receipt.to == "guest@example.com" and order.number in receipt.subject
    assert not OrderEvent.objects.filter(order=order, action="payment_failed").exists()


def test_a_replayed_decline_keeps_its_reason():
    order = place({ProductFactory(): 1})
    answers = []
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            pay(order=order, card=card(NO_FUNDS), idempotency_key="k-1")
        answers.append((caught.value.code, caught.value.message))
    assert answers[0] == answers[1]
    assert answers[0] == (
        "insufficient_funds",
        "Your card was declined for insufficient funds. Try another card.",
    )
    assert Payment.objects.count() == 1


def test_a_decline_closes_only_its_own_payment():
    lost = place({ProductFactory(): 1})
    with pytest.raises(GatewayTimedOut):
        pay(order=lost, card=card(LOST_REPLY))
    unknown = OrderEvent.objects.get(order=lost, action="payment_unknown")
    assert unknown.note == "The gateway's reply was lost; the charge will be looked up."
    declined = place({ProductFactory(): 1})
    with pytest.raises(PaymentDeclined):
        pay(order=declined, card=card(DECLINED))
    assert Payment.objects.get(order=lost).status == Payment.Status.UNKNOWN
    assert Order.objects.get(pk=lost.pk).payment_claim != ""
    assert Payment.objects.get(order=declined).status == Payment.Status.FAILED


def test_a_claim_left_without_a_payment_is_freed_and_the_order_charged_once():
    order = place({ProductFactory(price=Decimal("7.00")): 1})
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Order.objects.filter(pk=order.pk).update(
        payment_claim="CS-DEAD-PROCESS", payment_claimed_at=an_hour_ago
    )
    order.refresh_from_db()
    pay(order=order, card=card(GOOD))
    order.refresh_from_db()
    assert (order.status, order.amount_paid, order.payment_claim) == (
        Order.Status.PAID,
        Decimal("7.00"),
        "",
    )
    (payment,) = Payment.objects.filter(order=order)
    assert payment.status == Payment.Status.SUCCEEDED
    assert GatewayCharge.objects.get().amount == Decimal("7.00")


def test_a_cart_short_of_stock_is_refused_naming_each_line():
    pear = ProductFactory(name="Pear", stock=1)
    gone = ProductFactory(stock=5)
    gone_pk = gone.pk
    gone.delete()
    with pytest.raises(InsufficientStock) as caught:
        place({pear: 2, Product(pk=gone_pk): 1})
    assert caught.value.message == (
        "Not enough stock. Pear: 1 left, 2 wanted; a product no longer sold: 0 left, 1 wanted."
    )
    assert [(p["sku"], p["available"]) for p in caught.value.extra["products"]] == [
        (pear.sku, 1),
        (None, 0),
    ]
    assert Product.objects.get(pk=pear.pk).stock == 1 and not Order.objects.exists()


def test_a_refund_of_more_than_remains_says_how_much_remains_even_below_one_unit():
    order = paid(place({ProductFactory(price=Decimal("0.50")): 1}))
    with pytest.raises(RefundExceedsPayment) as caught:
        refund(order=order, amount=Decimal("0.51"))
    assert caught.value.message == "At most 0.50 USD remains to refund."
    assert caught.value.extra == {"remaining": Decimal("0.50")}
    assert refund(order=order, amount=Decimal("0.50")).status == Order.Status.REFUNDED


def test_a_refund_of_exactly_what_remains_on_a_shipped_order_is_refused_as_not_refundable():
    order = ship(order=paid(place({ProductFactory(price=Decimal("10.00")): 1})))
    with pytest.raises(CannotRefund) as caught:
        refund(order=order, amount=Decimal("10.00"))
    assert caught.value.extra == {"status_now": "shipped"}
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.00")


def test_refusals_say_the_status_or_what_remains():
    unpaid = place({ProductFactory(): 1})
    with pytest.raises(NotPaid) as caught:
        refund(order=unpaid, amount=Decimal("1.00"))
    assert caught.value.extra == {"status_now": "pending"}
    order = paid(place({ProductFactory(price=Decimal("10.00")): 1}))
    with pytest.raises(InvalidRestock) as caught:
        refund(order=order, amount=Decimal("4.00"), restock=True)
    assert caught.value.extra == {"remaining": Decimal("10.00")}


def test_an_order_is_expired_at_the_very_moment_its_reservation_ends(monkeypatch):
    order = place({ProductFactory(stock=3): 1})
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(expires_at=now)
    order.refresh_from_db()
    monkeypatch.setattr(timezone, "now", lambda: now)
    with pytest.raises(OrderExpired):
        pay(order=order, card=card(GOOD))
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert not Payment.objects.exists()


def test_an_order_that_cannot_be_paid_says_why():
    done = paid(place({ProductFactory(): 1}))
    with pytest.raises(AlreadyPaid) as caught:
        pay(order=done, card=card(GOOD))
    assert caught.value.extra == {"status_now": "paid"}
    closed = place({ProductFactory(): 1})
    cancel(order=closed)
    with pytest.raises(NotPayable) as caught:
        pay(order=closed, card=card(GOOD))
    assert caught.value.message == f"Order {closed.number} is cancelled."
    assert caught.value.extra == {"status_now": "cancelled"}


def test_a_refund_key_belongs_to_one_order_and_one_request():
    first, second = (paid(place({ProductFactory(price=Decimal("10.00")): 1})) for _ in range(2))
    refund(order=first, amount=Decimal("1.00"))  # no key: never replayed
    refund(order=first, amount=Decimal("2.00"), reason="Dent", idempotency_key="r-1")
    refund(order=second, amount=Decimal("3.00"), reason="Dent", idempotency_key="r-1")
    assert [o.amount_refunded for o in Order.objects.order_by("pk")] == [
        Decimal("3.00"),
        Decimal("3.00"),
    ]
    for changed in ({"reason": "Scratch"}, {"restock": True}):
        with pytest.raises(IdempotencyKeyReused):
            refund(
                order=first,
                **{"amount": Decimal("2.00"), "reason": "Dent", **changed},
                idempotency_key="r-1",
            )
    assert Refund.objects.count() == 3


def test_a_refund_without_reason_or_label_is_the_customers_with_no_note():
    order = paid(place({ProductFactory(price=Decimal("10.00")): 1}))
    refund(order=order, amount=Decimal("4.00"))
    record = Refund.objects.get()
    event = order.events.latest("id")
    assert (record.reason, event.action, event.actor_label, event.note) == (
        "",
        "status:partially_refunded",
        "customer",
        "",
    )


def test_shipping_records_its_note_and_none_by_default():
    with_note = ship(order=paid(place({ProductFactory(): 1})), note="Tracking 123")
    plain = ship(order=paid(place({ProductFactory(): 1})))
    notes = [o.events.latest("id").note for o in (with_note, plain)]
    assert notes == ["Tracking 123", ""]


def test_a_cancel_gives_back_one_use_of_its_own_coupon_only_and_never_below_zero():
    ours = CouponFactory(code="OURS")
    theirs = CouponFactory(code="THEIRS", times_used=5)
    order = place({ProductFactory(): 1}, coupon="OURS")
    assert Coupon.objects.get(pk=ours.pk).times_used == 1
    cancel(order=order)
    assert Coupon.objects.get(pk=ours.pk).times_used == 0
    assert Coupon.objects.get(pk=theirs.pk).times_used == 5
    again = place({ProductFactory(): 1}, coupon="OURS")
    Coupon.objects.filter(pk=ours.pk).update(times_used=0)  # staff reset the count meanwhile
    cancel(order=again)
    assert Coupon.objects.get(pk=ours.pk).times_used == 0
    assert Order.objects.get(pk=again.pk).status == Order.Status.CANCELLED


def test_a_guest_over_the_limit_on_two_lines_is_told_both(settings):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 3
    plum = ProductFactory(name="Plum", stock=50)
    pear = ProductFactory(name="Pear", stock=50)
    with pytest.raises(GuestLimit) as caught:
        place({plum: 4, pear: 5})
    assert caught.value.message == (
        "A guest order can hold at most 3 of one product (Plum: 4 wanted; Pear: 5 wanted). "
        "Lower the quantity, or sign in to order more."
    )


def test_order_numbers_are_cs_and_ten_easy_characters():
    order = place({ProductFactory(): 1})
    assert re.fullmatch(r"CS-[A-HJ-NP-Z2-9]{10}", order.number)


def test_a_total_changed_since_shown_and_expected_is_reported_once():
    product = ProductFactory(price=Decimal("10.00"))
    session = {}
    cart = Cart(session)
    add_to_cart(cart=cart, product_id=product.pk)
    read_cart(cart=cart)  # shows 10.00
    Product.objects.filter(pk=product.pk).update(price=Decimal("12.00"))
    with pytest.raises(QuoteChanged) as caught:
        checkout(
            cart=Cart(session),
            owner=Owner(session=session),
            address=Address(**ADDRESS),
            email="a@b.co",
            expected_total=Decimal("10.00"),
        )
    fields = [change["field"] for change in caught.value.extra["changes"]]
    assert fields.count("total") == 1


def test_naming_another_method_than_the_one_shown_is_no_change():
    ShippingMethodFactory(name="Standard", price=Decimal("4.90"))
    express = ShippingMethodFactory(name="Express", price=Decimal("9.90"))
    product = ProductFactory(price=Decimal("10.00"))
    session = {}
    cart = Cart(session)
    add_to_cart(cart=cart, product_id=product.pk)
    choose_destination(cart=cart, country="GB")  # shows the cheapest, Standard
    result = checkout(
        cart=Cart(session),
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="a@b.co",
        shipping_method=express.pk,
    )
    assert (result.order.shipping_method_name, result.order.total) == ("Express", Decimal("19.90"))


def test_a_move_keeps_500_characters_of_its_note_and_is_the_systems_by_default():
    order = place({ProductFactory(): 1})
    move(order, Order.Status.PAID, note="n" * 501, amount_paid=order.total)
    event = order.events.latest("id")
    assert (len(event.note), event.actor_label) == (500, "system")
    move(order, Order.Status.SHIPPED)
    assert order.events.latest("id").note == ""


def test_a_locked_move_with_an_expression_reads_the_value_back():
    order = place({ProductFactory(price=Decimal("3.00")): 1})
    move(order, Order.Status.PAID, locked=True, amount_paid=F("total"))
    assert order.amount_paid == Decimal("3.00")
