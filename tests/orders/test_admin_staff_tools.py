"""The order list's staff tools: filters, search, the bulk ship report and the CSV export."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cart.cart import Cart
from orders import admin_export
from orders.address import Address
from orders.models import Order
from orders.ownership import Owner
from orders.payments.refund import refund
from orders.services.checkout import checkout
from orders.services.lifecycle import cancel
from tests.factories import ProductFactory, StaffFactory, UserFactory, VariantFactory
from tests.orders.conftest import ADDRESS
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"
EXPORT = "/admin/orders/order/export/"


def placed(items: dict, *, email="guest@example.com", user=None, **address) -> Order:
    """Check out {product: quantity} through the real checkout, to ADDRESS with `address`."""
    session = {}
    cart = Cart(session, user)
    cart.items = {product.pk: n for product, n in items.items()}
    cart.save()
    owner = Owner(user=user, session=session)
    address = Address(**{**ADDRESS, **address})
    return checkout(cart=cart, owner=owner, address=address, email=email).order


def one(**address) -> Order:
    return placed({ProductFactory(price=Decimal("10.00")): 2}, **address)


def listed(client, query: str, *orders: Order) -> set[str]:
    """Which of `orders` the changelist shows for `query`."""
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    page = response.content.decode()
    return {order.number for order in orders if order.number in page}


def placed_on(order: Order, day: str) -> Order:
    """Back-date an order: its created_at at noon UTC of the ISO `day`."""
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


def exported(client, query: str = "") -> list[dict]:
    response = client.get(EXPORT + query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def act(client, action: str, *orders: Order):
    data = {"action": action, "_selected_action": [order.pk for order in orders]}
    return client.post(CHANGELIST, data, follow=True)


def view_only(client):
    client.force_login(StaffFactory(permissions=["orders.view_order"]))
    return client


# Filters


def test_payment_state_filter_narrows_the_list_to_each_state(admin_client):
    unpaid = one()
    full = paid(one())
    part = refund(order=paid(one()), amount=Decimal("5.00"), actor_label="staff")
    back = refund(order=paid(one()), actor_label="staff")
    everyone = (unpaid, full, part, back)

    assert listed(admin_client, "?payment=unpaid", *everyone) == {unpaid.number}
    assert listed(admin_client, "?payment=paid", *everyone) == {full.number}
    assert listed(admin_client, "?payment=partially_refunded", *everyone) == {part.number}
    assert listed(admin_client, "?payment=refunded", *everyone) == {back.number}
    assert listed(admin_client, "", *everyone) == {o.number for o in everyone}


def test_an_unknown_payment_state_is_refused_not_ignored(admin_client):
    one()
    response = admin_client.get(CHANGELIST + "?payment=maybe")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_country_filter_lists_the_countries_shipped_to_and_narrows_to_one(admin_client):
    uk, france = one(), one(country="FR")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "?ship_country=FR" in page and "?ship_country=DE" not in page  # only used ones
    assert listed(admin_client, "?ship_country=FR", uk, france) == {france.number}
    assert listed(admin_client, "?ship_country=GB", uk, france) == {uk.number}


def test_date_range_filter_keeps_orders_placed_within_the_days_given(admin_client):
    january = placed_on(one(), "2024-01-31")
    february = placed_on(one(), "2024-02-01")
    march = placed_on(one(), "2024-03-01")
    orders = (january, february, march)

    feb = "?created_at__range__gte=2024-02-01&created_at__range__lte=2024-02-29"
    assert listed(admin_client, feb, *orders) == {february.number}
    assert listed(admin_client, "?created_at__range__gte=2024-02-01", *orders) == {
        february.number,
        march.number,
    }
    assert listed(admin_client, "?created_at__range__lte=2024-01-31", *orders) == {january.number}


def test_date_range_quick_link_past_7_days(admin_client):
    old, new = placed_on(one(), "2024-01-31"), one()
    page = admin_client.get(CHANGELIST).content.decode()
    link = page.split("Past 7 days")[0].rsplit('href="', 1)[1].split('"')[0]
    assert listed(admin_client, link.replace("&amp;", "&"), old, new) == {new.number}


def test_date_range_form_keeps_the_other_filters_and_needs_no_inline_script(admin_client):
    page = admin_client.get(CHANGELIST + "?status__exact=paid&q=ada").content.decode()
    form = page.split('class="date-range-filter"')[1].split("</form>")[0]
    assert '<input type="hidden" name="status__exact" value="paid">' in form
    assert '<input type="hidden" name="q" value="ada">' in form
    assert 'type="date" name="created_at__range__gte"' in form
    # The strict Content-Security-Policy blocks inline scripts and styles: none on the page.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page


def test_an_unreadable_date_is_refused_not_ignored(admin_client):
    one()
    response = admin_client.get(CHANGELIST + "?created_at__range__gte=31/31/2024")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


# Search


def test_search_finds_orders_by_number_email_shipping_name_and_account_name(admin_client):
    grace = UserFactory(name="Grace Hopper", email="grace@example.com")
    ann = placed({ProductFactory(): 1}, email="ann@example.com", name="Ann Other")
    bob = placed({ProductFactory(): 1}, email="bob@example.com", name="Bob Builder")
    hers = placed({ProductFactory(): 1}, user=grace, name="Navy Office")
    orders = (ann, bob, hers)

    assert listed(admin_client, f"?q={bob.number}", *orders) == {bob.number}
    assert listed(admin_client, "?q=ann@example", *orders) == {ann.number}
    assert listed(admin_client, "?q=builder", *orders) == {bob.number}
    assert listed(admin_client, "?q=hopper", *orders) == {hers.number}


def test_the_list_reads_a_constant_number_of_queries(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(captured)

    one()
    few = queries()
    for _ in range(4):
        paid(one(country="FR"))
    assert queries() == few


# Bulk ship


def test_bulk_ship_ships_paid_orders_and_reports_each_skipped_one_with_its_reason(
    admin_client,
):
    ready, also_ready = paid(one()), paid(one())
    pending = one()
    cancelled = cancel(order=one(), actor_label="staff")

    response = act(admin_client, "mark_shipped", ready, pending, cancelled, also_ready)

    statuses = dict(Order.objects.values_list("number", "status"))
    assert statuses == {
        ready.number: "shipped",
        also_ready.number: "shipped",
        pending.number: "pending",
        cancelled.number: "cancelled",
    }
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("2 order(s) marked shipped. 2 skipped:")
    assert (
        f"<li>Order {pending.number} is pending payment and cannot become shipped.</li>" in message
    )
    assert f"<li>Order {cancelled.number} is cancelled and cannot become shipped.</li>" in message
    assert ready.number not in message
    assert f"<li>Order {pending.number} " in response.content.decode()  # a list, not escaped


def test_bulk_ship_of_nothing_shippable_reports_an_error(admin_client):
    pending = one()
    response = act(admin_client, "mark_shipped", pending)
    [message] = list(response.context["messages"])
    assert message.level_tag == "error" and pending.number in str(message)
    assert Order.objects.get(pk=pending.pk).status == "pending"


def test_view_only_staff_see_the_list_and_export_but_cannot_ship(client):
    order = paid(one())
    view_only(client)

    page = client.get(CHANGELIST).content.decode()
    assert order.number in page and "Export these orders as CSV" in page
    assert 'value="mark_shipped"' not in page
    act(client, "mark_shipped", order)
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert [row["number"] for row in exported(client)] == [order.number]


# CSV export


def test_export_streams_a_dated_csv_attachment(admin_client):
    one()
    response = admin_client.get(EXPORT)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="orders-{today}.csv"'


def test_export_row_holds_the_order_lines_and_money(admin_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    apple = ProductFactory(sku="apple", name="Apple", price=Decimal("3.50"))
    kilo = VariantFactory(sku="apple-1kg", parent=apple, option1="1 kg", price=Decimal("6.00"))
    apple.option1_name = "Size"
    apple.save()
    order = paid(placed({kilo: 2, ProductFactory(sku="pear", name="Pear"): 1}))
    refund(order=order, amount=Decimal("1.00"), actor_label="staff")
    placed_on(order, "2024-01-10")
    order.refresh_from_db()

    body = b"".join(admin_client.get(EXPORT).streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(body)))
    assert header == admin_export.HEADER
    assert dict(zip(header, row, strict=True)) == {
        "number": order.number,
        "created": "2024-01-10T13:00:00+01:00",
        "status": "partially_refunded",
        "payment state": "partially_refunded",
        "email": "guest@example.com",
        "name": "Ada Lovelace",
        "country": "GB",
        "lines": "2 × apple-1kg (Apple, Size: 1 kg); 1 × pear (Pear)",
        "subtotal": "21.99",
        "discount": "0.00",
        "shipping": str(order.shipping),
        "tax": str(order.tax),
        "tax included": "yes" if order.tax_included else "no",
        "total": str(order.total),
        "amount paid": str(order.total),
        "amount refunded": "1.00",
        "currency": order.currency,
        "coupon": "",
        "shipping method": order.shipping_method_name,
    }


def test_export_holds_only_what_the_filters_and_search_show(admin_client):
    pending = one(country="FR")
    shipped_fr = paid(one(country="FR"))
    paid(one())

    rows = exported(admin_client, "?ship_country=FR&payment=paid")
    assert [row["number"] for row in rows] == [shipped_fr.number]
    rows = exported(admin_client, f"?q={pending.number}")
    assert [row["number"] for row in rows] == [pending.number]


def test_export_with_invalid_filters_goes_back_to_the_list_with_a_message(admin_client):
    one()
    for query in ["?payment=maybe", "?created_at__range__lte=never", "?no_such_field=1"]:
        response = admin_client.get(EXPORT + query, follow=True)
        assert response.redirect_chain == [(CHANGELIST, 302)]
        messages = [str(m) for m in response.context["messages"]]
        assert messages == ["Those filters are not valid: nothing was exported."]


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(admin_client):
    order = one()
    cells = ["=HYPERLINK(evil)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
    for cell in cells:
        Order.objects.filter(pk=order.pk).update(ship_name=cell, email=f"{cell}@example.com")
        [row] = exported(admin_client)
        assert (row["name"], row["email"]) == ("'" + cell, f"'{cell}@example.com")
    assert row["subtotal"] == "20.00"  # numbers are left as they are


def test_export_reads_one_query_for_the_orders_and_one_per_chunk_for_lines(
    admin_client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(admin_export, "CHUNK_SIZE", 2)
    for _ in range(5):
        paid(one())
    response = admin_client.get(EXPORT)
    with django_assert_num_queries(1 + 3):  # the orders, then lines for chunks of 2, 2, 1
        body = b"".join(response.streaming_content)
    assert body.count(b"\n") == 1 + 5


def test_export_needs_permission_to_view_orders(client):
    one()
    response = client.get(EXPORT)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(StaffFactory(permissions=["catalog.change_product"]))
    assert client.get(EXPORT).status_code == 403
