"""Order, payment and refund emails are outbox rows of the transaction they announce."""

from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import Product
from orders.models import Order
from orders.payments.charge import pay
from orders.payments.errors import PaymentDeclined
from orders.payments.refund import refund
from orders.services import checkout
from outbox.models import Email
from tests.factories import CouponFactory, ProductFactory
from tests.orders.conftest import api_checkout, place
from tests.orders.payment_helpers import GOOD, card

pytestmark = pytest.mark.django_db
Status = Email.Status


def subjects() -> list[str]:
    return list(Email.objects.order_by("pk").values_list("subject", flat=True))


def test_checkout_writes_its_confirmation_in_the_outbox():
    order = place({ProductFactory(name="Apple"): 2}, email="ada@example.com")
    (email,) = Email.objects.all()
    assert (email.to, email.status, email.attempts) == ("ada@example.com", Status.PENDING, 0)
    assert email.subject == f"Your Corner Shop order {order.number}"
    assert (
        "2 × Apple" in email.text_body and "<h1>Thank you for your order!</h1>" in email.html_body
    )
    assert mail.outbox == []  # the test's transaction never commits: nothing sent yet


def test_paying_writes_a_receipt_and_sends_it_after_commit(django_capture_on_commit_callbacks):
    order = place({ProductFactory(price=Decimal("4.50")): 2})
    with django_capture_on_commit_callbacks(execute=True):
        pay(order=order, card=card(GOOD))
    assert subjects()[1:] == [f"Payment received for order {order.number}"]
    (message,) = mail.outbox  # the confirmation's commit was not captured: only the receipt
    assert "charged 9.00 USD to your" in message.body and "ending in 4242" in message.body
    assert GOOD not in message.body and GOOD not in message.alternatives[0][0]
    assert Email.objects.get(subject__startswith="Payment").status == Status.SENT


def test_an_order_paid_with_nothing_to_charge_gets_a_receipt():
    CouponFactory(code="FREE", value=Decimal("100"))
    order = place({ProductFactory(): 1}, coupon="FREE")
    pay(order=order, card=card(GOOD))
    receipt = Email.objects.get(subject__startswith="Payment")
    assert "nothing to charge" in receipt.text_body


def test_a_declined_payment_writes_no_receipt():
    order = place({ProductFactory(): 1})
    with pytest.raises(PaymentDeclined):
        pay(order=order, card=card("4000000000000002"))
    assert subjects() == [f"Your Corner Shop order {order.number}"]


def test_refunding_writes_the_refund_email(django_capture_on_commit_callbacks):
    order = place({ProductFactory(price=Decimal("10.00")): 1}, email="ada@example.com")
    pay(order=order, card=card(GOOD))
    with django_capture_on_commit_callbacks(execute=True):
        refund(order=Order.objects.get(pk=order.pk), amount=Decimal("4.00"))
    email = Email.objects.get(subject__startswith="Refund")
    assert email.subject == f"Refund of 4.00 USD for order {order.number}"
    assert "Refunded in total: 4.00 USD" in email.text_body and email.status == Status.SENT
    assert [m.subject for m in mail.outbox] == [email.subject]


def test_smtp_failure_never_fails_a_checkout(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.outbox.backends.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_checkout(api_client, {ProductFactory(): 1})
    assert response.status_code == 201
    (email,) = Email.objects.all()
    assert (email.status, email.attempts) == (Status.PENDING, 1)
    assert email.next_attempt_at > email.created_at and email.last_error
    assert Order.objects.get().number in email.subject


def test_a_rolled_back_checkout_leaves_no_email(monkeypatch, django_capture_on_commit_callbacks):
    def queue_then_fail(order):
        real(order)
        raise RuntimeError("the database went away")

    real = checkout.queue_confirmation
    monkeypatch.setattr(checkout, "queue_confirmation", queue_then_fail)
    product = ProductFactory(stock=3)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        place({product: 2})
    assert not Email.objects.exists() and not Order.objects.exists() and mail.outbox == []
    assert Product.objects.get(pk=product.pk).stock == 3
