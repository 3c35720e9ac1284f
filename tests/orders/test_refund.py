"""POST /api/orders/{id}/refund: partial and full, never more than paid, who may, restock."""

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import GatewayCharge, Order, OrderEvent, OrderLine, Refund
from tests.factories import ProductFactory, StaffFactory
from tests.orders.conftest import api_checkout
from tests.orders.payment_helpers import GOOD, card, ledger_net

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(stock=5, price=Decimal("10.00"))


@pytest.fixture
def order_id(api_client, product):
    """A guest's order of 2 × 10.00, paid."""
    order_id = api_checkout(api_client, {product: 2}).json()["id"]
    paid = api_client.post(
        f"/api/orders/{order_id}/pay", {"method": "credit_card", "card": card(GOOD)}
    )
    assert paid.status_code == 200
    return order_id


def refund(client, order_id, body=None, **headers):
    return client.post(
        f"/api/orders/{order_id}/refund", body if body is not None else {}, **headers
    )


def order(order_id) -> Order:
    return Order.objects.get(pk=order_id)


def error(response) -> str:
    return response.json()["error"]["code"]


def charged() -> GatewayCharge:
    return GatewayCharge.objects.get()


def test_refund_without_amount_refunds_all_and_emails_the_shopper(
    api_client, order_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = refund(api_client, order_id)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_paid"], body["amount_refunded"]) == ("refunded", 20, 20)
    assert [r["amount"] for r in body["refunds"]] == [20]
    assert charged().refunded == Decimal("20.00")
    (email,) = mail.outbox
    assert email.to == ["guest@example.com"] and "20.00" in email.subject
    assert "4242" in email.body and "4242424242424242" not in email.body
    event = OrderEvent.objects.filter(order_id=order_id).last()
    assert (event.action, event.from_status, event.actor_label) == (
        "status:refunded",
        "paid",
        "guest",
    )


def test_pay_refund_refund_is_409_refund_exceeds_payment(api_client, order_id):
    assert refund(api_client, order_id).status_code == 200
    again = refund(api_client, order_id, {"amount": "0.01"})
    assert (again.status_code, error(again)) == (409, "refund_exceeds_payment")
    assert order(order_id).amount_refunded == Decimal("20.00")
    assert Refund.objects.count() == 1 and charged().refunded == Decimal("20.00")


def test_partial_refunds_add_up_to_refunded_and_never_beyond(api_client, order_id):
    steps = [
        ("0.10", "partially_refunded"),
        (7, "partially_refunded"),
        ("2.90", "partially_refunded"),
    ]
    for amount, status in steps:
        response = refund(api_client, order_id, {"amount": amount})
        assert response.status_code == 200 and response.json()["status"] == status
    too_much = refund(api_client, order_id, {"amount": "10.01"})
    assert (too_much.status_code, error(too_much)) == (409, "refund_exceeds_payment")
    assert too_much.json()["error"]["remaining"] == 10
    last = refund(api_client, order_id, {"amount": 10.00})
    assert last.json()["status"] == "refunded" and last.json()["amount_refunded"] == 20
    assert [r["amount"] for r in last.json()["refunds"]] == [0.1, 7, 2.9, 10]
    assert charged().refunded == Decimal("20.00") and ledger_net() == 0
    moves = OrderEvent.objects.filter(order_id=order_id, action__startswith="status:")
    statuses = list(moves.values_list("to_status", flat=True))
    assert statuses[-4:] == ["partially_refunded"] * 3 + ["refunded"]


def test_refund_of_an_unpaid_order_is_409_not_paid(api_client, product):
    order_id = api_checkout(api_client, {product: 1}).json()["id"]
    response = refund(api_client, order_id, {"amount": 1})
    assert (response.status_code, error(response)) == (409, "not_paid")
    assert refund(api_client, order_id).status_code == 409
    assert not Refund.objects.exists() and order(order_id).amount_refunded == 0


@pytest.mark.parametrize(
    "amount",
    [
        "10.005",
        10.005,
        -1,
        "-1",
        0,
        "0",
        "0.00",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e2",
        True,
        False,
        None,
        "",
        " ",
        "abc",
        "1,5",
        [1],
        {"v": 1},
        "99999999999",
    ],
)
def test_bad_amounts_are_400_invalid_amount_and_change_nothing(api_client, order_id, amount):
    response = refund(api_client, order_id, {"amount": amount})
    assert (response.status_code, error(response)) == (400, "invalid_amount")
    assert order(order_id).amount_refunded == 0 and not Refund.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"amount": 1e2}', "invalid_amount"),
        ('{"amount": 10.005}', "invalid_amount"),
        # A float would round this to 10.0; parsed exactly it has too many decimals.
        ('{"amount": 10.000000000000001}', "invalid_amount"),
        ('{"amount": NaN}', "invalid_json"),
        ('{"amount": Infinity}', "invalid_json"),
    ],
)
def test_raw_json_number_forms(api_client, order_id, raw, code):
    response = refund(api_client, order_id, raw)
    assert (response.status_code, error(response)) == (400, code)
    assert order(order_id).amount_refunded == 0


