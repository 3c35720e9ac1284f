"""Low stock: what the dashboard lists (catalog.selectors.low_stock) and the one email staff
get when a sale takes a row to its threshold (catalog/stock_alerts.py)."""

import pytest
from django.contrib.auth.models import Group

from catalog.models import Product
from catalog.selectors import low_stock
from catalog.stock_alerts import note_sales, recipients
from outbox.models import Email
from tests.concurrency import run_concurrently
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    coffee_beans,
    permissions_named,
)
from tests.orders.conftest import place
from tests.orders.scenarios import _shopper_checkout

pytestmark = pytest.mark.django_db

STAFF = ["stock@example.com"]


@pytest.fixture(autouse=True)
def _alerts(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    settings.STAFF_ALERT_EMAILS = STAFF


def alerts() -> list[Email]:
    return list(Email.objects.filter(subject__startswith="Low stock").order_by("pk"))


def test_one_email_when_a_sale_crosses_the_threshold_and_none_for_the_sales_after():
    tea = ProductFactory(sku="tea", name="Green tea", stock=7)
    place({tea: 1})  # 7 → 6: above
    assert alerts() == []
    place({tea: 2})  # 6 → 4: crosses 5
    [email] = alerts()
    assert email.to == STAFF[0] and email.subject == "Low stock: tea"
    assert "- tea: Green tea, 4 left (threshold 5)" in email.text_body
    assert f"/admin/catalog/product/{tea.pk}/change/" in email.text_body
    place({tea: 1})  # 4 → 3: already below, no second email
    place({tea: 3})  # 3 → 0
    assert len(alerts()) == 1


def test_a_sale_landing_exactly_on_the_threshold_crosses_it():
    tea = ProductFactory(stock=6)
    place({tea: 1})  # 6 → 5 = threshold
    assert len(alerts()) == 1


def test_a_restock_above_the_threshold_arms_the_next_alert(staff_token_client):
    tea = ProductFactory(stock=6)
    place({tea: 2})
    response = staff_token_client.patch(f"/api/products/{tea.pk}", {"stock": 20})
    assert response.status_code == 200
    place({tea: 10})  # 20 → 10: above
    assert len(alerts()) == 1
    place({tea: 6})  # 10 → 4: crosses again
    assert len(alerts()) == 2


def test_a_product_s_own_threshold_replaces_the_default():
    flour = ProductFactory(stock=30, low_stock_threshold=20)
    salt = ProductFactory(stock=10, low_stock_threshold=0)
    place({flour: 10, salt: 9})  # flour 30 → 20 crosses 20; salt 10 → 1 stays above 0
    [email] = alerts()
    assert flour.sku in email.text_body and salt.sku not in email.text_body
    place({salt: 1})  # 1 → 0 crosses 0
    assert len(alerts()) == 2


def test_one_checkout_crossing_on_two_rows_sends_one_email_listing_both():
    first, second = ProductFactory(sku="a-first", stock=6), ProductFactory(sku="b-second", stock=8)
    place({first: 2, second: 4})
    [email] = alerts()
    assert email.subject == "Low stock: a-first and 1 more"
    assert "- a-first:" in email.text_body and "- b-second:" in email.text_body


def test_a_variant_alerts_with_its_product_s_name_and_options_and_links_to_the_product():
    beans, variants = coffee_beans()
    place({variants["1 kg", "Whole"]: 1})  # 5 → 4: it was already at its threshold
    assert alerts() == []
    place({variants["250 g", "Whole"]: 6})  # 10 → 4
    [email] = alerts()
    assert "- beans-250g-whole: Coffee beans (250 g / Whole), 4 left (threshold 5)" in (
        email.text_body
    )
    assert f"/admin/catalog/product/{beans.pk}/change/" in email.text_body


def test_a_checkout_that_fails_sends_no_alert():
    tea, rare = ProductFactory(stock=6), ProductFactory(stock=1)
    with pytest.raises(Exception, match="Not enough stock"):
        place({tea: 3, rare: 2})
    assert alerts() == []
    tea.refresh_from_db()
    assert tea.stock == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_across_the_threshold_send_exactly_one_email():
    tea = ProductFactory(stock=8)
    results = run_concurrently(lambda i: _shopper_checkout({tea.pk: 1}), 6)
    assert not [r for r in results if isinstance(r, Exception)]
    tea.refresh_from_db()
    assert tea.stock == 2
    assert len(alerts()) == 1


def test_recipients_default_to_staff_who_may_change_products(settings):
    settings.STAFF_ALERT_EMAILS = []
    StaffFactory(email="editor@example.com", permissions=["catalog.change_product"])
    StaffFactory(email="viewer@example.com", permissions=["catalog.view_product"])
    StaffFactory(email="", permissions=["catalog.change_product"])
    StaffFactory(email="gone@example.com", is_active=False, permissions=["catalog.change_product"])
    StaffFactory(email="former@example.com", is_staff=False, permissions=["catalog.change_product"])
    UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    UserFactory(email="shopper@example.com")
    group = Group.objects.create(name="Stock")
    group.permissions.set(permissions_named("catalog.change_product"))
    StaffFactory(email="grouped@example.com", permissions=[]).groups.add(group)
    assert recipients() == ["boss@example.com", "editor@example.com", "grouped@example.com"]


def test_low_stock_lists_what_is_sold_at_or_below_its_threshold_fewest_first():
    low = ProductFactory(sku="low", stock=2)
    ProductFactory(sku="at", stock=10, low_stock_threshold=10)
    ProductFactory(sku="fine", stock=6)
    ProductFactory(sku="hidden", stock=0, active=False)
    beans, variants = coffee_beans()  # the product itself has stock 0 but is not sold
    ProductFactory(sku="sleeping", stock=0, option1_name="Size", active=False)
    rows = list(low_stock())
    skus = ["beans-250g-ground", "low", "beans-1kg-ground", "beans-1kg-whole", "at"]
    assert [r.sku for r in rows] == skus
    assert rows[0].parent == beans and rows[-1].threshold == 10
    assert low in rows


def test_an_alert_for_variants_reads_their_products_in_the_same_query(
    django_assert_num_queries,
):
    _, variants = coffee_beans()
    rows = list(variants.values())[:2]
    for row in rows:
        Product.objects.filter(pk=row.pk).update(stock=5)
    with django_assert_num_queries(2):  # the rows with their products; the email
        crossed = note_sales([(row.pk, 1) for row in rows])
    assert len(crossed) == 2
    (email,) = alerts()
    assert all(row.sku in email.text_body for row in rows)
