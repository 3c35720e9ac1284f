"""Cart services at their edges, found untested by mutation testing (docs/MUTATION.md)."""

from decimal import Decimal
from uuid import UUID

import pytest
from django.test import RequestFactory

from cart.cart import Cart, cart_for
from cart.errors import InvalidCoupon, InvalidQuantity
from cart.services import (
    add_to_cart,
    adopt_country,
    apply_coupon,
    choose_destination,
    remove_coupon,
    set_quantity,
    shipping_choices,
)
from core.errors import ShopError, Throttled
from pricing.errors import ShippingUnavailable
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
)

pytestmark = pytest.mark.django_db


class Session(dict):
    """A session that counts its writes."""

    writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)


@pytest.mark.parametrize("names", [{}, {"product_id": 1, "sku": "apple"}])
def test_naming_the_product_neither_or_twice_is_refused_saying_so(names):
    cart = Cart(Session())
    with pytest.raises(ShopError) as caught:
        add_to_cart(cart=cart, **names)
    assert (caught.value.code, caught.value.message) == (
        "validation_error",
        "Give either a sku or a product_id.",
    )
    assert cart.items == {} and cart.session.writes == 0


def test_choosing_the_same_destination_again_writes_nothing():
    ShippingMethodFactory(price=Decimal("4.90"))
    product = ProductFactory(price=Decimal("3.00"))
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=product.pk)
    first = choose_destination(cart=cart, country="DE")
    writes = cart.session.writes
    again = choose_destination(cart=Cart(cart.session), country="DE")
    assert cart.session.writes == writes
    assert (again.country, again.shipping, again.total) == ("DE", Decimal("4.90"), Decimal("7.90"))
    assert first.total == again.total


def test_applying_a_coupon_prices_the_cart_with_it_in_two_queries(django_assert_num_queries):
    product = ProductFactory(price=Decimal("10.00"))
    CouponFactory(code="SAVE10", value=Decimal("10"))
    cart = Cart(Session())
    cart.items = {product.pk: 2}
    with django_assert_num_queries(2):  # the coupon, the cart's products
        summary = apply_coupon(cart=cart, code="save10")
    assert (summary.subtotal, summary.discount, summary.total) == (
        Decimal("20.00"),
        Decimal("2.00"),
        Decimal("18.00"),
    )
    assert cart.coupon == "SAVE10"


def test_an_empty_cart_weighs_nothing_so_a_band_up_to_0_g_delivers_it():
    letter = ShippingMethodFactory(name="Letter")  # priced by its bands
    ShippingBandFactory(method=letter, up_to_grams=0, price=Decimal("1.10"))
    (option,) = shipping_choices(cart=Cart(Session()), country="DE")
    assert (option.name, option.price) == ("Letter", Decimal("1.10"))


def test_a_line_may_hold_exactly_the_most_units_and_not_one_more():
    product = ProductFactory(stock=200)
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=product.pk)
    assert set_quantity(cart=cart, product_id=product.pk, quantity=Cart.MAX_QTY).item_count == 99
    with pytest.raises(InvalidQuantity) as caught:
        set_quantity(cart=cart, product_id=product.pk, quantity=Cart.MAX_QTY + 1)
    assert caught.value.message == "Quantity must be between 0 and 99."
    assert cart.items == {product.pk: 99}


def test_changes_that_change_nothing_write_nothing():
    product = ProductFactory(price=Decimal("10.00"))
    CouponFactory(code="SAVE10")
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=product.pk, quantity=2)
    apply_coupon(cart=cart, code="SAVE10")
    writes = cart.session.writes
    set_quantity(cart=cart, product_id=product.pk, quantity=2)
    apply_coupon(cart=cart, code="SAVE10")
    assert cart.session.writes == writes
    remove_coupon(cart=cart)
    writes = cart.session.writes
    assert remove_coupon(cart=cart).discount == Decimal("0.00")
    assert cart.session.writes == writes


