"""Variants in the admin: generated from option values, edited inline and in bulk."""

from decimal import Decimal

import pytest

from catalog.models import Product
from tests.factories import (
    ProductFactory,
    StaffFactory,
    VariantFactory,
    coffee_beans,
    product_admin_form,
    variant_rows,
)

pytestmark = pytest.mark.django_db

PRODUCTS, VARIANTS = "/admin/catalog/product/", "/admin/catalog/variant/"


def test_naming_options_and_values_generates_the_missing_variants(admin_client):
    tee = ProductFactory(sku="tee", price=Decimal("18.00"), weight_grams=200, tax_class="zero")
    form = product_admin_form(
        tee, option1_name="Size", values1="S, M", option2_name="Colour", values2="Red,  Blue ,"
    )
    response = admin_client.post(f"{PRODUCTS}{tee.pk}/change/", form, follow=True)
    assert response.status_code == 200
    assert "4 variant(s) added." in response.content.decode()
    variants = Product.objects.filter(parent=tee).order_by("sku")
    assert [(v.sku, v.option1, v.option2) for v in variants] == [
        ("tee-m-blue", "M", "Blue"),
        ("tee-m-red", "M", "Red"),
        ("tee-s-blue", "S", "Blue"),
        ("tee-s-red", "S", "Red"),
    ]
    assert {(v.price, v.stock, v.weight_grams, v.tax_class) for v in variants} == {
        (None, 0, 200, "zero")
    }
    tee.refresh_from_db()
    again = product_admin_form(tee, values1="S, M, L", values2="Red, Blue")
    admin_client.post(f"{PRODUCTS}{tee.pk}/change/", again)
    assert Product.objects.filter(parent=tee).count() == 6  # only the two L variants are new


def test_a_variant_row_without_a_value_is_a_form_error(admin_client):
    beans, _ = coffee_beans()
    form = {**product_admin_form(beans), **variant_rows(beans, extra=1)}
    form.update(
        {
            "variants-4-parent": str(beans.pk),
            "variants-4-sku": "beans-2kg",
            "variants-4-option1": "2 kg",
            "variants-4-option2": "",
            "variants-4-stock": "5",
            "variants-4-weight_grams": "2000",
            "variants-4-tax_class": "standard",
        }
    )
    response = admin_client.post(f"{PRODUCTS}{beans.pk}/change/", form)
    assert response.status_code == 200
    assert "Give the grind." in response.content.decode()
    assert not Product.objects.filter(sku="beans-2kg").exists()
    form["variants-4-option2"] = "Whole"
    response = admin_client.post(f"{PRODUCTS}{beans.pk}/change/", form)
    assert response.status_code == 302
    added = Product.objects.get(sku="beans-2kg")
    assert (added.parent, added.option_values, added.stock, added.category) == (
        beans,
        ["2 kg", "Whole"],
        5,
        beans.category,
    )


def test_variants_are_not_listed_as_products_and_edited_in_bulk(admin_client):
    beans, variants = coffee_beans()
    listed = admin_client.get(PRODUCTS).content.decode()
    assert "beans-250g-whole" not in listed and ">beans<" in listed
    small, big = variants["250 g", "Whole"], variants["1 kg", "Whole"]
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(small.pk),
        "form-0-price": "",
        "form-0-stock": "40",
        "form-0-active": "on",
        "form-1-id": str(big.pk),
        "form-1-price": "15.00",
        "form-1-stock": "6",
        "_save": "Save",
    }
    response = admin_client.post(f"{VARIANTS}?q=Whole", data)
    assert response.status_code == 302
    small.refresh_from_db()
    big.refresh_from_db()
    assert (small.price, small.stock, small.active) == (None, 40, True)
    assert (big.price, big.stock, big.active) == (Decimal("15.00"), 6, False)


def test_view_only_staff_see_variants_but_change_nothing(client):
    client.force_login(StaffFactory(permissions=["catalog.view_product"]))
    variant = VariantFactory(stock=3)
    assert client.get(VARIANTS).status_code == 200
    response = client.post(
        f"{VARIANTS}{variant.pk}/change/", {"sku": variant.sku, "stock": "9", "active": "on"}
    )
    assert response.status_code == 403
    assert Product.objects.get(pk=variant.pk).stock == 3


def test_a_product_without_a_price_is_a_form_error(admin_client):
    pear = ProductFactory(price=Decimal("1.00"))
    response = admin_client.post(f"{PRODUCTS}{pear.pk}/change/", product_admin_form(pear, price=""))
    assert response.status_code == 200
    assert "A product needs a price" in response.content.decode()
    assert Product.objects.get(pk=pear.pk).price == Decimal("1.00")