@pytest.mark.parametrize(
    "body",
    [
        {"restock": None},
        {"restock": "yes"},
        {"reason": "x" * 501},
        {"reason": "a\x00b"},
        {"reason": None},
    ],
)
def test_other_bad_refund_fields_are_400(api_client, order_id, body):
    assert refund(api_client, order_id, body).status_code == 400
    assert not Refund.objects.exists()


def test_full_refund_with_restock_puts_the_units_back_once(api_client, order_id, product):
    product.refresh_from_db()
    assert product.stock == 3
    response = refund(api_client, order_id, {"restock": True, "reason": "Damaged in transit"})
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.stock == 5
    assert OrderLine.objects.get(order_id=order_id).restocked == 2
    assert order(order_id).stock_released
    assert Refund.objects.get().reason == "Damaged in transit"


def test_restock_needs_a_refund_of_all_that_remains(api_client, order_id, product):
    response = refund(api_client, order_id, {"amount": 5, "restock": True})
    assert (response.status_code, error(response)) == (409, "invalid_restock")
    assert order(order_id).amount_refunded == 0
    refund(api_client, order_id, {"amount": 5})
    last = refund(api_client, order_id, {"amount": 15, "restock": True})
    assert last.status_code == 200
    product.refresh_from_db()
    assert product.stock == 5


def test_partial_refund_without_restock_keeps_stock(api_client, order_id, product):
    refund(api_client, order_id, {"amount": 5})
    product.refresh_from_db()
    assert product.stock == 3 and not order(order_id).stock_released


def test_another_shopper_gets_404(api_client, order_id, user_client):
    response = refund(user_client, order_id)
    assert (response.status_code, error(response)) == (404, "order_not_found")
    assert order(order_id).amount_refunded == 0


def test_staff_may_refund_any_order(order_id, staff_client):
    response = refund(staff_client, order_id, {"amount": "2.50"})
    assert response.status_code == 200 and response.json()["amount_refunded"] == 2.5
    event = OrderEvent.objects.filter(order_id=order_id).last()
    assert event.actor_label == "staff" and event.actor is not None


def test_owner_cannot_refund_a_shipped_order_but_staff_can(api_client, order_id, staff_client):
    assert staff_client.post(f"/api/orders/{order_id}/ship").status_code == 200
    mine = refund(api_client, order_id, {"amount": 1})
    assert (mine.status_code, error(mine)) == (403, "forbidden")
    assert order(order_id).amount_refunded == 0
    staff = refund(staff_client, order_id, {"amount": 1})
    assert staff.status_code == 200
    assert (staff.json()["status"], staff.json()["amount_refunded"]) == ("shipped", 1)
    rest = refund(staff_client, order_id)
    assert (rest.json()["status"], rest.json()["amount_refunded"]) == ("shipped", 20)


def test_a_refund_the_gateway_refuses_gives_the_reservation_back(api_client, order_id):
    GatewayCharge.objects.update(refunded=Decimal("19.00"))  # refunded out of band
    response = refund(api_client, order_id, {"amount": 5})
    assert (response.status_code, error(response)) == (502, "gateway_error")
    current = order(order_id)
    assert (current.status, current.amount_refunded) == ("paid", 0)
    assert Refund.objects.get().status == Refund.Status.FAILED
    failed = OrderEvent.objects.get(order_id=order_id, action="refund_failed")
    assert failed.actor_label == "guest"
    assert refund(api_client, order_id, {"amount": 1}).status_code == 200


def test_same_refund_idempotency_key_refunds_once(api_client, order_id):
    first = refund(api_client, order_id, {"amount": 3}, HTTP_IDEMPOTENCY_KEY="r-1")
    again = refund(api_client, order_id, {"amount": 3}, HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["amount_refunded"] == 3 and Refund.objects.count() == 1
    other = refund(api_client, order_id, {"amount": 4}, HTTP_IDEMPOTENCY_KEY="r-1")
    assert (other.status_code, error(other)) == (422, "idempotency_key_reused")


def test_pay_then_cancel_refunds_everything_then_restocks_once(api_client, order_id, product):
    refund(api_client, order_id, {"amount": 4})
    response = api_client.post(f"/api/orders/{order_id}/cancel", {"reason": "Changed my mind"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_paid"], body["amount_refunded"]) == ("cancelled", 20, 20)
    assert charged().refunded == Decimal("20.00")
    product.refresh_from_db()
    assert product.stock == 5
    again = api_client.post(f"/api/orders/{order_id}/cancel")
    assert again.status_code == 409
    product.refresh_from_db()
    assert product.stock == 5 and Refund.objects.count() == 2
    assert refund(api_client, order_id).status_code == 409


def test_staff_refund_with_a_token_client(order_id, api_client):
    staff = StaffFactory()
    from tests.conftest import ApiClient

    client = ApiClient()
    client.force_login(staff)
    assert refund(client, order_id, {"amount": "0.01"}).json()["amount_refunded"] == 0.01
