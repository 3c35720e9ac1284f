"""The state machine: every legal transition moves and audits, every illegal one is a 409."""

import itertools

import pytest

from orders.errors import IllegalTransition
from orders.models import Order, OrderEvent
from orders.states import ALLOWED, move
from tests.factories import ProductFactory
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

Status = Order.Status
PAIRS = list(itertools.product(Status.values, Status.values))
LEGAL = [(src, to) for src, to in PAIRS if to in ALLOWED and src in ALLOWED[to]]
ILLEGAL = [(src, to) for src, to in PAIRS if (src, to) not in LEGAL]
CODES = {
    Status.PAID: "already_paid",
    Status.SHIPPED: "cannot_ship",
    Status.PARTIALLY_REFUNDED: "cannot_refund",
    Status.REFUNDED: "cannot_refund",
    Status.CANCELLED: "cannot_cancel",
    Status.PENDING: None,  # nothing moves back to pending
}


def order_in(status: str) -> Order:
    order = place({ProductFactory(): 1})
    Order.objects.filter(pk=order.pk).update(status=status)  # test setup only
    order.refresh_from_db()
    return order


def test_the_machine_is_the_one_in_the_issue():
    assert set(LEGAL) == {
        ("pending", "paid"),
        ("paid", "shipped"),
        ("paid", "partially_refunded"),
        ("partially_refunded", "partially_refunded"),
        ("paid", "refunded"),
        ("partially_refunded", "refunded"),
        ("pending", "cancelled"),
        ("paid", "cancelled"),
        ("partially_refunded", "cancelled"),
    }


@pytest.mark.parametrize(("src", "to"), LEGAL)
def test_legal_transition_moves_and_writes_an_event(src, to):
    order = order_in(src)
    move(order, to, actor_label="staff", note="because")
    assert Order.objects.get(pk=order.pk).status == to
    assert order.status == to
    event = OrderEvent.objects.filter(order=order).latest("id")
    assert (event.action, event.from_status, event.to_status) == (f"status:{to}", src, to)
    assert (event.actor_label, event.note) == ("staff", "because")


@pytest.mark.parametrize(("src", "to"), [p for p in ILLEGAL if p[1] != Status.PENDING])
def test_illegal_transition_is_a_409_and_changes_nothing(src, to):
    order = order_in(src)
    events = OrderEvent.objects.filter(order=order).count()
    with pytest.raises(IllegalTransition) as caught:
        move(order, to)
    assert caught.value.status == 409
    assert caught.value.code == CODES[to]
    assert caught.value.extra["status_now"] == src
    assert Order.objects.get(pk=order.pk).status == src
    assert OrderEvent.objects.filter(order=order).count() == events


def test_nothing_moves_back_to_pending():
    assert Status.PENDING not in ALLOWED
