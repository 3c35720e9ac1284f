"""Cancel, ship and expire: stock comes back exactly once, state changes only when legal."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cart.models import Coupon
from catalog.models import Product
from orders.errors import IllegalTransition, OrderBusy
from orders.expiry import expire, expire_if_due, expire_stale
from orders.models import GatewayCharge, Order, OrderLine, Refund
from orders.payments.errors import CannotRefund, GatewayFailed
from orders.payments.gateway import FakeGateway, GatewayError
from orders.payments.refund import refund
from orders.services.lifecycle import cancel, ship
from orders.stock import release_stock
from tests.factories import CouponFactory, ProductFactory, StaffFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import ledger_net, paid

pytestmark = pytest.mark.django_db

Status = Order.Status


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def test_create_then_cancel_gives_stock_back_once():
    apple, pear = ProductFactory(stock=10), ProductFactory(stock=4)
    order = place({apple: 3, pear: 4})
    assert (stock(apple), stock(pear)) == (7, 0)
    cancel(order=order, reason="wrong size")
    assert (stock(apple), stock(pear)) == (10, 4)
    assert order.status == Status.CANCELLED and order.stock_released
    assert list(order.lines.values_list("restocked", flat=True)) == [3, 4]
    event = order.events.latest("id")
    assert (event.from_status, event.to_status, event.note) == (
        "pending",
        "cancelled",
        "wrong size",
    )


def test_cancelling_twice_is_409_and_restocks_nothing_more():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    cancel(order=order)
    with pytest.raises(IllegalTransition) as caught:
        cancel(order=Order.objects.get(pk=order.pk))
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    assert stock(product) == 5


def test_a_stale_copy_of_the_order_cannot_cancel_again():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    stale = Order.objects.get(pk=order.pk)
    cancel(order=order)
    with pytest.raises(IllegalTransition):
        cancel(order=stale)  # it still says pending; the conditional UPDATE knows better
    assert stock(product) == 5


def test_release_stock_is_exactly_once():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    assert release_stock(order) is True
    assert release_stock(Order.objects.get(pk=order.pk)) is False
    assert stock(product) == 5


def test_release_stock_skips_units_a_refund_already_restocked():
    product = ProductFactory(stock=5)
    order = place({product: 3})
    line = order.lines.get()
    OrderLine.objects.filter(pk=line.pk).update(restocked=1)
    Product.objects.filter(pk=product.pk).update(stock=3)  # that unit went back already
    release_stock(order)
    assert stock(product) == 5 and order.lines.get().restocked == 3


def test_release_stock_ignores_lines_whose_product_was_deleted():
    gone, kept = ProductFactory(stock=2), ProductFactory(stock=2)
    order = place({gone: 1, kept: 1})
    OrderLine.objects.filter(order=order, product=gone).update(product=None)
    cancel(order=order)
    assert stock(kept) == 2


def test_cancel_gives_the_coupon_use_back():
    CouponFactory(code="ONE", usage_limit=1)
    order = place({ProductFactory(): 1}, coupon="ONE")
    assert Coupon.objects.get(code="ONE").times_used == 1
    cancel(order=order)
    assert Coupon.objects.get(code="ONE").times_used == 0
    place({ProductFactory(): 1}, coupon="ONE")  # usable again
    assert Coupon.objects.get(code="ONE").times_used == 1


def test_pending_order_with_a_payment_in_flight_cannot_be_cancelled():
    product = ProductFactory(stock=5)
    order = place({product: 1})
    Order.objects.filter(pk=order.pk).update(payment_claim="pay-123")
    with pytest.raises(OrderBusy) as caught:
        cancel(order=order)
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    assert Order.objects.get(pk=order.pk).status == Status.PENDING and stock(product) == 4


def test_cancel_of_a_paid_order_refunds_then_restocks():
    product = ProductFactory(stock=5)
    order = paid(place({product: 2}))
    staff = StaffFactory()
    cancel(order=order, actor=staff, actor_label="staff")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.amount_refunded == order.amount_paid == order.total
    assert stock(product) == 5
    assert order.events.latest("id").actor == staff


@pytest.mark.parametrize("status", [Status.SHIPPED, Status.REFUNDED, Status.CANCELLED])
def test_final_statuses_cannot_be_cancelled(status):
    product = ProductFactory(stock=5)
    order = place({product: 1})
    Order.objects.filter(pk=order.pk).update(status=status)  # test setup only
    order.refresh_from_db()
    with pytest.raises(IllegalTransition):
        cancel(order=order)
    assert stock(product) == 4


def test_ship_moves_a_paid_order_and_keeps_stock_sold():
    product = ProductFactory(stock=5)
    order = paid(place({product: 2}))
    ship(order=order, actor=StaffFactory())
    assert Order.objects.get(pk=order.pk).status == Status.SHIPPED and stock(product) == 3


@pytest.mark.parametrize("status", [Status.PENDING, Status.CANCELLED, Status.SHIPPED])
def test_ship_refuses_orders_that_are_not_paid(status):
    order = place({ProductFactory(): 1})
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    with pytest.raises(IllegalTransition) as caught:
        ship(order=order)
    assert caught.value.code == "cannot_ship"
    assert Order.objects.get(pk=order.pk).status == status


def test_a_stale_cancel_of_an_order_staff_just_shipped_is_409_and_refunds_nothing(
    django_capture_on_commit_callbacks,
):
    product = ProductFactory(stock=5)
    order = paid(place({product: 2}))
    stale = Order.objects.get(pk=order.pk)  # the customer's request read it while still paid
    ship(order=Order.objects.get(pk=order.pk))  # staff, with a fresh read
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(IllegalTransition) as caught,
    ):
        cancel(order=stale)
    assert (caught.value.status, caught.value.code) == (409, "cannot_cancel")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Status.SHIPPED, 0)
    assert not Refund.objects.exists() and GatewayCharge.objects.get().refunded == 0
    assert mail.outbox == [] and stock(product) == 3


class CancelDuringRefundGateway(FakeGateway):
    """The fake gateway; the next refund first runs `during` (a cancel), then is refused."""

    during = None

    def refund(self, **kwargs):
        during, CancelDuringRefundGateway.during = CancelDuringRefundGateway.during, None
        if during is None:
            return super().refund(**kwargs)
        during()
        raise GatewayError("processing_error")


def test_a_cancel_waits_for_a_refund_still_at_the_gateway(settings):
    product = ProductFactory(stock=5, price=Decimal("10.00"))
    order = paid(place({product: 2}))
    settings.PAYMENT_GATEWAY = f"{__name__}.CancelDuringRefundGateway"
    outcome = []

    def cancel_now():
        try:
            cancel(order=Order.objects.get(pk=order.pk))
        except OrderBusy as err:
            outcome.append(err.code)

    CancelDuringRefundGateway.during = cancel_now
    with pytest.raises(GatewayFailed):  # the gateway then refuses the 5.00 refund
        refund(order=Order.objects.get(pk=order.pk), amount=Decimal("5.00"))
    assert outcome == ["cannot_cancel"]
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Status.PAID, 0)
    assert ledger_net() == Decimal("20.00") and stock(product) == 3
    assert not Refund.objects.filter(status=Refund.Status.SUCCEEDED).exists()
    cancel(order=order)  # once the refund is decided, the cancel refunds it all
    assert (order.status, order.amount_refunded, ledger_net()) == (Status.CANCELLED, 20, 0)


def test_an_owner_refund_of_an_order_staff_just_shipped_refunds_nothing():
    order = paid(place({ProductFactory(stock=5): 1}))
    stale = Order.objects.get(pk=order.pk)
    ship(order=Order.objects.get(pk=order.pk))
    with pytest.raises(CannotRefund):
        refund(order=stale, amount=Decimal("1.00"))  # an owner's refund: allow_shipped=False
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Status.SHIPPED, 0)
    assert not Refund.objects.exists() and ledger_net() == order.amount_paid


def test_ship_waits_out_a_refund_in_flight():
    order = paid(place({ProductFactory(): 1}))
    Order.objects.filter(pk=order.pk).update(amount_refunded=order.total)  # reserved by a refund
    with pytest.raises(OrderBusy):
        ship(order=order)
    assert Order.objects.get(pk=order.pk).status == Status.PAID


def _age(order: Order, minutes: int = 31) -> None:
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=minutes - 30)
    )
    order.refresh_from_db()


def test_expire_cancels_a_due_order_as_the_system():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    _age(order)
    assert expire(order=order) is True
    assert order.status == Status.CANCELLED and stock(product) == 5
    event = order.events.latest("id")
    assert (event.actor_label, event.data) == ("system", {"reason": "expired"})


def test_expire_leaves_orders_that_are_not_due():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    assert expire(order=order) is False and expire_if_due(order=order) is False
    assert Order.objects.get(pk=order.pk).status == Status.PENDING and stock(product) == 3


def test_expire_leaves_an_order_whose_payment_is_in_flight():
    product = ProductFactory(stock=5)
    order = place({product: 2})
    _age(order)
    Order.objects.filter(pk=order.pk).update(payment_claim="pay-1")
    assert expire(order=order) is False and expire_stale() == 0
    assert Order.objects.get(pk=order.pk).status == Status.PENDING and stock(product) == 3


def test_expire_stale_cancels_only_due_pending_orders():
    product = ProductFactory(stock=20)
    due = [place({product: 1}) for _ in range(3)]
    fresh = place({product: 1})
    paid_late = paid(place({product: 1}))
    for order in [*due, paid_late]:
        _age(order)
    assert expire_stale() == 3
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in due] == ["cancelled"] * 3
    assert (statuses[fresh.pk], statuses[paid_late.pk]) == ("pending", "paid")
    assert stock(product) == 18
    assert expire_stale() == 0


def test_expire_orders_command_reports_and_releases(settings):
    product = ProductFactory(stock=5)
    order = place({product: 5})
    _age(order)
    out = StringIO()
    call_command("expire_orders", stdout=out)
    assert out.getvalue().strip() == "Expired 1 order(s)."
    assert stock(product) == 5
