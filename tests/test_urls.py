"""What a storefront URL may hold: ids within the database's range, order numbers without NUL."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

from core.converters import BoundedIntConverter
from core.schemas import MAX_ID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text, value", [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID)])
def test_the_id_converter_reads_ids_in_range(text, value):
    assert BoundedIntConverter().to_python(text) == value
    assert resolve(f"/cart/add/{text}/").kwargs == {"product_id": value}
    assert reverse("cart:add", args=[value]) == f"/cart/add/{value}/"


@pytest.mark.parametrize("text", [str(MAX_ID + 1), str(2**63), str(2**64), "9" * 10, "0"])
def test_the_id_converter_refuses_ids_out_of_range(text):
    with pytest.raises(ValueError):
        BoundedIntConverter().to_python(text)
    with pytest.raises(Resolver404):
        resolve(f"/cart/add/{text}/")


@pytest.mark.parametrize("text", ["9" * 11, "-1", "1.5", "abc", "1e3", "%00", "１２"])
def test_the_id_converter_matches_only_up_to_ten_ascii_digits(text):
    with pytest.raises(Resolver404):
        resolve(f"/cart/add/{text}/")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/orders/%00/"),
        ("get", "/orders/CS-%00/"),
        ("get", "/orders/%00/thanks/"),
        ("get", "/orders/%00/pay/"),
        ("post", "/orders/%00/pay/"),
        ("post", "/orders/%00/cancel/"),
        ("get", "/orders/CS-%C2%85/"),
    ],
)
def test_an_order_number_with_control_characters_is_404_without_a_query(user, method, path):
    """PostgreSQL refuses NUL in any query, SQLite does not: neither sees one."""
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path)

    assert response.status_code == 404
    assert not any("\x00" in q["sql"] for q in queries.captured_queries)
    assert not any("orders_order" in q["sql"] for q in queries.captured_queries)
