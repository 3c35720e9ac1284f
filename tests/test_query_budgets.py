"""Query budgets: the exact number of SQL queries of every page and API endpoint.

A change that adds a query to a hot path fails here; raise a budget only on purpose.
Counts are on database sessions (the default) and include the SAVEPOINT/RELEASE pair that
each atomic block adds inside the test's transaction. Lists and carts are measured at two
sizes to prove the count does not grow with the number of rows. `make bench` measures the
same paths under load (docs/PERFORMANCE.md).
"""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client

from catalog.models import Product, ProductImage
from orders.models import Order
from tests.conftest import ApiClient
from tests.factories import (
    CouponFactory,
    ProductFactory,
    ShippingBandFactory,
    ShippingMethodFactory,
    TaxRateFactory,
    VariantFactory,
)
from tests.orders.conftest import ADDRESS, api_checkout, mark_paid, place
from tests.orders.payment_helpers import card
from tests.sessions import put_cart

pytestmark = pytest.mark.django_db

TRANSACTION_SQL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def data_statements(ctx) -> list[str]:
    """The captured queries minus the savepoints that atomic blocks add in tests."""
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(TRANSACTION_SQL)]


def form_post(client, path, data=None):
    return client.post(
        path, urlencode(data or {}), content_type="application/x-www-form-urlencoded"
    )


@pytest.fixture
def products():
    return ProductFactory.create_batch(20, stock=500)


@pytest.fixture
def product(products):
    return products[0]


