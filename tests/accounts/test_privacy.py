"""Your data: the export (content, queries, download) and deleting an account (every table),
on the storefront pages and in the admin."""

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import privacy
from accounts.models import User
from cart.models import SavedCart
from cart.saved import save_cart
from catalog.models import StockSubscription
from orders.models import Order, OrderEvent, OrderLine, Payment, SavedAddress
from tests.conftest import ApiClient, token_client_for
from tests.factories import PASSWORD, ProductFactory, StaffFactory, UserFactory
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
CHANGELIST = "/admin/accounts/user/"
HOME = {"name": "Ada Lovelace", "street": "12 St James's Sq", "city": "London", "zip": "SW1"}


def _address(user, **fields) -> SavedAddress:
    return SavedAddress.objects.create(user=user, **{**HOME, "country": "GB", **fields})


def _signed_in(user) -> ApiClient:
    client = ApiClient()
    client.force_login(user)
    return client


@pytest.fixture
def shopper():
    user = UserFactory(name="Ada", email="ada@example.com")
    _address(user, is_default=True)
    return user


# Export.


def test_export_holds_the_account_addresses_cart_and_orders_with_their_money(shopper):
    apple = ProductFactory(sku="apple", price=Decimal("2.50"), stock=10)
    order = paid(place({apple: 2}, user=shopper, email=shopper.email))
    save_cart(shopper, {"id": "c1", "items": {"7": 2}})  # checkout emptied the last one
    kettle = ProductFactory(sku="kettle", name="Kettle", stock=0)
    alert = StockSubscription.objects.create(product=kettle, email=shopper.email, user=shopper)
    StockSubscription.objects.create(product=kettle, email="someone@example.com")

    data = privacy.export_data(shopper)

    assert json.loads(json.dumps(data)) == data  # JSON as it is
    assert data["account"] == {
        "email": "ada@example.com",
        "name": "Ada",
        "date_joined": shopper.date_joined.isoformat(),
        "email_verified": False,
        "email_verified_at": None,
        "last_login": None,
    }
    assert data["addresses"] == [
        {**HOME, "country": "GB", "is_default": True},
    ]
    assert data["saved_cart"] == [{"product_id": 7, "quantity": 2}]
    (exported,) = data["orders"]
    assert exported["number"] == order.number and exported["status"] == "paid"
    assert exported["total"] == str(order.total) and exported["amount_paid"] == str(order.total)
    assert exported["shipping"] == str(order.shipping) and exported["tax"] == str(order.tax)
    assert exported["shipping_address"]["city"] == "London"
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in exported["lines"]] == [
        ("apple", 2, "2.50")
    ]
    assert exported["payments"][0]["amount"] == str(order.total)
    assert exported["payments"][0]["status"] == "succeeded"
    assert exported["refunds"] == []
    assert data["back_in_stock_alerts"] == [
        {
            "sku": "kettle",
            "product": "Kettle",
            "email": "ada@example.com",
            "created_at": alert.created_at.isoformat(),
            "confirmed_at": None,
            "notified_at": None,
        }
    ]


def test_export_leaves_out_other_people_and_guest_orders_with_the_same_email(shopper):
    apple = ProductFactory(stock=10)
    place({apple: 1}, email=shopper.email)  # a guest order, not the account's
    place({apple: 1}, user=UserFactory())

    assert privacy.export_data(shopper)["orders"] == []


@pytest.mark.parametrize("orders", [1, 5])
def test_export_reads_the_same_number_of_queries_for_1_or_5_orders(
    shopper, orders, django_assert_num_queries
):
    apple = ProductFactory(stock=50)
    for _ in range(orders):
        paid(place({apple: 1}, user=shopper, email=shopper.email))

    # addresses, saved cart, orders, their lines, payments, refunds, back-in-stock alerts
    with django_assert_num_queries(7):
        data = privacy.export_data(shopper)
    assert len(data["orders"]) == orders


def test_the_export_page_downloads_a_dated_json_file(shopper):
    client = _signed_in(shopper)

    response = client.get("/account/data/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="corner-shop-data-{today}.json"'
    )
    assert json.loads(response.content)["account"]["email"] == "ada@example.com"


