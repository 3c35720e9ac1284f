"""The payment page: card form, field errors, the declined message, retry, CSRF."""

import re

import pytest
from django.test import Client

from orders.models import GatewayCharge, Order, Payment
from tests.factories import ProductFactory
from tests.orders.conftest import api_checkout
from tests.orders.payment_helpers import DECLINED, GOOD, LOST_REPLY, NEXT_YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(api_client):
    """A browser (plain test client) sharing the guest session that placed an order."""
    browser = Client()
    browser.cookies = api_client.cookies
    return browser


@pytest.fixture
def order(api_client):
    product = ProductFactory(stock=5)
    return Order.objects.get(pk=api_checkout(api_client, {product: 1}).json()["id"])


def url(order) -> str:
    return f"/orders/{order.number}/pay/"


def token(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def submit(browser, order, number=GOOD, page=None, **overrides):
    page = page or browser.get(url(order))
    data = {"number": number, "exp_month": "12", "exp_year": str(NEXT_YEAR), "cvv": "123"}
    return browser.post(url(order), {**data, **overrides, "token": token(page)})


def test_the_page_shows_a_labelled_card_form_and_the_total(shopper, order):
    page = shopper.get(url(order))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1") == 1
    for field in ("number", "exp_month", "exp_year", "cvv"):
        assert f'<label for="id_{field}"' in html
    assert f"Pay {order.total} USD" in html and "csrfmiddlewaretoken" in html
    assert "<script" not in html and 'style="' not in html


def test_the_order_page_links_to_the_payment_page(shopper, order):
    assert url(order) in shopper.get(f"/orders/{order.number}/").content.decode()


def test_paying_with_a_good_card_returns_to_the_paid_order(shopper, order):
    response = submit(shopper, order)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == "paid" and GatewayCharge.objects.count() == 1
    follow = shopper.get(response["Location"])
    assert "We received your payment" in follow.content.decode()


def test_a_declined_card_shows_the_message_and_a_retry_succeeds(shopper, order):
    declined = submit(shopper, order, DECLINED)
    html = declined.content.decode()
    assert declined.status_code == 402 and "Your card was declined" in html
    assert DECLINED not in html  # the number is not written back into the page
    order.refresh_from_db()
    assert order.status == "pending"
    retry = submit(shopper, order, GOOD, page=declined)
    assert retry.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"
    assert list(Payment.objects.values_list("status", flat=True)) == ["failed", "succeeded"]


def test_field_errors_for_a_bad_card(shopper, order):
    response = submit(shopper, order, "4242424242424241", cvv="1", exp_month="13")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_number-error"' in html and "not valid" in html
    assert 'id="id_cvv-error"' in html and 'id="id_exp_month-error"' in html
    assert not Payment.objects.exists()


def test_a_lost_reply_asks_to_try_again_and_the_retry_charges_once(shopper, order):
    lost = submit(shopper, order, LOST_REPLY)
    assert lost.status_code == 504 and "did not answer in time" in lost.content.decode()
    assert submit(shopper, order, GOOD, page=lost).status_code == 302
    order.refresh_from_db()
    assert order.status == "paid" and GatewayCharge.objects.count() == 1


def test_a_double_submitted_form_pays_once(shopper, order):
    page = shopper.get(url(order))
    first = submit(shopper, order, page=page)
    second = submit(shopper, order, page=page)
    assert first.status_code == second.status_code == 302
    assert GatewayCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_a_paid_order_redirects_to_its_page(shopper, order):
    submit(shopper, order)
    response = shopper.get(url(order))
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"


def test_someone_elses_order_is_404(order):
    assert Client().get(url(order)).status_code == 404
    assert Client().post(url(order), {"number": GOOD}).status_code == 404


def test_posts_need_the_csrf_token(api_client, order):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = api_client.cookies
    data = {"number": GOOD, "exp_month": "12", "exp_year": str(NEXT_YEAR), "cvv": "123"}
    response = browser.post(url(order), {**data, "token": "x" * 32})
    assert response.status_code == 403 and not Payment.objects.exists()


def test_the_order_page_lists_payments_and_refunds(shopper, api_client, order):
    submit(shopper, order, DECLINED)
    submit(shopper, order, GOOD)
    api_client.post(f"/api/orders/{order.pk}/refund", {"amount": "2.00", "reason": "Bruised"})
    html = shopper.get(f"/orders/{order.number}/").content.decode()
    assert 'data-testid="payments"' in html
    assert "Declined" in html and "Succeeded" in html and "•••• 4242" in html
    assert "Refund: Bruised" in html and "−2.00 USD" in html
    assert url(order) not in html  # paid: no "Pay now" any more


def test_error_reports_never_show_the_card(shopper, order):
    response = submit(shopper, order)
    assert response.wsgi_request.sensitive_post_parameters == ("number", "cvv")
