"""Edges of checkout's terms (orders/services/checkout.py: checkout, _clean, _priced,
_check_quote) that mutation testing left open: what a guest is told about a missing or bad
email, shipping by the method the cart chose, the figures a refusal shows and compares next,
one key per idempotency key, and a same-key submit that commits while this one is under way
(played in one thread, at the moment the two would interleave)."""

from decimal import Decimal

import pytest

from cart.cart import Cart
from cart.models import Coupon
from cart.services import add_to_cart, choose_destination, read_cart
from catalog.models import Product
from core.errors import ShopError
from orders.address import Address
from orders.errors import QuoteChanged
from orders.models import Order
from orders.ownership import Owner
from orders.services.checkout import checkout
from pricing.errors import ShippingUnavailable
from pricing.models import ShippingMethod
from tests.concurrency import before_statement
from tests.factories import CouponFactory, ProductFactory, ShippingMethodFactory
from tests.orders.conftest import ADDRESS, place

pytestmark = pytest.mark.django_db


def check_out(session: dict, **terms):
    """Check out the session's cart as its guest, to ADDRESS (in GB)."""
    terms.setdefault("email", "guest@example.com")
    return checkout(
        cart=Cart(session), owner=Owner(session=session), address=Address(**ADDRESS), **terms
    )


def cart_with(product, quantity: int = 1, coupon: str | None = None) -> dict:
    """A guest session whose cart holds the product (and the coupon); nothing shown yet."""
    session = {}
    cart = Cart(session)
    add_to_cart(cart=cart, product_id=product.pk, quantity=quantity)
    if coupon:
        cart = Cart(session)
        cart.coupon = coupon
        cart.save()
    return session


def reprice(product, price: str) -> None:
    Product.objects.filter(pk=product.pk).update(price=Decimal(price))


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


# _clean: a guest's email


@pytest.mark.parametrize("email", [None, "   "])
def test_a_guest_without_an_email_is_told_it_is_required(email):
    product = ProductFactory(stock=3)
    with pytest.raises(ShopError) as caught:
        check_out(cart_with(product), email=email)
    assert caught.value.message == "Guests need to give an email address."
    assert caught.value.fields == {"email": ["required for guest checkout"]}
    assert Order.objects.count() == 0 and stock(product) == 3


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("ada.example.com", "must be a valid email address"),
        ("a" * 249 + "@b.com", "must be at most 254 characters"),
    ],
)
def test_a_guests_bad_email_is_a_validation_error_on_the_email_field(email, problem):
    product = ProductFactory(stock=3)
    with pytest.raises(ShopError) as caught:
        check_out(cart_with(product), email=email)
    assert caught.value.envelope() == {
        "error": {
            "code": "validation_error",
            "message": "Some fields are invalid.",
            "fields": {"email": [problem]},
        }
    }
    assert Order.objects.count() == 0 and stock(product) == 3


# _priced: no method named


def test_checkout_ships_by_the_method_the_cart_chose_for_that_country(
    django_assert_num_queries,
):
    ShippingMethodFactory(name="Standard", price=Decimal("4.90"))
    express = ShippingMethodFactory(name="Express", price=Decimal("9.90"))
    CouponFactory(code="TENOFF", kind=Coupon.Kind.PERCENT, value=Decimal("10"))
    product = ProductFactory(price=Decimal("20.00"), stock=5)
    session = cart_with(product, coupon="TENOFF")
    choose_destination(cart=Cart(session), country="GB", method=express.pk)  # shows Express
    # savepoint, products, coupon, methods, their bands, tax rates, coupon +1, stock update,
    # the stock it left, order, lines, event, outbox email, release
    with django_assert_num_queries(14):
        result = check_out(session)  # no method named: the cart's, not the cheapest
    order = result.order
    assert (order.shipping_method_id, order.shipping_method_name) == (express.pk, "Express")
    assert (order.subtotal, order.discount, order.shipping, order.total) == (
        Decimal("20.00"),
        Decimal("2.00"),
        Decimal("9.90"),
        Decimal("27.90"),
    )