@pytest.fixture
def shopper(user):
    """A signed-in storefront client (form posts)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_browser(staff):
    client = Client()
    client.force_login(staff)
    return client


def _cart_of(client, products, lines: int):
    put_cart(client, {p.pk: 1 for p in products[:lines]})


# Catalog pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20])
def test_product_list_page(client, django_assert_num_queries, count):
    with_options_and_pictures(count)
    # The page of products with their count and figures, its pictures, categories.
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("lines", [1, 20])
def test_product_list_page_with_a_cart(client, products, django_assert_num_queries, lines):
    _cart_of(client, products, lines)
    with django_assert_num_queries(4):  # session, products with their count, pictures, categories
        assert client.get("/").status_code == 200


def test_product_page(client, product, django_assert_num_queries):
    with django_assert_num_queries(2):  # the product with its category, its pictures
        assert client.get(product.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_product_page_with_options(client, django_assert_num_queries, count):
    product = with_options_and_pictures(count)[0]
    assert product.variants.count() == count
    with django_assert_num_queries(3):  # the product, its pictures, its variants
        assert client.get(product.get_absolute_url()).status_code == 200


def test_product_page_with_a_cart(client, products, django_assert_num_queries):
    _cart_of(client, products, 20)
    with django_assert_num_queries(3):  # session, product, pictures
        assert client.get(products[0].get_absolute_url()).status_code == 200


# Catalog API -----------------------------------------------------------------------------


def with_options_and_pictures(count: int) -> list[Product]:
    """`count` products, every other one (the first too) with `count` variants; each with
    `count` pictures."""
    products = ProductFactory.create_batch(count)
    for n, product in enumerate(products):
        if n % 2 == 0:
            Product.objects.filter(pk=product.pk).update(option1_name="Size")
            for size in range(count):
                VariantFactory(parent=product, option1=f"{size}")
        ProductImage.objects.bulk_create(
            ProductImage(product=product, file=f"products/{n}-{i}.png", width=8, height=6)
            for i in range(count)
        )
    return products


@pytest.mark.parametrize("count", [1, 20])
def test_api_product_list(api_client, django_assert_num_queries, count):
    with_options_and_pictures(count)
    # The page of products with categories, figures and the count; pictures; variants.
    with django_assert_num_queries(3):
        assert api_client.get("/api/products").status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_api_product(api_client, django_assert_num_queries, count):
    product = with_options_and_pictures(count)[0]
    with django_assert_num_queries(3):  # the product, its pictures, its variants
        assert api_client.get(f"/api/products/{product.pk}").status_code == 200


def test_api_stock(api_client, product, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api_client.get(f"/api/products/{product.pk}/stock").status_code == 200


def test_api_categories(api_client, products, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api_client.get("/api/categories").status_code == 200


def test_api_create_product(staff_client, product, django_assert_num_queries):
    category = product.category.slug
    body = {"sku": "new", "name": "New", "price": "1.00", "stock": 1, "category": category}
    # +2: the user's and group permissions (require_perm); +3: the answer's product as read
    # for any client (with pictures and variants).
    with django_assert_num_queries(12):
        assert staff_client.post("/api/products", body).status_code == 201


def test_api_update_product(staff_client, product, django_assert_num_queries):
    # +2: the user's and group permissions (require_perm); +3: the answer (as on create);
    # +1: back-in-stock subscribers to email (none here).
    with django_assert_num_queries(12):
        assert staff_client.patch(f"/api/products/{product.pk}", {"stock": 5}).status_code == 200


def test_api_delete_product(staff_client, product, django_assert_num_queries):
    with django_assert_num_queries(6):  # +2: the user's and group permissions (require_perm)
        assert staff_client.delete(f"/api/products/{product.pk}").status_code == 204


# Cart API --------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 20])
def test_api_cart_read(api_client, products, django_assert_num_queries, lines):
    _cart_of(api_client, products, lines)
    with django_assert_num_queries(5) as ctx:  # the first read also stores the figures shown
        api_client.get("/api/cart")
    assert len(data_statements(ctx)) == 3  # session read, products, session write
    with django_assert_num_queries(2) as ctx:  # session, products (one query for any size)
        assert len(api_client.get("/api/cart").json()["items"]) == lines
    assert sum('"catalog_product"' in sql for sql in data_statements(ctx)) == 1


@pytest.mark.parametrize("lines,methods", [(1, 1), (20, 3)])
def test_api_cart_read_with_shipping_and_tax(
    api_client, products, django_assert_num_queries, lines, methods
):
    for n in range(methods):
        ShippingBandFactory(method=ShippingMethodFactory(name=f"M{n}"), up_to_grams=10**6)
    TaxRateFactory(country="DE", rate=Decimal("19"))
    put_cart(api_client, {p.pk: 1 for p in products[:lines]}, country="DE")
    api_client.get("/api/cart")
    # session, products, shipping methods, their bands, the country's tax rates
    with django_assert_num_queries(5):
        body = api_client.get("/api/cart").json()
    assert len(body["items"]) == lines and body["shipping"] == 5.0 and body["tax"] > 0


def test_api_cart_read_of_a_new_session(api_client, django_assert_num_queries):
    with django_assert_num_queries(4):  # new session key check, savepoint, INSERT, release
        assert api_client.get("/api/cart").status_code == 200


@pytest.mark.parametrize("lines", [0, 19])
def test_api_cart_add(api_client, products, django_assert_num_queries, lines):
    _cart_of(api_client, products, max(lines, 1))
    with django_assert_num_queries(5) as ctx:
        response = api_client.post("/api/cart/items", {"product_id": products[-1].pk})
    assert response.status_code == 200
    assert len(data_statements(ctx)) == 3  # session read, products, session write


@pytest.mark.parametrize("lines", [1, 20])
def test_api_cart_on_signed_cookies_reads_only_products(
    api_client, products, settings, django_assert_num_queries, lines
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    _cart_of(api_client, products, lines)
    with django_assert_num_queries(1):  # the cart's products and the added one, together
        response = api_client.post("/api/cart/items", {"product_id": products[-1].pk})
    assert response.status_code == 200
    with django_assert_num_queries(1):
        items = api_client.get("/api/cart").json()["items"]
    assert len(items) == len({*products[:lines], products[-1]})


def test_api_cart_add_to_a_new_session(api_client, product, django_assert_num_queries):
    with django_assert_num_queries(5):
        assert api_client.post("/api/cart/items", {"sku": product.sku}).status_code == 200


def test_api_cart_set_quantity(api_client, products, django_assert_num_queries):
    _cart_of(api_client, products, 20)
    with django_assert_num_queries(5):
        response = api_client.patch(f"/api/cart/items/{products[3].pk}", {"quantity": 2})
    assert response.status_code == 200


def test_api_cart_remove_line(api_client, products, django_assert_num_queries):
    _cart_of(api_client, products, 20)
    with django_assert_num_queries(5):
        assert api_client.delete(f"/api/cart/items/{products[3].pk}").status_code == 200


def test_api_cart_clear(api_client, products, django_assert_num_queries):
    _cart_of(api_client, products, 20)
    with django_assert_num_queries(4):
        assert api_client.delete("/api/cart/items").status_code == 200


def test_api_cart_apply_coupon(api_client, products, django_assert_num_queries):
    CouponFactory(code="SAVE10")
    _cart_of(api_client, products, 20)
    with django_assert_num_queries(6):
        assert api_client.post("/api/cart/coupon", {"code": "SAVE10"}).status_code == 200


def test_api_cart_remove_coupon(api_client, products, django_assert_num_queries):
    CouponFactory(code="SAVE10")
    put_cart(api_client, {p.pk: 1 for p in products}, coupon="SAVE10")
    with django_assert_num_queries(5):
        assert api_client.delete("/api/cart/coupon").status_code == 200


# Cart pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 20])
def test_cart_page(client, products, django_assert_num_queries, lines):
    _cart_of(client, products, lines)
    client.get("/cart/")  # stores the figures shown (a session write), once
    with django_assert_num_queries(3):  # session, products, pictures
        assert client.get("/cart/").status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_cart_page_of_variants_with_pictures(client, django_assert_num_queries, count):
    products = with_options_and_pictures(count)
    variants = list(Product.objects.filter(parent__isnull=False))
    put_cart(client, {row.pk: 1 for row in [*products, *variants] if not row.has_options})
    client.get("/cart/")
    with django_assert_num_queries(3):  # session, products and variants, pictures
        assert client.get("/cart/").status_code == 200


def test_cart_page_of_a_new_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/cart/").status_code == 200


def test_cart_page_add(client, products, django_assert_num_queries):
    _cart_of(client, products, 19)
    with django_assert_num_queries(5):
        assert (
            form_post(client, f"/cart/add/{products[-1].pk}/", {"quantity": 1}).status_code == 302
        )


def test_cart_page_update(client, products, django_assert_num_queries):
    _cart_of(client, products, 20)
    with django_assert_num_queries(5):
        response = form_post(client, f"/cart/items/{products[2].pk}/", {"quantity": 3})
    assert response.status_code == 302


def test_cart_page_remove(client, products, django_assert_num_queries):
    _cart_of(client, products, 20)
    with django_assert_num_queries(5):
        assert form_post(client, f"/cart/items/{products[2].pk}/remove/").status_code == 302


def test_cart_page_clear(client, products, django_assert_num_queries):
    _cart_of(client, products, 20)
    with django_assert_num_queries(4):
        assert form_post(client, "/cart/clear/").status_code == 302


def test_cart_page_coupon(client, products, django_assert_num_queries):
    CouponFactory(code="SAVE10")
    _cart_of(client, products, 20)
    with django_assert_num_queries(6):
        assert form_post(client, "/cart/coupon/", {"code": "SAVE10"}).status_code == 302


def test_cart_page_remove_coupon(client, products, django_assert_num_queries):
    CouponFactory(code="SAVE10")
    put_cart(client, {p.pk: 1 for p in products}, coupon="SAVE10")
    with django_assert_num_queries(5):
        assert form_post(client, "/cart/coupon/remove/").status_code == 302


# Checkout and orders (API) ---------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 5])
def test_api_checkout(api_client, products, django_assert_num_queries, lines):
    put_cart(api_client, {p.pk: 1 for p in products[:lines]})
    body = {"shipping_address": ADDRESS, "email": "guest@example.com"}
    # session, products, shipping methods, tax rates, one conditional stock UPDATE per line,
    # the stock those left (low-stock alerts), order, lines, event, session write; plus
    # savepoints. The answer is the order just
    # written: nothing is read back.
    with django_assert_num_queries(14 + lines):  # the confirmation email row included
        assert api_client.post("/api/checkout", body).status_code == 201


@pytest.mark.parametrize("lines,methods", [(1, 1), (5, 3)])
def test_api_checkout_with_shipping_and_tax(
    api_client, products, django_assert_num_queries, lines, methods
):
    for n in range(methods):
        ShippingBandFactory(method=ShippingMethodFactory(name=f"M{n}"), up_to_grams=10**6)
    TaxRateFactory(country=ADDRESS["country"], rate=Decimal("20"))
    put_cart(api_client, {p.pk: 1 for p in products[:lines]})
    body = {"shipping_address": ADDRESS, "email": "guest@example.com"}
    # as above, and the shipping methods' bands: constant in lines and methods
    with django_assert_num_queries(15 + lines):
        response = api_client.post("/api/checkout", body)
    assert response.status_code == 201
    assert response.json()["shipping"] == 5.0 and response.json()["tax"] > 0


@pytest.fixture
def order_id(api_client, products):
    response = api_checkout(api_client, {products[0]: 1, products[1]: 2})
    assert response.status_code == 201
    return response.json()["id"]


def test_api_pay(api_client, order_id, django_assert_num_queries):
    body = {"method": "credit_card", "card": card()}
    with django_assert_num_queries(19):  # the receipt email row included
        assert api_client.post(f"/api/orders/{order_id}/pay", body).status_code == 200


@pytest.mark.parametrize(("orders", "lines"), [(1, 1), (5, 4)])
def test_api_order_list(user_client, user, products, django_assert_num_queries, orders, lines):
    for _ in range(orders):
        place({p: 1 for p in products[:lines]}, user=user)
    # session, user, expiry check, orders, lines, payments, refunds: for any number of each
    with django_assert_num_queries(7):
        assert len(user_client.get("/api/orders").json()) == orders


def test_api_order(api_client, order_id, django_assert_num_queries):
    with django_assert_num_queries(5):  # session, order, lines, payments, refunds
        assert api_client.get(f"/api/orders/{order_id}").status_code == 200


def test_api_refund(api_client, order_id, django_assert_num_queries):
    body = {"method": "credit_card", "card": card()}
    assert api_client.post(f"/api/orders/{order_id}/pay", body).status_code == 200
    with django_assert_num_queries(21):  # the refund email row included
        assert api_client.post(f"/api/orders/{order_id}/refund", {}).status_code == 200


def test_api_cancel(api_client, order_id, django_assert_num_queries):
    with django_assert_num_queries(20):  # the restock's back-in-stock subscribers included
        assert api_client.post(f"/api/orders/{order_id}/cancel", {}).status_code == 200


def test_api_ship(staff_client, user, products, django_assert_num_queries):
    order = mark_paid(place({products[0]: 1}, user=user))
    with django_assert_num_queries(14):  # +2: the user's and group permissions
        assert staff_client.post(f"/api/orders/{order.pk}/ship").status_code == 200


# Checkout and orders (pages) -------------------------------------------------------------


def test_checkout_page(client, products, django_assert_num_queries):
    _cart_of(client, products, 20)
    client.get("/orders/checkout/")  # the first view stores the figures shown
    with django_assert_num_queries(2):  # session, products
        assert client.get("/orders/checkout/").status_code == 200


@pytest.mark.parametrize("lines,methods", [(1, 1), (20, 3)])
def test_checkout_page_with_a_country(client, products, django_assert_num_queries, lines, methods):
    for n in range(methods):
        ShippingBandFactory(method=ShippingMethodFactory(name=f"M{n}"), up_to_grams=10**6)
    TaxRateFactory(country="DE", rate=Decimal("19"))
    put_cart(client, {p.pk: 1 for p in products[:lines]}, country="DE")
    client.get("/orders/checkout/")
    # session, products, shipping methods, their bands, the country's tax rates
    with django_assert_num_queries(5):
        page = client.get("/orders/checkout/").content.decode()
    assert page.count('name="shipping_method"') == methods


@pytest.fixture
def shopper_order(user, products) -> Order:
    return place({products[0]: 1, products[1]: 2}, user=user)


@pytest.mark.parametrize(("orders", "lines"), [(1, 1), (5, 4)])
def test_order_history_page(shopper, user, products, django_assert_num_queries, orders, lines):
    for _ in range(orders):
        place({p: 1 for p in products[:lines]}, user=user)
    with django_assert_num_queries(8):
        assert shopper.get("/orders/").status_code == 200


def test_order_page(shopper, shopper_order, django_assert_num_queries):
    with django_assert_num_queries(11):
        assert shopper.get(f"/orders/{shopper_order.number}/").status_code == 200


def test_order_confirmation_page(shopper, shopper_order, django_assert_num_queries):
    with django_assert_num_queries(10):
        assert shopper.get(f"/orders/{shopper_order.number}/thanks/").status_code == 200


def test_order_pay_page(shopper, shopper_order, django_assert_num_queries):
    with django_assert_num_queries(10):
        assert shopper.get(f"/orders/{shopper_order.number}/pay/").status_code == 200


def test_order_cancel_page(shopper, shopper_order, django_assert_num_queries):
    with django_assert_num_queries(18):  # the restock's back-in-stock subscribers included
        response = form_post(shopper, f"/orders/{shopper_order.number}/cancel/", {"reason": ""})
    assert response.status_code == 302


# Accounts --------------------------------------------------------------------------------


def test_api_me(user_client, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert user_client.get("/api/auth/me").status_code == 200


def test_api_login(user, password, django_assert_num_queries):
    client = ApiClient()
    with django_assert_num_queries(10):  # 9, and the default address's country (issue 20)
        response = client.post("/api/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 200


def test_api_logout(user_client, django_assert_num_queries):
    with django_assert_num_queries(5):
        assert user_client.post("/api/auth/logout").status_code == 200


def test_api_register(api_client, django_assert_num_queries):
    body = {"email": "new@example.com", "password": "a-long-enough-passphrase"}
    # Look the address up, create the user, queue the verification email; in savepoints.
    with django_assert_num_queries(7):
        assert api_client.post("/api/auth/register", body).status_code == 202


def test_account_page(shopper, django_assert_num_queries):
    with django_assert_num_queries(3):
        assert shopper.get("/account/").status_code == 200


def test_sign_in_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/account/login/").status_code == 200


def test_sign_up_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/account/signup/").status_code == 200


def test_sign_in_post(client, user, password, django_assert_num_queries):
    with django_assert_num_queries(10):  # 9, and the default address's country (issue 20)
        response = form_post(
            client, "/account/login/", {"username": user.email, "password": password}
        )
    assert response.status_code == 302


def test_sign_out_post(shopper, django_assert_num_queries):
    with django_assert_num_queries(5):
        assert form_post(shopper, "/account/logout/").status_code == 302


def test_password_page(shopper, django_assert_num_queries):
    with django_assert_num_queries(3):
        assert shopper.get("/account/password/").status_code == 200
