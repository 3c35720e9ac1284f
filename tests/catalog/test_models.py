from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_stock_cannot_go_negative_in_the_database():
    product = ProductFactory(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)
    product.refresh_from_db()
    assert product.stock == 1


def test_sku_is_unique():
    ProductFactory(sku="apple")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(sku="apple")
    assert Product.objects.filter(sku="apple").count() == 1


def test_price_is_kept_as_exact_decimal():
    product = ProductFactory(price=Decimal("19.99"))
    product.refresh_from_db()
    assert product.price == Decimal("19.99")
    assert product.in_stock is True


@pytest.mark.parametrize(
    ("price", "ok"), [("99999999.99", True), ("100000000.00", False), ("-0.01", False)]
)
def test_the_product_form_takes_prices_from_zero_to_the_largest_amount(price, ok):
    form = modelform_factory(Product, fields=["price"])(data={"price": price})
    assert form.is_valid() is ok


def test_a_price_past_the_largest_amount_fails_the_models_validation():
    product = ProductFactory.build(price=Decimal("100000000.00"))
    with pytest.raises(ValidationError) as caught:
        product.full_clean(exclude=["category"])
    assert "Ensure this value is less than or equal to 99999999.99." in caught.value.messages