def test_a_chosen_method_gone_with_no_other_delivering_refuses_checkout_naming_the_country():
    express = ShippingMethodFactory(
        name="Express", price=Decimal("9.90"), all_countries=False, countries=["GB", "US"]
    )
    product = ProductFactory(stock=5)
    session = cart_with(product)
    choose_destination(cart=Cart(session), country="GB", method=express.pk)
    ShippingMethod.objects.filter(pk=express.pk).update(countries=["US"])  # GB dropped
    with pytest.raises(ShippingUnavailable) as caught:
        check_out(session)
    assert caught.value.message == "No shipping method delivers this order to United Kingdom."
    assert caught.value.fields == {"shipping_address.country": ["no shipping method delivers here"]}
    assert Order.objects.count() == 0 and stock(product) == 5


# _check_quote and what a refusal shows


def test_a_refusal_shows_the_new_figures_so_a_later_change_is_refused_again():
    product = ProductFactory(name="Apple", price=Decimal("10.00"), stock=5)
    session = cart_with(product)
    read_cart(cart=Cart(session))  # shows 10.00, for no country yet
    reprice(product, "12.00")
    with pytest.raises(QuoteChanged):
        check_out(session)  # shows 12.00
    reprice(product, "13.00")
    with pytest.raises(QuoteChanged) as caught:
        check_out(session)
    assert caught.value.extra["changes"] == [
        {
            "field": "unit_price",
            "product_id": product.pk,
            "name": "Apple",
            "old": Decimal("12.00"),
            "new": Decimal("13.00"),
        },
        {"field": "total", "old": Decimal("12.00"), "new": Decimal("13.00")},  # GB's now
    ]
    assert Order.objects.count() == 0 and stock(product) == 5
    assert check_out(session).order.total == Decimal("13.00")  # the figures just shown


def test_a_total_the_shown_figures_report_is_not_listed_again_for_the_expected_total():
    product = ProductFactory(name="Apple", price=Decimal("10.00"), stock=5)
    session = cart_with(product)
    choose_destination(cart=Cart(session), country="GB")  # shows 10.00 for GB
    reprice(product, "12.00")
    with pytest.raises(QuoteChanged) as caught:
        check_out(session, expected_total=Decimal("11.00"))
    assert caught.value.extra["changes"] == [
        {
            "field": "unit_price",
            "product_id": product.pk,
            "name": "Apple",
            "old": Decimal("10.00"),
            "new": Decimal("12.00"),
        },
        {"field": "total", "old": Decimal("10.00"), "new": Decimal("12.00")},
    ]


# checkout: idempotency keys


def test_another_idempotency_key_in_the_same_session_places_another_order():
    product = ProductFactory(stock=5)
    session = {}
    first = place({product: 1}, session=session, key="first")
    second = place({product: 1}, session=session, key="second")
    assert first.pk != second.pk and first.checkout_key != second.checkout_key
    assert Order.objects.count() == 2 and stock(product) == 3


def test_a_same_key_submit_that_commits_first_is_answered_with_its_order():
    product = ProductFactory(stock=10)
    session = cart_with(product, quantity=2)
    other_tab = {**session}  # the double submit read the same session
    winner = []

    def opens_its_transaction(sql, params):  # it found no earlier order for its key
        return sql.startswith("SAVEPOINT")

    with before_statement(
        opens_its_transaction,
        lambda: winner.append(check_out(other_tab, idempotency_key="dbl").order),
    ):
        result = check_out(session, idempotency_key="dbl")  # its INSERT hits the unique key
    assert result.replayed and result.order.pk == winner[0].pk
    assert Order.objects.count() == 1 and stock(product) == 8
    assert Owner(session=session).guest_order_ids == [winner[0].pk]
    assert Cart(session).items == {}  # it held exactly that order: emptied as after placing
