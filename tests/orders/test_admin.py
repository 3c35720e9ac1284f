"""Order admin: read-only money and status, ship and cancel through the services."""

import pytest

from catalog.models import Product
from orders.admin import OrderAdmin
from orders.models import Order
from tests.factories import ProductFactory, StaffFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


def act(client, action: str, *orders):
    data = {"action": action, "_selected_action": [o.pk for o in orders]}
    return client.post(CHANGELIST, data, follow=True)


def test_changelist_filters_by_status_and_searches_number_and_email(admin_client):
    a = place({ProductFactory(): 1}, email="ann@example.com")
    b = paid(place({ProductFactory(): 1}, email="bob@example.com"))
    page = admin_client.get(CHANGELIST + "?status__exact=paid").content.decode()
    assert b.number in page and a.number not in page
    page = admin_client.get(CHANGELIST + "?q=ann@example").content.decode()
    assert a.number in page and b.number not in page
    page = admin_client.get(CHANGELIST + f"?q={b.number}").content.decode()
    assert b.number in page and a.number not in page
    assert "Past 7 days" in admin_client.get(CHANGELIST).content.decode()  # the date filter


def test_change_page_shows_lines_and_events_with_money_and_status_read_only(admin_client):
    order = place({ProductFactory(name="Kiwi"): 2})
    page = admin_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    assert "Kiwi" in page and "placed" in page
    assert 'name="total"' not in page and 'name="status"' not in page
    assert 'name="amount_paid"' not in page and 'name="ship_street"' in page


def test_status_and_money_cannot_be_changed_by_posting_the_form(admin_client):
    order = place({ProductFactory(): 1})
    url = f"{CHANGELIST}{order.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="status"' not in page
    admin_client.post(url, {"status": "shipped", "total": "0.01", "ship_street": "2 New St"})
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.status, fresh.total) == ("pending", order.total)


def test_no_adding_or_deleting_orders(admin_client):
    order = place({ProductFactory(): 1})
    assert admin_client.get(CHANGELIST + "add/").status_code == 403
    assert admin_client.get(f"{CHANGELIST}{order.pk}/delete/").status_code == 403


def test_mark_shipped_action_ships_paid_orders_and_reports_the_rest(admin_client, admin_user):
    ready = paid(place({ProductFactory(): 1}))
    unpaid = place({ProductFactory(): 1})
    page = act(admin_client, "mark_shipped", ready, unpaid).content.decode()
    assert Order.objects.get(pk=ready.pk).status == "shipped"
    assert Order.objects.get(pk=unpaid.pk).status == "pending"
    assert "1 order(s) marked shipped" in page and unpaid.number in page
    assert ready.events.latest("id").actor == admin_user


def test_cancel_action_restocks(admin_client):
    product = ProductFactory(stock=5)
    order = place({product: 3})
    page = act(admin_client, "cancel_and_restock", order).content.decode()
    assert "1 order(s) cancelled and restocked" in page
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Product.objects.get(pk=product.pk).stock == 5
    act(admin_client, "cancel_and_restock", order)  # again: refused, stock unchanged
    assert Product.objects.get(pk=product.pk).stock == 5


def test_actions_are_for_staff_only(client, user):
    client.force_login(user)
    order = place({ProductFactory(): 1})
    act(client, "cancel_and_restock", order)
    assert Order.objects.get(pk=order.pk).status == "pending"


def staff_client(client, *permissions):
    client.force_login(StaffFactory(permissions=list(permissions)))
    return client


ACTIONS = [  # action, the permission it needs, the status it leaves a paid order in
    ("mark_shipped", "orders.ship_order", "shipped"),
    ("cancel_and_restock", "orders.cancel_order", "cancelled"),
    ("refund_what_remains", "orders.refund_order", "refunded"),
]


@pytest.mark.parametrize("action, permission, done", ACTIONS)
def test_view_only_staff_cannot_run_order_actions(client, action, permission, done):
    staff_client(client, "orders.view_order")
    product = ProductFactory(stock=5)
    order = paid(place({product: 2}))
    act(client, action, order)
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.status, fresh.amount_refunded) == ("paid", 0)
    assert Product.objects.get(pk=product.pk).stock == 3
    assert f'value="{action}"' not in client.get(CHANGELIST).content.decode()


@pytest.mark.parametrize("action, permission, done", ACTIONS)
def test_each_order_action_needs_its_own_permission(client, action, permission, done):
    staff_client(client, "orders.view_order", permission)
    order = paid(place({ProductFactory(): 1}))
    page = client.get(CHANGELIST).content.decode()
    assert [name for name, *_ in ACTIONS if f'value="{name}"' in page] == [action]
    act(client, action, order)
    assert Order.objects.get(pk=order.pk).status == done


def test_fixing_the_address_keeps_a_payment_made_meanwhile(admin_client, monkeypatch):
    order = place({ProductFactory(): 1})
    stale = Order.objects.get(pk=order.pk)  # read while the order is still pending
    paid(order)
    monkeypatch.setattr(OrderAdmin, "get_object", lambda self, request, object_id, *a: stale)
    form = {f"ship_{name}": getattr(stale, f"ship_{name}") for name in ADDRESS_FIELDS}
    for inline in ["lines", "payments", "refunds", "events"]:  # read-only: no rows posted
        form.update({f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"})

    url = f"{CHANGELIST}{order.pk}/change/"
    response = admin_client.post(url, {**form, "ship_street": "2 New St"})

    assert response.status_code == 302
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.ship_street, fresh.status, fresh.amount_paid) == ("2 New St", "paid", order.total)


ADDRESS_FIELDS = ["name", "street", "city", "zip", "country"]
