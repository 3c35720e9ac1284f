"""The checkout service: prices from the database, all stock or none, coupons, idempotency."""

from decimal import Decimal

import pytest
from django.core import mail

from cart.cart import Cart
from cart.errors import AmountTooLarge
from cart.models import Coupon
from catalog.errors import InsufficientStock
from catalog.models import Product
from core.countries import country_problem
from core.errors import ShopError
from orders.address import Address
from orders.models import Order, OrderEvent, OrderLine
from orders.ownership import Owner
from orders.services.checkout import (
    CouponExhausted,
    CouponUnusable,
    EmptyCart,
    IdempotencyKeyReused,
    checkout,
)
from tests.factories import CouponFactory, ProductFactory, UserFactory
from tests.orders.conftest import ADDRESS, place

pytestmark = pytest.mark.django_db


def cart_of(items: dict, session=None, user=None, coupon=None) -> Cart:
    cart = Cart({} if session is None else session, user)
    cart.items, cart.coupon = {p.pk: n for p, n in items.items()}, coupon
    cart.save()
    return cart


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def test_checkout_snapshots_lines_and_totals_and_reserves_stock():
    apple = ProductFactory(sku="apple", name="Apple", price=Decimal("0.50"), stock=10)
    bread = ProductFactory(sku="bread", name="Bread", price=Decimal("2.25"), stock=3)
    order = place({apple: 4, bread: 1}, email="ada@example.com")
    assert order.status == Order.Status.PENDING
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("4.25"),
        Decimal("0.00"),
        Decimal("4.25"),
    )
    assert order.email == "ada@example.com" and order.user is None
    assert order.shipping_address == ADDRESS
    assert order.currency == "USD" and order.number.startswith("CS-")
    lines = list(order.lines.values_list("product_id", "sku", "name", "unit_price", "quantity"))
    assert lines == [
        (apple.pk, "apple", "Apple", Decimal("0.50"), 4),
        (bread.pk, "bread", "Bread", Decimal("2.25"), 1),
    ]
    assert (stock(apple), stock(bread)) == (6, 2)
    placed = OrderEvent.objects.get(order=order)
    assert (placed.action, placed.to_status, placed.actor_label) == ("placed", "pending", "guest")


def test_checkout_expires_after_the_configured_reservation(settings):
    settings.ORDER_RESERVATION_MINUTES = 45
    order = place({ProductFactory(): 1})
    minutes = (order.expires_at - order.created_at).total_seconds() / 60
    assert 44.9 < minutes < 45.1


