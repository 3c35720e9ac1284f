"""Cart pages and the add-to-cart forms, on every session engine."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client

from tests.factories import CouponFactory, ProductFactory
from tests.sessions import put_cart, session_cart

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("session_engine")]


@pytest.fixture
def pear(db):
    return ProductFactory(name="Pear", sku="pear", slug="pear", price=Decimal("1.20"), stock=5)


def _messages(response) -> list[str]:
    found = re.findall(r'<p class="message message-\w+">(.*?)</p>', response.content.decode())
    return [unescape(m) for m in found]


def test_product_page_and_list_have_add_to_cart_forms(client, pear):
    ProductFactory(name="Sold Out Fig", stock=0)
    page = client.get(pear.get_absolute_url()).content.decode()
    assert f'action="/cart/add/{pear.pk}/"' in page
    assert 'name="csrfmiddlewaretoken"' in page and 'name="quantity"' in page
    assert '<label for="buy-quantity">Quantity</label>' in page
    listing = client.get("/").content.decode()
    assert listing.count('action="/cart/add/') == 1  # the sold-out fig has no form


def test_adding_from_the_product_page_redirects_back_with_a_message(client, pear):
    response = client.post(
        f"/cart/add/{pear.pk}/", {"quantity": "2", "next": pear.get_absolute_url()}
    )
    assert response.status_code == 302 and response.url == pear.get_absolute_url()
    page = client.get(response.url)
    assert _messages(page) == ["Added 2 × Pear to your cart."]
    assert 'data-testid="cart-count">2<' in page.content.decode()
    assert session_cart(client).items == {pear.pk: 2}


def test_adding_without_a_quantity_adds_one_and_foreign_next_goes_to_the_cart(client, pear):
    response = client.post(f"/cart/add/{pear.pk}/", {"next": "https://evil.example/"})
    assert response.url == "/cart/"
    assert session_cart(client).items == {pear.pk: 1}


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("9", "Only 5 of Pear left."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("abc", "Enter a whole number."),
    ],
)
def test_a_failed_add_shows_why_and_changes_nothing(client, pear, quantity, message):
    response = client.post(f"/cart/add/{pear.pk}/", {"quantity": quantity}, follow=True)
    assert _messages(response) == [message]
    assert session_cart(client).items == {}


def test_adding_past_the_largest_amount_shows_why_and_changes_nothing(client):
    yacht = ProductFactory(name="Yacht", price=Decimal("60000000.00"), stock=5)
    response = client.post(f"/cart/add/{yacht.pk}/", {"quantity": "2"}, follow=True)
    (message,) = _messages(response)
    assert message.startswith("An order can come to at most 99999999.99")
    assert session_cart(client).items == {}


def test_adding_an_unknown_product_shows_an_error(client):
    response = client.post("/cart/add/999999/", follow=True)
    assert _messages(response) == ["No such product."]


def test_cart_page_shows_lines_totals_and_forms(client, pear):
    apple = ProductFactory(name="Apple", price=Decimal("0.50"))
    put_cart(client, {pear.pk: 2, apple.pk: 3})
    response = client.get("/cart/")
    html = response.content.decode()
    assert response.status_code == 200 and html.count("<h1>") == 1
    assert "Pear" in html and "2.40 USD" in html and "1.50 USD" in html
    assert 'data-testid="subtotal">3.90 USD<' in html
    assert 'data-testid="total">3.90 USD<' in html
    assert f'action="/cart/items/{pear.pk}/"' in html
    assert f'id="qty-{pear.pk}" type="number" name="quantity" value="2" min="0" max="99"' in html
    assert (
        f'<form id="line-{pear.pk}" class="qty-form" method="post" action="/cart/items/{pear.pk}/">'
        in html
    )
    assert f'form="line-{pear.pk}" name="remove" value="1" formnovalidate' in html
    assert 'action="/cart/coupon/"' in html and 'for="id_code"' in html
    assert 'data-testid="cart-count">5<' in html
    assert 'href="/orders/checkout/"' in html


def test_empty_cart_page(client):
    html = client.get("/cart/").content.decode()
    assert "Your cart is empty." in html


def test_updating_and_removing_lines(client, pear):
    apple = ProductFactory(name="Apple")
    put_cart(client, {pear.pk: 1, apple.pk: 1})
    response = client.post(f"/cart/items/{pear.pk}/", {"quantity": "4"}, follow=True)
    assert _messages(response) == ["Your cart was updated."]
    assert session_cart(client).items == {pear.pk: 4, apple.pk: 1}
    response = client.post(f"/cart/items/{pear.pk}/", {"quantity": "6"}, follow=True)
    assert _messages(response) == ["Only 5 of Pear left."]
    response = client.post(f"/cart/items/{pear.pk}/", {"quantity": "0"}, follow=True)
    assert _messages(response) == ["The product was removed from your cart."]
    assert session_cart(client).items == {apple.pk: 1}
    response = client.post(f"/cart/items/{apple.pk}/remove/", follow=True)
    assert _messages(response) == ["The product was removed from your cart."]
    assert session_cart(client).items == {}
    response = client.post(f"/cart/items/{apple.pk}/remove/", follow=True)
    assert _messages(response) == ["That product is not in the cart."]


def test_coupon_form_applies_refuses_and_removes(client, pear):
    put_cart(client, {pear.pk: 5})
    CouponFactory(code="SAVE10")
    response = client.post("/cart/coupon/", {"code": "save10"}, follow=True)
    assert _messages(response) == ["The coupon SAVE10 is applied."]
    html = response.content.decode()
    assert 'data-testid="discount">−0.60 USD<' in html
    assert 'data-testid="total">5.40 USD<' in html
    response = client.post("/cart/coupon/", {"code": "NOPE"}, follow=True)
    assert _messages(response) == ["This coupon code is not valid."]
    assert session_cart(client).coupon == "SAVE10"
    client.post("/cart/coupon/remove/")
    assert session_cart(client).coupon is None


def test_cart_page_shows_notices_for_products_that_left(client, pear):
    put_cart(client, {pear.pk: 1})
    pear.active = False
    pear.save()
    html = client.get("/cart/").content.decode()
    assert "Pear is no longer sold and was removed from your cart." in html
    assert session_cart(client).items == {}


def test_clearing_the_cart(client, pear):
    put_cart(client, {pear.pk: 1})
    client.post("/cart/clear/")
    assert session_cart(client).items == {}


def test_forms_need_the_csrf_token(pear):
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/cart/add/{pear.pk}/").status_code == 403
    assert client.get("/cart/add/1/").status_code == 405


@pytest.mark.parametrize("lines", [1, 20])
def test_cart_page_takes_constant_queries(client, session_engine, django_assert_num_queries, lines):
    put_cart(client, {p.pk: 1 for p in ProductFactory.create_batch(lines)})
    client.get("/cart/")  # the first view stores the figures shown; later ones write nothing
    session_read = 1 if session_engine == "db" else 0
    with django_assert_num_queries(session_read + 2):  # the products, their pictures
        assert client.get("/cart/").status_code == 200


def test_cart_rows_escape_names_and_their_forms_carry_a_working_csrf_token(pear):
    odd = ProductFactory(name='<b>"Tom\'s" & co</b>', slug="toms", price=Decimal("2.50"), stock=9)
    client = Client(enforce_csrf_checks=True)
    put_cart(client, {pear.pk: 2, odd.pk: 1})
    page = client.get("/cart/").content.decode()
    assert "<b>" not in page
    assert (
        page.count("&lt;b&gt;&quot;Tom&#x27;s&quot; &amp; co&lt;/b&gt;") == 3
    )  # link, label, button
    assert '<a href="/products/pear/">Pear</a>' in page
    assert (
        '<td class="num hide-sm">1.20 USD</td>' in page and '<td class="num">2.40 USD</td>' in page
    )
    assert f'form="line-{odd.pk}" name="remove"' in page
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        f"/cart/items/{pear.pk}/", {"quantity": "3", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert session_cart(client).items == {pear.pk: 3, odd.pk: 1}
    forged = client.post(f"/cart/items/{pear.pk}/", {"quantity": "1"})
    assert forged.status_code == 403 and session_cart(client).items[pear.pk] == 3
    removed = client.post(
        f"/cart/items/{odd.pk}/", {"quantity": "", "remove": "1", "csrfmiddlewaretoken": token}
    )
    assert removed.status_code == 302 and session_cart(client).items == {pear.pk: 3}


def test_cart_rows_show_staff_edits_at_once_and_each_shopper_gets_their_own_token(pear):
    ann, bob = Client(), Client()
    put_cart(ann, {pear.pk: 2})
    put_cart(bob, {pear.pk: 2})

    def row_and_tokens(client):
        page = client.get("/cart/").content.decode()
        tokens = {t.split('"')[0] for t in page.split('name="csrfmiddlewaretoken" value="')[1:]}
        return page, tokens

    ann_page, ann_tokens = row_and_tokens(ann)
    bob_page, bob_tokens = row_and_tokens(bob)
    assert (
        '<td class="num">2.40 USD</td>' in ann_page and '<td class="num">2.40 USD</td>' in bob_page
    )
    assert len(ann_tokens) == 1 and len(bob_tokens) == 1 and ann_tokens != bob_tokens

    pear.name, pear.price = "Nashi pear", Decimal("1.35")
    pear.save()
    page, _ = row_and_tokens(ann)
    assert '<a href="/products/pear/">Nashi pear</a>' in page
    assert (
        '<td class="num hide-sm">1.35 USD</td>' in page and '<td class="num">2.70 USD</td>' in page
    )
    assert ">Pear<" not in page and "2.40 USD" not in page


def test_invalid_coupons_on_the_page_are_limited_per_address_across_new_carts(settings, pear):
    settings.COUPON_FAILURE_LIMIT_PER_ADDRESS = 2
    CouponFactory(code="SAVE10")
    for _ in range(2):
        response = Client(REMOTE_ADDR="10.0.0.1").post(
            "/cart/coupon/", {"code": "NOPE"}, follow=True
        )
        assert _messages(response) == ["This coupon code is not valid."]
    shopper = Client(REMOTE_ADDR="10.0.0.1")
    put_cart(shopper, {pear.pk: 5})

    response = shopper.post("/cart/coupon/", {"code": "SAVE10"}, follow=True)

    assert _messages(response) == ["Too many attempts. Try again later."]
    assert session_cart(shopper).coupon is None
    other = Client(REMOTE_ADDR="10.0.0.2")
    put_cart(other, {pear.pk: 5})
    response = other.post("/cart/coupon/", {"code": "SAVE10"}, follow=True)
    assert _messages(response) == ["The coupon SAVE10 is applied."]


@pytest.mark.parametrize("code", ["SAVE\x8510", "SAVE10\x9f", "\x80SAVE10", "SAVE\x0010"])
def test_the_coupon_form_refuses_c0_and_c1_control_characters(client, pear, code):
    put_cart(client, {pear.pk: 5})
    CouponFactory(code="SAVE10")

    response = client.post("/cart/coupon/", {"code": code}, follow=True)

    assert _messages(response)[0] in {
        "Remove the control characters.",
        "Null characters are not allowed.",
    }
    assert session_cart(client).coupon is None


@pytest.mark.parametrize(
    "path",
    [
        "/cart/add/{big}/",
        "/cart/items/{big}/",
        "/cart/items/{big}/remove/",
    ],
)
@pytest.mark.parametrize("big", [2**31, 2**63, 2**64, 10**30, "0" * 11 + "1"])
def test_ids_past_the_database_range_are_404(client, pear, path, big):
    response = client.post(path.format(big=big), {"quantity": "1"})

    assert response.status_code == 404
    assert session_cart(client).items == {}


def test_the_largest_id_is_a_page_not_an_error(client):
    response = client.post(f"/cart/add/{2**31 - 1}/", follow=True)

    assert response.status_code == 200
    assert _messages(response) == ["No such product."]


def test_a_card_adds_the_product_named_in_its_form(pear):
    client = Client()
    response = client.post("/cart/add/", {"product": pear.pk, "quantity": "2", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert session_cart(client).items == {pear.pk: 2}


@pytest.mark.parametrize("product", ["", "0", "abc", str(2**31)])
def test_a_card_form_without_a_valid_product_adds_nothing(pear, product):
    client = Client()
    response = client.post("/cart/add/", {"product": product, "next": "/"})
    assert response.status_code == 302
    assert session_cart(client).items == {}
