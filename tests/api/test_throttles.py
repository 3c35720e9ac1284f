"""Failure throttles: invalid coupons per cart, bad cards per order; 429 + Retry-After."""

import threading
import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from core.errors import ShopError, Throttled
from core.throttle import FailureThrottle, card_failures, coupon_failures
from orders.models import Order, Payment
from tests.factories import CouponFactory, ProductFactory
from tests.orders.conftest import api_checkout

pytestmark = pytest.mark.django_db

DECLINED = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvv": "123"}
BAD_LUHN = {**DECLINED, "number": "4242424242424241"}
GOOD = {**DECLINED, "number": "4242424242424242"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def small(settings):
    settings.COUPON_FAILURE_LIMIT = 3
    settings.PAYMENT_FAILURE_LIMIT = 3


class Nope(ShopError):
    code = "nope"


def fail_once(throttle, subject):
    with pytest.raises(Nope), throttle.attempt(subject, counts=Nope):
        raise Nope()


def test_only_failures_count_and_the_limit_then_refuses_before_running(small):
    throttle = coupon_failures
    for _ in range(10):
        with throttle.attempt("s"):
            pass  # successes never count
    assert throttle.failures("s") == 0
    for _ in range(3):
        fail_once(throttle, "s")
    ran = []
    with pytest.raises(Throttled) as caught, throttle.attempt("s"):
        ran.append(1)
    assert ran == []
    assert 3590 <= caught.value.retry_after <= 3600
    assert throttle.failures("s") == 3
    assert throttle.failures("other") == 0  # per subject


def test_errors_that_are_not_failures_give_the_slot_back(small):
    with pytest.raises(ValueError), coupon_failures.attempt("s", counts=Nope):
        raise ValueError("a bug, not a guess")
    assert coupon_failures.failures("s") == 0


def test_the_window_ends(small, settings):
    settings.COUPON_FAILURE_WINDOW = 1
    throttle = FailureThrottle("t", "COUPON_FAILURE_LIMIT", "COUPON_FAILURE_WINDOW")
    for _ in range(3):
        fail_once(throttle, "s")
    with pytest.raises(Throttled), throttle.attempt("s"):
        pass
    time.sleep(1.1)
    with throttle.attempt("s"):
        pass


def test_concurrent_guesses_cannot_pass_the_limit(small):
    barrier = threading.Barrier(8)
    ran = []

    def guess():
        barrier.wait()
        try:
            with coupon_failures.attempt("s", counts=Nope):
                ran.append(1)
                barrier_inner.wait(timeout=2)
                raise Nope()
        except (Nope, Throttled, threading.BrokenBarrierError):
            pass

    barrier_inner = threading.Barrier(3)
    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ran) == 3


def test_hit_counts_every_attempt_and_refuses_past_the_limit(small):
    for _ in range(3):
        coupon_failures.hit("s")  # a plain rate: whatever the outcome
    with pytest.raises(Throttled) as caught:
        coupon_failures.hit("s")
    assert 3590 <= caught.value.retry_after <= 3600
    assert coupon_failures.failures("s") == 3  # the refused one is not counted
    coupon_failures.hit("other")


def test_no_address_is_never_counted(small):
    for _ in range(10):
        coupon_failures.hit(None)
        fail_once(coupon_failures, None)
    assert coupon_failures.failures(None) == 0


def _cart_worth_20(client):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    assert (
        client.post("/api/cart/items", {"product_id": product.pk, "quantity": 2}).status_code == 200
    )
    return product


