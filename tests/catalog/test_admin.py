"""Products in the admin: constraints are form errors, permissions are Django's own."""

from decimal import Decimal

import pytest

from catalog.admin import ProductAdmin
from catalog.models import Product
from tests.factories import ProductFactory, StaffFactory, product_admin_form

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"price": "-1"}, "greater than or equal to 0"),
        ({"stock": "-1"}, "greater than or equal to 0"),
        ({"sku": "taken"}, "Product with this SKU already exists."),
        ({"slug": "taken"}, "Product with this Slug already exists."),
    ],
)
def test_bad_product_changes_are_form_errors_not_500s(admin_client, fields, error):
    ProductFactory(sku="taken", slug="taken")
    product = ProductFactory(price=Decimal("2.00"), stock=4)
    response = admin_client.post(
        f"{CHANGELIST}{product.pk}/change/", product_admin_form(product, **fields)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    fresh = Product.objects.get(pk=product.pk)
    assert (fresh.sku, fresh.slug, fresh.price, fresh.stock) == (
        product.sku,
        product.slug,
        Decimal("2.00"),
        4,
    )


def test_negative_stock_on_the_changelist_is_a_form_error(admin_client):
    product = ProductFactory(stock=4)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(product.pk),
        "form-0-price": "9.99",
        "form-0-stock": "-3",
        "form-0-active": "on",
        "_save": "Save",
    }
    response = admin_client.post(CHANGELIST, data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Product.objects.get(pk=product.pk).stock == 4


def test_renaming_a_product_keeps_the_stock_a_checkout_took_meanwhile(admin_client, monkeypatch):
    product = ProductFactory(stock=10)
    stale = Product.objects.get(pk=product.pk)  # read before a checkout reserves 3
    Product.objects.filter(pk=product.pk).update(stock=7)
    monkeypatch.setattr(ProductAdmin, "get_object", lambda self, request, object_id, *a: stale)

    url = f"{CHANGELIST}{product.pk}/change/"
    response = admin_client.post(url, product_admin_form(product, name="Renamed", stock="10"))

    assert response.status_code == 302
    fresh = Product.objects.get(pk=product.pk)
    assert (fresh.name, fresh.stock) == ("Renamed", 7)


def test_view_only_staff_cannot_change_products(client):
    client.force_login(StaffFactory(permissions=["catalog.view_product"]))
    product = ProductFactory(stock=4)
    response = client.post(
        f"{CHANGELIST}{product.pk}/change/", product_admin_form(product, stock="9")
    )
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).stock == 4