def test_checkout_empties_the_cart_and_gives_it_a_new_id():
    session = {}
    cart = cart_of({ProductFactory(): 2}, session)
    old_id = cart.id
    checkout(cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co")
    assert Cart(session).items == {} and Cart(session).id != old_id


def test_checkout_after_a_price_change_uses_the_new_price():
    product = ProductFactory(price=Decimal("5.00"))
    cart = cart_of({product: 2})
    Product.objects.filter(pk=product.pk).update(price=Decimal("7.10"))
    order = checkout(
        cart=cart, owner=Owner(session=cart.session), address=Address(**ADDRESS), email="a@b.co"
    ).order
    assert order.total == Decimal("14.20")
    assert order.lines.get().unit_price == Decimal("7.10")


def test_checkout_keeps_cart_and_reserves_nothing_when_any_line_is_short():
    plenty = ProductFactory(stock=10)
    scarce = ProductFactory(sku="scarce", name="Scarce", stock=2)
    gone = ProductFactory(sku="gone", stock=5, active=False)
    session = {}
    cart = cart_of({plenty: 3, scarce: 5, gone: 1}, session)
    with pytest.raises(InsufficientStock) as caught:
        checkout(
            cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co"
        )
    err = caught.value
    assert (err.status, err.code) == (409, "insufficient_stock")
    assert err.extra["products"] == [
        {
            "product_id": scarce.pk,
            "sku": "scarce",
            "name": "Scarce",
            "requested": 5,
            "available": 2,
        },
        {"product_id": gone.pk, "sku": "gone", "name": gone.name, "requested": 1, "available": 0},
    ]
    assert (stock(plenty), stock(scarce), stock(gone)) == (10, 2, 5)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert Cart(session).items == {plenty.pk: 3, scarce.pk: 5, gone.pk: 1}


def test_adding_more_than_stock_over_several_adds_fails_at_checkout():
    product = ProductFactory(stock=3)
    session = {}
    cart = cart_of({product: 1}, session)
    for _ in range(3):  # the cart allows it when each add was checked against older stock
        cart.items[product.pk] += 1
    cart.save()
    with pytest.raises(InsufficientStock):
        checkout(
            cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co"
        )
    assert stock(product) == 3 and Order.objects.count() == 0


def test_checkout_past_the_largest_amount_is_refused_with_nothing_reserved():
    CouponFactory(code="ONE", usage_limit=1)
    yacht = ProductFactory(name="Yacht", price=Decimal("60000000.00"), stock=5)
    session = {}
    cart = cart_of({yacht: 2}, session, coupon="ONE")  # a cart filled before the cart refused it
    with pytest.raises(AmountTooLarge) as caught:
        checkout(
            cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co"
        )
    assert (caught.value.status, caught.value.code) == (400, "amount_too_large")
    assert "120000000.00" in caught.value.message
    assert stock(yacht) == 5 and Order.objects.count() == 0
    assert Coupon.objects.get(code="ONE").times_used == 0
    assert Cart(session).items == {yacht.pk: 2}


def test_a_guest_may_reserve_at_most_the_configured_units_of_one_product(settings):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 3
    plenty = ProductFactory(sku="plum", name="Plum", stock=50)
    other = ProductFactory(stock=50)
    session = {}
    cart = cart_of({plenty: 4, other: 3}, session)
    with pytest.raises(ShopError) as caught:
        checkout(
            cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co"
        )
    err = caught.value
    assert (err.status, err.code) == (409, "guest_limit") and "Plum" in err.message
    assert err.extra == {
        "limit": 3,
        "products": [{"product_id": plenty.pk, "sku": "plum", "name": "Plum", "requested": 4}],
    }
    assert (stock(plenty), stock(other)) == (50, 50) and Order.objects.count() == 0
    assert Cart(session).items == {plenty.pk: 4, other.pk: 3}
    cart.items[plenty.pk] = 3
    assert (
        checkout(
            cart=cart, owner=Owner(session=session), address=Address(**ADDRESS), email="a@b.co"
        ).order.lines.count()
        == 2
    )


def test_signed_in_customers_are_not_held_to_the_guest_limit(settings):
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 3
    product = ProductFactory(stock=50)
    order = place({product: 40}, user=UserFactory())
    assert order.lines.get().quantity == 40 and stock(product) == 10


def test_empty_cart_is_refused():
    with pytest.raises(EmptyCart) as caught:
        checkout(cart=cart_of({}), owner=Owner(), address=Address(**ADDRESS), email="a@b.co")
    assert (caught.value.status, caught.value.code) == (400, "empty_cart")


def test_guest_checkout_needs_an_email():
    product = ProductFactory(stock=1)
    with pytest.raises(ShopError) as caught:
        checkout(cart=cart_of({product: 1}), owner=Owner(), address=Address(**ADDRESS))
    assert (caught.value.status, caught.value.code) == (400, "email_required")
    assert stock(product) == 1


def test_signed_in_checkout_uses_the_account_email():
    user = UserFactory(email="me@example.com")
    order = place({ProductFactory(): 1}, user=user, email="someone@else.example")
    assert order.user == user and order.email == "me@example.com"
    assert order.events.get().actor == user


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("street", " "),
        ("city", "x" * 101),
        ("zip", "1\x002"),
        ("country", "XX"),
        ("name", "n" * 101),
    ],
)
def test_service_checks_the_address_for_shell_callers(field, value):
    product = ProductFactory(stock=1)
    address = Address(**{**ADDRESS, field: value})
    with pytest.raises(ShopError) as caught:
        checkout(cart=cart_of({product: 1}), owner=Owner(), address=address, email="a@b.co")
    assert caught.value.code == "validation_error"
    assert list(caught.value.fields) == [f"shipping_address.{field}"]
    assert stock(product) == 1 and Order.objects.count() == 0