def test_invalid_coupons_are_429_with_retry_after_after_the_limit(api_client, small):
    _cart_worth_20(api_client)
    CouponFactory(code="REAL10")
    for _ in range(3):
        response = api_client.post("/api/cart/coupon", {"code": "GUESS"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_coupon"
    response = api_client.post("/api/cart/coupon", {"code": "REAL10"})  # even a right guess
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert api_client.get("/api/cart").json()["coupon"] is None


def test_applying_valid_coupons_is_never_throttled(api_client, small):
    _cart_worth_20(api_client)
    CouponFactory(code="A10")
    CouponFactory(code="B10")
    for code in ["A10", "B10"] * 5:
        assert api_client.post("/api/cart/coupon", {"code": code}).status_code == 200
    assert api_client.post("/api/cart/coupon", {"code": "NOPE"}).status_code == 400


def test_a_new_session_is_counted_too(api_client, small):
    """Without any cart yet, the failures still count against the session's cart."""
    for _ in range(3):
        assert api_client.post("/api/cart/coupon", {"code": "GUESS"}).status_code == 400
    assert api_client.post("/api/cart/coupon", {"code": "GUESS"}).status_code == 429


def test_coupon_failures_are_per_session(api_client, small):
    from tests.conftest import ApiClient

    _cart_worth_20(api_client)
    for _ in range(3):
        api_client.post("/api/cart/coupon", {"code": "GUESS"})
    other = ApiClient()
    _cart_worth_20(other)
    assert other.post("/api/cart/coupon", {"code": "GUESS"}).status_code == 400


def _pending_order(client):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    response = api_checkout(client, {product: 1})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _pay(client, order_id, card):
    return client.post(f"/api/orders/{order_id}/pay", {"method": "credit_card", "card": card})


def test_declined_and_invalid_cards_are_429_per_order_after_the_limit(api_client, small):
    order_id = _pending_order(api_client)
    assert _pay(api_client, order_id, DECLINED).status_code == 402
    assert _pay(api_client, order_id, BAD_LUHN).status_code == 400
    assert _pay(api_client, order_id, DECLINED).status_code == 402
    response = _pay(api_client, order_id, GOOD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Order.objects.get(pk=order_id).status == Order.Status.PENDING
    assert not Payment.objects.filter(order_id=order_id, status=Payment.Status.SUCCEEDED).exists()
    assert card_failures.failures(order_id) == 3

    other = _pending_order(api_client)  # per order
    assert _pay(api_client, other, GOOD).status_code == 200


# Per client address, on top of the limits above: a new cart, session or order is free,
# an address is not.


@pytest.fixture
def per_address(settings):
    settings.COUPON_FAILURE_LIMIT = 100
    settings.PAYMENT_FAILURE_LIMIT = 100
    settings.COUPON_FAILURE_LIMIT_PER_ADDRESS = 3
    settings.PAYMENT_FAILURE_LIMIT_PER_ADDRESS = 3
    settings.CHECKOUT_LIMIT_PER_ADDRESS = 3


def _shopper(address):
    """A new session (so a new cart) at this address."""
    from tests.conftest import ApiClient

    return ApiClient(REMOTE_ADDR=address)


def test_guest_checkouts_are_limited_per_address_across_new_sessions(per_address):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    for _ in range(3):
        assert api_checkout(_shopper("10.0.0.1"), {product: 1}).status_code == 201

    response = api_checkout(_shopper("10.0.0.1"), {product: 1})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 3590 <= int(response["Retry-After"]) <= 3600
    product.refresh_from_db()
    assert product.stock == 47 and Order.objects.count() == 3
    assert api_checkout(_shopper("10.0.0.2"), {product: 1}).status_code == 201


def test_the_checkout_page_is_limited_per_address_too(per_address):
    from tests.orders.conftest import ADDRESS
    from tests.sessions import put_cart

    product = ProductFactory(price=Decimal("10.00"), stock=50)
    for _ in range(3):
        assert api_checkout(_shopper("10.0.0.1"), {product: 1}).status_code == 201
    client = _shopper("10.0.0.1")
    put_cart(client, {product.pk: 1})
    form = client.get("/orders/checkout/").context["form"]
    data = {**ADDRESS, "email": "g@example.com", "token": form.initial["token"]}

    response = client.post("/orders/checkout/", urlencode(data), content_type=FORM)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many" in response.content.decode()
    assert Order.objects.count() == 3


def test_invalid_coupons_are_limited_per_address_across_new_carts(per_address):
    for _ in range(3):
        response = _shopper("10.0.0.1").post("/api/cart/coupon", {"code": "GUESS"})
        assert response.status_code == 400

    CouponFactory(code="REAL10")
    shopper = _shopper("10.0.0.1")
    _cart_worth_20(shopper)
    response = shopper.post("/api/cart/coupon", {"code": "REAL10"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert shopper.get("/api/cart").json()["coupon"] is None
    assert _shopper("10.0.0.2").post("/api/cart/coupon", {"code": "GUESS"}).status_code == 400


def test_valid_coupons_do_not_count_per_address(per_address):
    CouponFactory(code="REAL10")
    for _ in range(6):
        shopper = _shopper("10.0.0.1")
        _cart_worth_20(shopper)
        assert shopper.post("/api/cart/coupon", {"code": "REAL10"}).status_code == 200


def test_declined_cards_are_limited_per_address_across_new_orders(per_address, settings):
    settings.CHECKOUT_LIMIT_PER_ADDRESS = 100
    for _ in range(3):
        shopper = _shopper("10.0.0.1")
        assert _pay(shopper, _pending_order(shopper), DECLINED).status_code == 402

    shopper = _shopper("10.0.0.1")
    order_id = _pending_order(shopper)
    response = _pay(shopper, order_id, GOOD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert Order.objects.get(pk=order_id).status == Order.Status.PENDING
    other = _shopper("10.0.0.2")
    assert _pay(other, _pending_order(other), GOOD).status_code == 200


def test_paid_orders_do_not_count_per_address(per_address, settings):
    settings.CHECKOUT_LIMIT_PER_ADDRESS = 100
    for _ in range(5):
        shopper = _shopper("10.0.0.1")
        assert _pay(shopper, _pending_order(shopper), GOOD).status_code == 200


def test_the_pay_page_is_limited_per_address_too(per_address, settings):
    settings.CHECKOUT_LIMIT_PER_ADDRESS = 100
    for _ in range(3):
        shopper = _shopper("10.0.0.1")
        _pay(shopper, _pending_order(shopper), DECLINED)
    shopper = _shopper("10.0.0.1")
    order = Order.objects.get(pk=_pending_order(shopper))
    data = {**{k: str(v) for k, v in GOOD.items()}, "token": "t" * 32}

    response = shopper.post(f"/orders/{order.number}/pay/", urlencode(data), content_type=FORM)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
