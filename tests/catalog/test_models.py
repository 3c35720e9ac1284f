from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

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