def test_a_refused_coupon_keeps_a_new_cart_so_its_failures_count_against_it(settings):
    settings.COUPON_FAILURE_LIMIT = 2
    cart = Cart(Session())
    for _ in range(2):
        with pytest.raises(InvalidCoupon):
            apply_coupon(cart=cart, code="NOPE")
    assert cart.is_stored() and Cart(cart.session).id == cart.id
    with pytest.raises(Throttled):
        apply_coupon(cart=Cart(cart.session), code="NOPE")
    with pytest.raises(InvalidCoupon):  # another cart has its own count
        apply_coupon(cart=Cart(Session()), code="NOPE")


def test_a_country_is_adopted_only_by_a_cart_without_one_unless_replaced():
    cart = Cart(Session())
    adopt_country(cart=cart, country="DE")
    adopt_country(cart=cart, country="FR")
    adopt_country(cart=cart, country=None)
    assert Cart(cart.session).country == "DE"
    adopt_country(cart=cart, country="FR", replace=True)
    assert (Cart(cart.session).country, Cart(cart.session).method) == ("FR", None)


def test_adding_past_the_most_units_of_one_product_says_so():
    product = ProductFactory(stock=200)
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=product.pk, quantity=Cart.MAX_QTY)
    with pytest.raises(InvalidQuantity) as caught:
        add_to_cart(cart=cart, product_id=product.pk)
    assert caught.value.message == "At most 99 of one product per cart."
    assert cart.items == {product.pk: 99}


def test_a_line_gone_stale_leaves_the_cart_at_the_next_change():
    stale, fresh = ProductFactory(), ProductFactory()
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=stale.pk)
    stale.active = False
    stale.save()
    summary = add_to_cart(cart=Cart(cart.session), product_id=fresh.pk)
    assert summary.dropped == [stale.pk] and len(summary.notices) == 1
    assert Cart(cart.session).items == {fresh.pk: 1}


def test_an_unknown_country_is_refused_naming_the_field():
    cart = Cart(Session())
    with pytest.raises(ShopError) as caught:
        choose_destination(cart=cart, country="ZZ")
    error = caught.value
    assert (error.code, error.message, error.fields) == (
        "validation_error",
        "Some fields are invalid.",
        {"country": ["must be a 2-letter ISO 3166 country code, like US"]},
    )
    assert cart.country is None and cart.session.writes == 0


def test_an_empty_cart_may_choose_a_method_only_where_it_delivers():
    ShippingMethodFactory(name="Standard")  # delivers everywhere: only the choice is wrong
    pickup = ShippingMethodFactory(name="Pickup", all_countries=False, countries=["US"])
    cart = Cart(Session())
    with pytest.raises(ShippingUnavailable) as caught:
        choose_destination(cart=cart, country="DE", method=pickup.pk)
    assert list(caught.value.fields) == ["shipping_method"]
    assert cart.country is None and cart.session.writes == 0
    choose_destination(cart=cart, country="US", method=pickup.pk)
    assert (Cart(cart.session).country, Cart(cart.session).method) == ("US", pickup.pk)


def test_an_empty_cart_may_name_a_country_no_method_serves_yet():
    ShippingMethodFactory(name="Pickup", all_countries=False, countries=["US"])
    cart = Cart(Session())
    summary = choose_destination(cart=cart, country="DE")
    assert summary.lines == [] and (cart.country, cart.method) == ("DE", None)


def test_choosing_a_destination_lets_a_stale_line_leave():
    stale, fresh = ProductFactory(), ProductFactory()
    cart = Cart(Session())
    add_to_cart(cart=cart, product_id=stale.pk)
    add_to_cart(cart=cart, product_id=fresh.pk)
    stale.active = False
    stale.save()
    summary = choose_destination(cart=Cart(cart.session), country="DE")
    assert summary.dropped == [stale.pk]
    assert Cart(cart.session).items == {fresh.pk: 1}


def test_a_reset_cart_gets_a_new_id_of_its_own_each_time():
    cart = Cart(Session())
    ids = {cart.id}
    for _ in range(2):
        cart.reset()
        ids.add(str(UUID(cart.id)))
    assert len(ids) == 3


def test_a_request_without_a_user_gets_an_anonymous_cart():
    request = RequestFactory().get("/")
    request.session = Session()
    cart = cart_for(request)
    assert cart.user is None and cart.items == {}