def test_the_export_page_asks_to_sign_in(client):
    response = client.get("/account/data/export/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


# Deletion.


def test_deleting_an_account_erases_it_and_keeps_its_orders_for_the_books(shopper):
    apple = ProductFactory(stock=10)
    order = paid(place({apple: 3}, user=shopper, email=shopper.email))
    save_cart(shopper, {"id": "c1", "items": {str(apple.pk): 1}})
    guest_order = place({apple: 1}, email=shopper.email)  # same email, not the account's
    lines = list(OrderLine.objects.filter(order=order).values_list("sku", "quantity", "unit_price"))

    assert privacy.delete_account(user=shopper) == 1

    assert not User.objects.filter(pk=shopper.pk).exists()
    assert not SavedAddress.objects.exists()
    assert not SavedCart.objects.exists()
    erased = Order.objects.get(pk=order.pk)
    assert erased.user_id is None
    assert erased.email == privacy.erased_email(order.pk) == f"deleted-{order.pk}@deleted.invalid"
    assert (erased.ship_name, erased.ship_street, erased.ship_city, erased.ship_zip) == (
        "",
        "deleted",
        "deleted",
        "deleted",
    )
    assert erased.ship_country.code == "GB"
    assert (erased.status, erased.total, erased.amount_paid) == ("paid", order.total, order.total)
    assert list(erased.lines.values_list("sku", "quantity", "unit_price")) == lines
    assert Payment.objects.get(order=order).amount == order.total
    event = OrderEvent.objects.get(order=order, action="personal_data_erased")
    assert event.actor_label == "customer" and event.actor_id is None
    untouched = Order.objects.get(pk=guest_order.pk)
    assert untouched.email == "ada@example.com" and untouched.ship_name == "Ada Lovelace"
    assert not OrderEvent.objects.filter(order=guest_order, action="personal_data_erased")


def test_deletion_waits_while_a_payment_is_in_flight(shopper):
    order = place({ProductFactory(stock=5): 1}, user=shopper, email=shopper.email)
    Order.objects.filter(pk=order.pk).update(
        payment_claim="ref-1", payment_claimed_at=timezone.now()
    )

    with pytest.raises(privacy.PaymentInProgress):
        privacy.delete_account(user=shopper)

    assert User.objects.filter(pk=shopper.pk).exists()
    assert Order.objects.get(pk=order.pk).email == "ada@example.com"
    assert SavedAddress.objects.filter(user=shopper).exists()


def test_the_delete_page_explains_and_asks_for_the_password(shopper):
    response = _signed_in(shopper).get("/account/data/delete/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="password"' in page and "cannot be undone" in page


def test_a_wrong_password_on_the_page_deletes_nothing(shopper):
    client = _signed_in(shopper)

    response = client.post(
        "/account/data/delete/", urlencode({"password": "nope"}), content_type=FORM
    )

    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=shopper.pk).exists()
    assert client.get("/api/auth/me").status_code == 200


def test_deleting_on_the_page_signs_out_everywhere_and_frees_the_email(shopper):
    client, other_device = _signed_in(shopper), _signed_in(shopper)
    token_client = token_client_for(shopper)
    order = place({ProductFactory(stock=5): 1}, user=shopper, email=shopper.email)

    response = client.post(
        "/account/data/delete/", urlencode({"password": PASSWORD}), content_type=FORM
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert "Your account is deleted" in client.get("/").content.decode()
    assert client.get("/api/auth/me").status_code == 401
    assert other_device.get("/api/auth/me").status_code == 401
    assert token_client.get("/api/auth/me").status_code == 401
    assert Order.objects.get(pk=order.pk).user_id is None
    again = ApiClient().post(
        "/api/auth/register", {"email": "ada@example.com", "password": "a-Long-passphrase-77"}
    )
    assert again.status_code in (201, 202)  # 202 once sign-up confirms the email first
    assert User.objects.get(email="ada@example.com").orders.count() == 0


def test_a_replayed_session_cookie_is_anonymous_after_deletion(session_engine, shopper):
    client = ApiClient()
    client.post("/api/auth/login", {"email": shopper.email, "password": PASSWORD})
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/account/data/delete/", urlencode({"password": PASSWORD}), content_type=FORM)

    replay = ApiClient()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert replay.get("/api/auth/me").status_code == 401
    assert not User.objects.filter(pk=shopper.pk).exists()


def test_staff_delete_their_account_in_the_admin_only():
    staff = StaffFactory()
    client = _signed_in(staff)

    assert "a superuser deletes it" in client.get("/account/data/delete/").content.decode()
    response = client.post(
        "/account/data/delete/", urlencode({"password": PASSWORD}), content_type=FORM
    )

    assert response.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


# The admin.


def _admin(*permissions) -> ApiClient:
    return _signed_in(StaffFactory(permissions=list(permissions)))


def _act(client, action: str, *users, **extra):
    data = {"action": action, "_selected_action": [u.pk for u in users], **extra}
    return client.post(CHANGELIST, urlencode(data, doseq=True), content_type=FORM)


def test_staff_export_one_users_data_from_the_admin(shopper):
    clerk = _admin("accounts.view_user", "orders.view_order")

    response = _act(clerk, "export_personal_data", shopper)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="corner-shop-data-')
    assert json.loads(response.content)["account"]["email"] == shopper.email


def test_the_export_action_needs_order_access_too(shopper):
    viewer = _admin("accounts.view_user")

    response = _act(viewer, "export_personal_data", shopper)

    assert "Content-Disposition" not in response  # the changelist again: no such action
    assert "export_personal_data" not in viewer.get(CHANGELIST).content.decode()


def test_the_erase_action_confirms_then_deletes_and_records_the_staff_member(shopper):
    order = place({ProductFactory(stock=5): 1}, user=shopper, email=shopper.email)
    deleter = _admin("accounts.view_user", "accounts.delete_user")

    confirm = _act(deleter, "erase_personal_data", shopper)
    assert confirm.status_code == 200 and shopper.email in confirm.content.decode()
    assert User.objects.filter(pk=shopper.pk).exists()

    done = _act(deleter, "erase_personal_data", shopper, post="yes")

    assert done.status_code == 302
    assert not User.objects.filter(pk=shopper.pk).exists()
    event = OrderEvent.objects.get(order=order, action="personal_data_erased")
    assert event.actor_label == "staff" and event.actor_id is not None
    assert Order.objects.get(pk=order.pk).email == privacy.erased_email(order.pk)


def test_the_erase_action_needs_the_delete_permission(shopper):
    changer = _admin("accounts.view_user", "accounts.change_user")

    _act(changer, "erase_personal_data", shopper, post="yes")

    assert User.objects.filter(pk=shopper.pk).exists()
    assert "erase_personal_data" not in changer.get(CHANGELIST).content.decode()


def test_only_a_superuser_erases_a_superuser():
    boss = UserFactory(is_staff=True, is_superuser=True)
    deleter = _admin("accounts.view_user", "accounts.delete_user")

    _act(deleter, "erase_personal_data", boss, post="yes")
    assert User.objects.filter(pk=boss.pk).exists()

    root = _signed_in(UserFactory(is_staff=True, is_superuser=True))
    _act(root, "erase_personal_data", boss, post="yes")
    assert not User.objects.filter(pk=boss.pk).exists()


def test_the_admin_delete_page_is_the_erase_confirmation(shopper):
    deleter = _admin("accounts.view_user", "accounts.delete_user")

    response = deleter.get(f"{CHANGELIST}{shopper.pk}/delete/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="erase_personal_data"' in page and shopper.email in page
    assert "delete_selected" not in deleter.get(CHANGELIST).content.decode()


def test_the_admin_shows_when_the_email_was_verified(admin_client, shopper):
    User.objects.filter(pk=shopper.pk).update(email_verified_at=timezone.now())

    page = admin_client.get(f"{CHANGELIST}{shopper.pk}/change/").content.decode()

    assert "Email verified at" in page or "email verified at" in page.lower()
    assert 'name="email_verified_at"' not in page  # read-only
