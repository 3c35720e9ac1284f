"""cancel() decides on the order row, not on the caller's copy or on other orders: a payment
in flight holds its own order whatever other orders do, and a copy read before the money on
the order changed (paid since, or a full refund refused since) is refused with a 409, never
cancelled with money left on it."""

from decimal import Decimal

import pytest

from catalog.models import Product
from orders.errors import OrderBusy
from orders.models import Order, Refund
from orders.payments.errors import GatewayFailed
from orders.payments.gateway import FakeGateway, GatewayError
from orders.payments.refund import refund
from orders.services.lifecycle import cancel
from tests.factories import ProductFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import ledger_net, paid

pytestmark = pytest.mark.django_db

Status = Order.Status


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


class RefusingGateway(FakeGateway):
    """The fake gateway; each refund first runs `during` (another request), then is refused."""

    @staticmethod
    def during():
        pass

    def refund(self, **kwargs):
        RefusingGateway.during()
        raise GatewayError("processing_error")


def test_a_payment_in_flight_holds_its_order_even_while_another_order_is_free():
    product = ProductFactory(stock=5)
    busy, free = place({product: 1}), place({product: 1})
    Order.objects.filter(pk=busy.pk).update(payment_claim="pay-123")
    with pytest.raises(OrderBusy) as caught:
        cancel(order=busy)
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {busy.pk: Status.PENDING, free.pk: Status.PENDING}
    assert stock(product) == 3


def test_a_copy_read_before_the_order_was_paid_cannot_cancel_it_and_keep_the_money():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    stale = Order.objects.get(pk=order.pk)  # the cancel request read it while still pending
    paid(order)
    with pytest.raises(OrderBusy) as caught:
        cancel(order=stale)
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    assert stale.status == Status.PAID  # the refusal hands back the order as it is now
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Status.PAID, 0)
    assert ledger_net() == order.total and stock(product) == 3
    assert not Refund.objects.exists()


def test_a_copy_read_while_a_full_refund_was_at_the_gateway_is_refused_once_it_failed(
    settings, monkeypatch
):
    product = ProductFactory(stock=5, price=Decimal("10.00"))
    order = paid(place({product: 2}))
    settings.PAYMENT_GATEWAY = f"{__name__}.RefusingGateway"
    copies = []
    monkeypatch.setattr(
        RefusingGateway, "during", lambda: copies.append(Order.objects.get(pk=order.pk))
    )
    with pytest.raises(GatewayFailed):
        refund(order=Order.objects.get(pk=order.pk))  # all of it: 20.00 reserved, then refused
    (stale,) = copies
    assert (stale.status, stale.amount_refundable) == (Status.PAID, 0)  # read mid-refund
    settings.PAYMENT_GATEWAY = "orders.payments.gateway.FakeGateway"
    with pytest.raises(OrderBusy) as caught:
        cancel(order=stale)  # its copy says nothing is left to refund: no longer true
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Status.PAID, 0)
    assert ledger_net() == Decimal("20.00") and stock(product) == 3
    assert not Refund.objects.filter(status=Refund.Status.SUCCEEDED).exists()
    cancel(order=stale)  # the refused copy was brought up to date: asked again, it refunds all
    assert (stale.status, stale.amount_refunded, ledger_net()) == (Status.CANCELLED, 20, 0)
    assert stock(product) == 5
