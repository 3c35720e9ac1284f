"""One rule for typed text (core/text.py): no C0, DEL or C1 control characters, except that a
multi-line text (a product description) may hold tabs and line breaks, on every surface."""

from urllib.parse import urlencode

import pytest

from accounts.forms import SignInForm, SignUpForm
from cart.forms import CouponForm
from catalog.models import Product
from core.text import has_control_chars
from orders.address import Address, AddressError, text_problem
from orders.forms import CancelForm, CheckoutForm, new_form_token
from tests.factories import CategoryFactory, ProductFactory, product_admin_form

CONTROLS = ["\x00", "\x01", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\t", "\n", "\r"]
MULTILINE_OK = ["line\nbreak", "windows\r\nbreak", "tab\tstop", "a\n\n\tb\r\n"]
# (In the middle: a form strips surrounding whitespace, and Python counts \x85 and \x0b in.)
MULTILINE_BAD = ["lone\rreturn", "n\x00ul", "b\x07ell", "d\x7fel", "n\x85el", "c\x9f1", "v\x0bt"]


@pytest.mark.parametrize("char", CONTROLS)
def test_a_line_refuses_every_control_character(char):
    assert has_control_chars(f"a{char}b")


@pytest.mark.parametrize("value", ["", "plain", "Zürich 東京 🍎", "\xa0nbsp", "\u2028", "ÿ"])
def test_a_line_keeps_printable_text(value):
    assert not has_control_chars(value)


@pytest.mark.parametrize("value", MULTILINE_OK)
def test_a_multiline_text_allows_tabs_and_line_breaks(value):
    assert not has_control_chars(value, multiline=True)


@pytest.mark.parametrize("value", MULTILINE_BAD)
def test_a_multiline_text_refuses_other_controls(value):
    assert has_control_chars(value, multiline=True)


# The storefront's forms and the services.


@pytest.mark.parametrize("char", ["\x85", "\x9f", "\x80", "\x01"])
def test_the_address_rule_refuses_c1_too(char):
    assert text_problem(f"Main{char}Street", 200) == "must not contain control characters"
    with pytest.raises(AddressError):
        Address.clean(street=f"1 Main{char}St", city="London", zip="N1", country="GB")


@pytest.mark.parametrize("field", ["street", "city", "zip", "name", "email"])
def test_the_checkout_form_refuses_c1(field):
    data = {
        "name": "Ada",
        "street": "1 Main Street",
        "city": "London",
        "zip": "N1 9GU",
        "country": "GB",
        "email": "ada@example.com",
        "token": new_form_token(),
    }
    data[field] = data[field][:2] + "\x85" + data[field][2:]

    form = CheckoutForm(data)

    assert not form.is_valid()
    assert field in form.errors


def test_the_cancel_form_refuses_controls_as_the_api_does():
    """A reason is one line in the API and the service (orders.address.text_problem)."""
    assert not CancelForm({"reason": "no\x85thanks"}).is_valid()
    assert not CancelForm({"reason": "no\x07thanks"}).is_valid()
    assert CancelForm({"reason": "Changed my mind, sorry."}).is_valid()


@pytest.mark.parametrize("code", ["SAVE\x8510", "SAVE\x0110"])
def test_the_coupon_form_refuses_controls(code):
    assert "code" in CouponForm({"code": code}).errors


@pytest.mark.django_db
def test_the_sign_up_and_sign_in_forms_refuse_c1():
    sign_up = SignUpForm({"email": "a\x85b@example.com", "password1": "x", "password2": "x"})
    sign_in = SignInForm(None, data={"username": "a\x85b@example.com", "password": "x"})

    assert "email" in sign_up.errors
    assert "username" in sign_in.errors


# Product descriptions: one rule in the API and the admin.


@pytest.fixture
def fruit(db):
    return CategoryFactory(slug="fruit")


def _create(client, description):
    body = {
        "sku": "kiwi",
        "name": "Kiwi",
        "price": "1.25",
        "stock": 5,
        "category": "fruit",
        "description": description,
    }
    return client.post("/api/products", body)


@pytest.mark.parametrize("description", MULTILINE_OK)
def test_the_api_keeps_a_multiline_description(staff_client, fruit, description):
    response = _create(staff_client, description)

    assert response.status_code == 201, response.content
    assert response.json()["description"] == description
    assert Product.objects.get(sku="kiwi").description == description


@pytest.mark.parametrize("description", MULTILINE_BAD)
def test_the_api_refuses_other_controls_in_a_description(staff_client, fruit, description):
    response = _create(staff_client, description)

    assert response.status_code == 400
    assert "description" in response.json()["error"]["fields"]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_the_api_patches_a_multiline_description(staff_client):
    product = ProductFactory()

    ok = staff_client.patch(f"/api/products/{product.pk}", {"description": "a\r\nb\tc"})
    bad = staff_client.patch(f"/api/products/{product.pk}", {"description": "a\x85b"})

    assert ok.status_code == 200 and bad.status_code == 400
    product.refresh_from_db()
    assert product.description == "a\r\nb\tc"


@pytest.mark.parametrize(
    "description, saved",
    [(v, True) for v in MULTILINE_OK] + [(v, False) for v in MULTILINE_BAD],
)
def test_the_admin_follows_the_same_description_rule(admin_client, description, saved):
    product = ProductFactory(description="before")

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        urlencode(product_admin_form(product, description=description)),
        content_type="application/x-www-form-urlencoded",
    )

    product.refresh_from_db()
    if saved:
        assert response.status_code == 302
        # A browser sends a textarea's line breaks as \r\n; the admin keeps what it gets.
        assert product.description == description.strip()
    else:
        assert response.status_code == 200
        assert "description" in response.context["adminform"].form.errors
        assert product.description == "before"
