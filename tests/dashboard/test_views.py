"""GET /admin/dashboard/: who may see it, what it shows, and that it changes nothing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bench.orders import generate
from dashboard import figures
from tests.dashboard.helpers import refunded, sale
from tests.factories import ProductFactory, StaffFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"
TODAY = figures.local_today()


@pytest.fixture
def viewer():
    """A view-only staff member: may view orders, nothing else."""
    client = Client()
    client.force_login(StaffFactory(permissions=["orders.view_order"]))
    return client


def content(response) -> str:
    """The page's own part (the admin's header has its sign-out form)."""
    html = response.content.decode()
    return html[html.index('<div id="content-main"') :]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row(response, key: str) -> str:
    """The text of one figure's row, e.g. "week-1" (the last 7 days' revenue)."""
    found = re.search(rf'<tr data-figure="{key}">(.*?)</tr>', response.content.decode(), re.S)
    return text_of(found.group(1))


def test_anonymous_visitors_are_sent_to_the_admins_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={URL}"


def test_a_shopper_is_sent_to_the_admins_sign_in(client):
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_who_may_not_view_orders_are_refused(client):
    client.force_login(StaffFactory(permissions=["catalog.change_product"]))
    assert client.get(URL).status_code == 403


def test_view_only_staff_see_the_figures_and_nothing_to_change(viewer):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    order = sale({product: 3}, TODAY)
    sale({product: 1}, TODAY - timedelta(days=8))
    refunded(order, Decimal("4.50"), TODAY)

    response = viewer.get(URL)

    assert response.status_code == 200
    assert row(response, "today-1") == "Revenue 30.00 USD 0.00 USD new (none before)"
    assert row(response, "week-1") == "Revenue 30.00 USD 10.00 USD ▲ up +200.0 %"
    assert row(response, "week-2") == "Orders 1 1 no change"
    assert row(response, "week-4") == "Refunds 4.50 USD 0.00 USD new (none before)"
    assert row(response, "today-3") == "Average order value 30.00 USD — new (none before)"
    page = content(response)
    assert "How these are counted." in page
    for control in ("<form", "<button", "<input", "<select", "<textarea"):
        assert control not in page


def test_the_chart_is_svg_with_a_title_and_a_table_of_every_day(viewer):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    sale({product: 2}, TODAY - timedelta(days=1))

    response = viewer.get(URL)
    page = content(response)

    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-describedby="dash-chart-desc"' in svg
    assert '<title id="dash-chart-title">Revenue and paid orders per day' in svg
    assert svg.count('<circle cx="') == 30  # a marker for each day, zeros included
    table = page[
        page.index('<table class="dash-days">') : page.index("</table>", page.index("dash-days"))
    ]
    assert "<caption" in table
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    days = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", body, re.S)
    assert len(days) == 30
    yesterday = (TODAY - timedelta(days=1)).strftime("%-d %b")
    assert text_of(days[1]).endswith(f"{yesterday} 20.00 1")
    assert text_of(days[0]).endswith("0.00 0")  # today: nothing
    assert "30 days 20.00 1" in text_of(table[table.index("<tfoot>") :])


def test_orders_to_ship_and_low_stock_link_to_their_admin_pages(viewer, settings):
    settings.LOW_STOCK_THRESHOLD = 3
    product = ProductFactory(name="Honey", price=Decimal("10.00"), stock=4)
    order = sale({product: 2}, TODAY)  # leaves 2: low
    variant = VariantFactory(stock=0)

    response = viewer.get(URL)
    page = content(response)

    waiting = page[page.index('data-testid="waiting-to-ship"') :]
    assert (
        f'<a href="{reverse("admin:orders_order_change", args=[order.pk])}">{order.number}</a>'
        in waiting
    )
    low = page[page.index('data-testid="low-stock"') :]
    assert f'href="{reverse("admin:catalog_product_change", args=[product.pk])}">Honey</a>' in low
    assert reverse("admin:catalog_variant_change", args=[variant.pk]) in low
    assert f"{variant.parent.name} ({variant.option1})" in low


def test_the_admin_index_links_to_the_dashboard_for_staff_who_may_view_orders(viewer, client):
    assert f'href="{URL}"' in viewer.get("/admin/").content.decode()
    client.force_login(StaffFactory(permissions=["catalog.change_product"]))
    assert f'href="{URL}"' not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("many", [False, True])
def test_the_page_costs_the_same_queries_whatever_the_number_of_orders(
    many, viewer, django_assert_num_queries
):
    product = ProductFactory(price=Decimal("10.00"), stock=50)
    refunded(sale({product: 2}, TODAY), Decimal("1.00"), TODAY)
    ProductFactory(stock=1)  # low
    if many:
        generate(500)  # spread over 60 days, with lines, refunds and low stock

    # session, user; the admin's app list (user's and group permissions); the sales per day
    # and the refunds per day; top products and their labels; waiting to ship; low stock
    with django_assert_num_queries(10):
        response = viewer.get(URL)
    assert response.status_code == 200