def test_countries_are_iso_3166_alpha_2():
    assert [country_problem(code) for code in ("US", "GB", "DE", "JP", "de")] == [None] * 5
    assert all(country_problem(code) for code in ("UK", "XX", "", "DEU"))


def test_coupon_gives_its_discount_and_counts_one_use():
    coupon = CouponFactory(code="SAVE10", value=Decimal("10"), usage_limit=5)
    order = place({ProductFactory(price=Decimal("20.00")): 1}, coupon="SAVE10")
    assert (order.discount, order.total, order.coupon, order.coupon_code) == (
        Decimal("2.00"),
        Decimal("18.00"),
        coupon,
        "SAVE10",
    )
    assert Coupon.objects.get(pk=coupon.pk).times_used == 1


def test_used_up_coupon_refuses_checkout_with_nothing_reserved():
    CouponFactory(code="ONCE", usage_limit=1, times_used=1)
    product = ProductFactory(stock=5)
    with pytest.raises(CouponExhausted) as caught:
        place({product: 2}, coupon="ONCE")
    assert (caught.value.status, caught.value.code) == (409, "coupon_exhausted")
    assert stock(product) == 5 and Order.objects.count() == 0


def test_expired_coupon_refuses_checkout(django_user_model):
    from django.utils import timezone

    CouponFactory(code="OLD", ends_at=timezone.now())
    product = ProductFactory(stock=5)
    with pytest.raises(CouponUnusable) as caught:
        place({product: 1}, coupon="OLD")
    assert (caught.value.status, caught.value.code) == (409, "coupon_unusable")
    assert stock(product) == 5


def test_coupon_below_its_minimum_subtotal_is_neither_applied_nor_counted():
    coupon = CouponFactory(code="BIG", min_subtotal=Decimal("100"))
    order = place({ProductFactory(price=Decimal("10.00")): 1}, coupon="BIG")
    assert (order.discount, order.coupon, order.coupon_code) == (Decimal("0.00"), None, "")
    assert Coupon.objects.get(pk=coupon.pk).times_used == 0


def test_stock_short_after_the_coupon_counted_rolls_the_coupon_back():
    coupon = CouponFactory(code="ROLL", usage_limit=3)
    product = ProductFactory(stock=1)
    with pytest.raises(InsufficientStock):
        place({product: 2}, coupon="ROLL")
    assert Coupon.objects.get(pk=coupon.pk).times_used == 0


def test_same_idempotency_key_returns_the_first_order():
    product = ProductFactory(stock=5)
    session = {}
    first = checkout(
        cart=cart_of({product: 2}, session),
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="a@b.co",
        idempotency_key="k-1",
    )
    again = checkout(
        cart=Cart(session),  # emptied by the first checkout
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="a@b.co",
        idempotency_key="k-1",
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.order.pk == first.order.pk
    assert Order.objects.count() == 1 and stock(product) == 3


def test_same_key_with_other_details_is_refused():
    session = {}
    place({ProductFactory(): 1}, session=session, key="k-2")
    with pytest.raises(IdempotencyKeyReused) as caught:
        place({ProductFactory(): 1}, session=session, key="k-2", email="other@example.com")
    assert (caught.value.status, caught.value.code) == (422, "idempotency_key_reused")
    assert Order.objects.count() == 1


def test_keys_are_scoped_to_their_owner():
    product = ProductFactory(stock=5)
    mine = place({product: 1}, user=UserFactory(), key="same")
    theirs = place({product: 1}, user=UserFactory(), key="same")
    guest = place({product: 1}, key="same")
    assert len({mine.pk, theirs.pk, guest.pk}) == 3


def test_guest_session_remembers_its_orders_capped():
    session = {}
    product = ProductFactory(stock=100)
    Owner.MAX_REMEMBERED, cap = 3, Owner.MAX_REMEMBERED
    try:
        orders = [place({product: 1}, session=session) for _ in range(4)]
    finally:
        Owner.MAX_REMEMBERED = cap
    assert Owner(session=session).guest_order_ids == [o.pk for o in reversed(orders)][:3]


def test_checkout_sends_one_confirmation_email_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place({ProductFactory(name="Apple"): 2}, email="ada@example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"] and order.number in message.subject
    assert "2 × Apple" in message.body and order.number in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<h1>Thank you for your order!</h1>" in html


def test_confirmation_email_shows_the_order_as_stored(django_capture_on_commit_callbacks):
    # The email is rendered from the rows checkout just wrote; they must match the stored ones.
    CouponFactory(code="TENOFF", value=Decimal("10"))
    pear = ProductFactory(name="Pear", price=Decimal("1.15"), stock=9)
    with django_capture_on_commit_callbacks(execute=True):
        placed = place({pear: 3}, coupon="TENOFF")
    order = Order.objects.get(pk=placed.pk)
    (line,) = order.lines.all()
    body = mail.outbox[0].body
    assert f"3 × Pear ({line.sku}) at 1.15 = 3.45 USD" in body
    assert "Subtotal: 3.45 USD\nDiscount (TENOFF): -0.35 USD\nShipping: 0.00 USD\n" in body
    assert "Tax: 0.00 USD\nTotal: 3.10 USD" in body
    assert f"Order {order.number} · {order.created_at:%Y-%m-%d %H:%M} UTC" in body
    assert f"reserved until {order.expires_at:%Y-%m-%d %H:%M} UTC" in body
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("3.45"),
        Decimal("0.35"),
        Decimal("3.10"),
    )


def test_checkout_query_count_is_pinned(django_assert_num_queries):
    products = [ProductFactory(stock=5) for _ in range(3)]
    CouponFactory(code="PIN", usage_limit=10)
    session = {}
    cart = cart_of({p: 1 for p in products}, session, coupon="PIN")
    owner = Owner(session=session)
    # savepoint, products, coupon, shipping methods, tax rates, coupon +1, 3 stock updates,
    # the stock they left (low-stock alerts), order, lines, event, release
    with django_assert_num_queries(15):
        checkout(cart=cart, owner=owner, address=Address(**ADDRESS), email="a@b.co")


def test_a_double_submit_that_read_the_full_cart_empties_it_too():
    product = ProductFactory(stock=5)
    first_session, second_session = {}, {}
    cart = cart_of({product: 2}, first_session)
    second_session.update(first_session)  # the second request read the session first
    owner_args = dict(address=Address(**ADDRESS), email="a@b.co", idempotency_key="dbl")
    first = checkout(cart=cart, owner=Owner(session=first_session), **owner_args)
    again = checkout(cart=Cart(second_session), owner=Owner(session=second_session), **owner_args)
    assert again.replayed and again.order.pk == first.order.pk
    assert Cart(second_session).items == {} and stock(product) == 3


def test_a_retry_keeps_a_cart_that_holds_something_else():
    product, other = ProductFactory(stock=5), ProductFactory(stock=5)
    session = {}
    place({product: 1}, session=session, key="retry")
    cart = cart_of({other: 1}, session)
    again = checkout(
        cart=cart,
        owner=Owner(session=session),
        address=Address(**ADDRESS),
        email="guest@example.com",
        idempotency_key="retry",
    )
    assert again.replayed and Cart(session).items == {other.pk: 1}
