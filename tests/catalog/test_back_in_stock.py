"""Back in stock: a sold-out product's page takes an address; restocking emails it once."""

import re
from html import unescape
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from catalog.back_in_stock import CONFIRM_SALT, notify_restocked, subscribe
from catalog.models import Product, StockSubscription
from orders.errors import IllegalTransition
from orders.payments.refund import refund
from orders.services.lifecycle import cancel
from outbox.models import Email
from tests.factories import (
    ProductFactory,
    UserFactory,
    VariantFactory,
    coffee_beans,
    product_admin_form,
)
from tests.orders.conftest import place
from tests.orders.payment_helpers import paid

pytestmark = pytest.mark.django_db

FORM = "Email me when it is back"
LINK = re.compile(
    r"http://127\.0\.0\.1:8000(?P<path>/back-in-stock/(?P<kind>\w+)/(?P<token>[^/\s]+)/)"
)


def links_in(email: Email) -> dict[str, str]:
    """The back-in-stock links of an email by kind ("confirm", "unsubscribe"): their paths."""
    found = {m.group("kind"): m.group("path") for m in LINK.finditer(email.text_body)}
    for path in found.values():
        assert path in email.html_body  # the HTML part links the same pages
    return found


def back_emails(address: str) -> list[Email]:
    return list(Email.objects.filter(to=address, subject__startswith="Back in stock"))


def confirmed(product: Product, email: str) -> StockSubscription:
    return StockSubscription.objects.create(
        product=product, email=email, confirmed_at=timezone.now()
    )


def ask(client: Client, product: Product, email: str, variant: Product | None = None):
    data = {"email": email, **({"variant": variant.pk} if variant else {})}
    return client.post(f"/products/{product.slug}/back-in-stock/", data)


@pytest.fixture
def verified_user():
    return UserFactory(email="ada@example.com", email_verified_at=timezone.now())


# The form on the product page ----------------------------------------------------------


def test_the_form_shows_only_when_the_product_is_sold_out(client):
    in_stock, sold_out = ProductFactory(stock=3), ProductFactory(stock=0)
    assert FORM not in client.get(in_stock.get_absolute_url()).content.decode()
    page = client.get(sold_out.get_absolute_url()).content.decode()
    assert FORM in page
    assert f'action="/products/{sold_out.slug}/back-in-stock/"' in page


def test_the_form_shows_only_for_a_sold_out_variant(client):
    beans, variants = coffee_beans()
    url = beans.get_absolute_url()
    whole, ground = variants[("250 g", "Whole")], variants[("250 g", "Ground")]
    assert FORM not in client.get(url, {"variant": whole.pk}).content.decode()
    page = client.get(url, {"variant": ground.pk}).content.decode()
    assert FORM in page
    assert f'name="variant" value="{ground.pk}"' in page


def test_the_form_is_prefilled_for_a_signed_in_shopper(client, verified_user):
    client.force_login(verified_user)
    page = client.get(ProductFactory(stock=0).get_absolute_url()).content.decode()
    assert 'value="ada@example.com"' in page


# Subscribing -----------------------------------------------------------------------------


def test_a_guest_gets_a_confirmation_link_and_no_alert_before_confirming(client, api_client):
    product = ProductFactory(stock=0)
    response = ask(client, product, " Guest@Example.com ")
    assert response.status_code == 302 and response.url == product.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "Check your inbox at guest@example.com to confirm" in page
    sub = StockSubscription.objects.get()
    assert (sub.product, sub.email, sub.confirmed_at, sub.user) == (
        product,
        "guest@example.com",
        None,
        None,
    )
    [email] = Email.objects.filter(to="guest@example.com")
    assert "confirm" in links_in(email) and "unsubscribe" in links_in(email)

    assert notify_restocked([product.pk]) == 0
    Product.objects.filter(pk=product.pk).update(stock=4)
    assert notify_restocked([product.pk]) == 0  # not confirmed: nothing
    assert back_emails("guest@example.com") == []


def test_opening_the_link_asks_then_confirms_and_restocking_emails_once(client):
    product = ProductFactory(stock=0, name="Kettle")
    ask(client, product, "guest@example.com")
    confirm = links_in(Email.objects.get())["confirm"]

    shown = client.get(confirm)  # a mail scanner's prefetch confirms nothing
    assert shown.status_code == 200 and "Confirm my alert" in shown.content.decode()
    assert StockSubscription.objects.get().confirmed_at is None
    done = Client().post(confirm)
    assert done.status_code == 200 and "Confirmed" in done.content.decode()
    assert StockSubscription.objects.get().confirmed_at is not None

    Product.objects.filter(pk=product.pk).update(stock=2)
    assert notify_restocked([product.pk]) == 1
    [email] = back_emails("guest@example.com")
    assert email.subject == "Back in stock: Kettle"
    assert f"http://127.0.0.1:8000{product.get_absolute_url()}" in email.text_body
    assert "unsubscribe" in links_in(email)
    assert notify_restocked([product.pk]) == 0  # told once


def test_confirming_when_it_is_back_already_emails_at_once(client):
    product = ProductFactory(stock=0)
    ask(client, product, "guest@example.com")
    confirm = links_in(Email.objects.get())["confirm"]
    Product.objects.filter(pk=product.pk).update(stock=5)
    response = client.post(confirm)
    assert "back in stock already" in response.content.decode()
    assert len(back_emails("guest@example.com")) == 1


def test_a_verified_signed_in_shopper_is_confirmed_at_once(client, verified_user):
    client.force_login(verified_user)
    product = ProductFactory(stock=0)
    response = ask(client, product, "ada@example.com")
    assert response.status_code == 302
    page = unescape(client.get(response.url).content.decode())
    assert "We'll email ada@example.com when it is back." in page
    sub = StockSubscription.objects.get()
    assert sub.confirmed_at is not None and sub.user == verified_user
    assert not Email.objects.exists()  # nothing to confirm


def test_an_unverified_account_confirms_by_link_like_a_guest(client):
    user = UserFactory(email="new@example.com")
    client.force_login(user)
    ask(client, ProductFactory(stock=0), "new@example.com")
    sub = StockSubscription.objects.get()
    assert sub.confirmed_at is None and sub.user == user
    assert "confirm" in links_in(Email.objects.get(to="new@example.com"))


def test_another_address_of_a_verified_shopper_is_confirmed_by_link(client, verified_user):
    client.force_login(verified_user)
    ask(client, ProductFactory(stock=0), "other@example.com")
    sub = StockSubscription.objects.get()
    assert sub.confirmed_at is None and sub.user is None
    assert Email.objects.filter(to="other@example.com").count() == 1


def test_asking_twice_keeps_one_subscription(client):
    product = ProductFactory(stock=0)
    ask(client, product, "guest@example.com")
    ask(client, product, "GUEST@example.com")
    assert StockSubscription.objects.count() == 1
    assert Email.objects.filter(to="guest@example.com").count() == 2  # the link again


def test_asking_again_after_the_email_re_arms_the_alert(verified_user):
    product = ProductFactory(stock=0)
    subscribe(product, "ada@example.com", verified_user)
    Product.objects.filter(pk=product.pk).update(stock=1)
    assert notify_restocked([product.pk]) == 1
    Product.objects.filter(pk=product.pk).update(stock=0)
    product.refresh_from_db()
    sub = subscribe(product, "ada@example.com", verified_user)
    assert sub.notified_at is None and sub.confirmed_at is not None
    Product.objects.filter(pk=product.pk).update(stock=1)
    assert notify_restocked([product.pk]) == 1


def test_a_bad_address_is_a_form_error(client):
    product = ProductFactory(stock=0)
    response = ask(client, product, "not-an-address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert FORM in response.content.decode()
    assert not StockSubscription.objects.exists()


def test_asking_for_a_product_in_stock_subscribes_nobody(client):
    product = ProductFactory(stock=2)
    response = ask(client, product, "guest@example.com")
    assert response.status_code == 302
    assert "it is in stock now" in client.get(response.url).content.decode()
    assert not StockSubscription.objects.exists()


def test_subscriptions_are_throttled_per_email_address(client, settings):
    settings.BACK_IN_STOCK_LIMIT_PER_EMAIL = 2
    products = ProductFactory.create_batch(3, stock=0)
    for product in products[:2]:
        assert ask(Client(), product, "guest@example.com").status_code == 302
    response = ask(client, products[2], "guest@example.com")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many alerts asked for. Try again in 60 minutes." in response.content.decode()
    assert StockSubscription.objects.count() == 2
    assert ask(client, products[2], "other@example.com").status_code == 302


def test_subscriptions_are_throttled_per_client_address(client, settings):
    settings.BACK_IN_STOCK_LIMIT_PER_ADDRESS = 2
    product = ProductFactory(stock=0)
    for n in range(2):
        assert ask(client, product, f"shopper{n}@example.com").status_code == 302
    response = ask(client, product, "shopper9@example.com")
    assert response.status_code == 429
    assert "Too many alerts asked for." in response.content.decode()
    assert StockSubscription.objects.count() == 2


# Restocking: each confirmed subscriber gets one email -----------------------------------


def test_restocking_through_the_api_emails_each_confirmed_subscriber_once(staff_token_client):
    product = ProductFactory(stock=0)
    for address in ("a@example.com", "b@example.com"):
        confirmed(product, address)
    StockSubscription.objects.create(product=product, email="unconfirmed@example.com")
    other = confirmed(ProductFactory(stock=0), "c@example.com")

    patched = staff_token_client.patch(f"/api/products/{product.pk}", {"stock": 5})
    assert patched.status_code == 200
    assert [len(back_emails(a)) for a in ("a@example.com", "b@example.com")] == [1, 1]
    assert back_emails("unconfirmed@example.com") == back_emails("c@example.com") == []
    notified = StockSubscription.objects.filter(notified_at__isnull=False)
    assert {s.email for s in notified} == {"a@example.com", "b@example.com"}
    other.refresh_from_db()
    assert other.notified_at is None

    staff_token_client.patch(f"/api/products/{product.pk}", {"stock": 0})
    staff_token_client.patch(f"/api/products/{product.pk}", {"stock": 9})
    assert Email.objects.filter(subject__startswith="Back in stock").count() == 2


def test_a_variant_subscriber_is_emailed_only_when_that_variant_is_back(staff_token_client):
    beans, variants = coffee_beans()
    ground, whole = variants[("250 g", "Ground")], variants[("1 kg", "Whole")]
    confirmed(ground, "ground@example.com")
    base = f"/api/products/{beans.pk}/variants"

    assert staff_token_client.patch(f"{base}/{whole.pk}", {"stock": 50}).status_code == 200
    assert back_emails("ground@example.com") == []
    assert staff_token_client.patch(f"{base}/{ground.pk}", {"stock": 4}).status_code == 200
    [email] = back_emails("ground@example.com")
    assert email.subject == "Back in stock: Coffee beans (250 g / Ground)"
    assert f"{beans.get_absolute_url()}?variant={ground.pk}" in email.text_body


def test_a_variant_subscription_from_the_page(client):
    beans, variants = coffee_beans()
    ground = variants[("250 g", "Ground")]
    response = ask(client, beans, "guest@example.com", variant=ground)
    assert response.url == f"{beans.get_absolute_url()}?variant={ground.pk}"
    assert StockSubscription.objects.get().product == ground


def test_an_inactive_variant_is_not_announced():
    variant = VariantFactory(stock=0, active=False)
    confirmed(variant, "a@example.com")
    Product.objects.filter(pk=variant.pk).update(stock=3)
    assert notify_restocked([variant.pk]) == 0
    Product.objects.filter(pk=variant.pk).update(active=True)
    Product.objects.filter(pk=variant.parent_id).update(active=False)
    assert notify_restocked([variant.pk]) == 0  # its product is hidden
    Product.objects.filter(pk=variant.parent_id).update(active=True)
    assert notify_restocked([variant.parent_id]) == 1  # the product stands for its variants


def test_restocking_in_the_admin_emails_each_confirmed_subscriber_once(admin_client):
    product = ProductFactory(stock=0)
    for address in ("a@example.com", "b@example.com"):
        confirmed(product, address)
    url = f"/admin/catalog/product/{product.pk}/change/"
    assert admin_client.post(url, product_admin_form(product, stock="6")).status_code == 302
    assert len(back_emails("a@example.com")) == len(back_emails("b@example.com")) == 1
    product.refresh_from_db()
    assert admin_client.post(url, product_admin_form(product, stock="8")).status_code == 302
    assert Email.objects.filter(subject__startswith="Back in stock").count() == 2


def test_restocking_a_variant_in_the_admin_list_emails_its_subscriber(admin_client):
    variant = VariantFactory(stock=0)
    confirmed(variant, "a@example.com")
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk),
        "form-0-price": "",
        "form-0-stock": "7",
        "form-0-active": "on",
        "_save": "Save",
    }
    response = admin_client.post("/admin/catalog/variant/", form)
    assert response.status_code == 302
    assert Product.objects.get(pk=variant.pk).stock == 7
    assert len(back_emails("a@example.com")) == 1


def test_a_cancel_that_restocks_the_last_units_emails_subscribers_once():
    product = ProductFactory(stock=2)
    order = place({product: 2})
    assert Product.objects.get(pk=product.pk).stock == 0
    confirmed(product, "a@example.com")
    cancel(order=order)
    assert len(back_emails("a@example.com")) == 1
    order.refresh_from_db()
    with pytest.raises(IllegalTransition):  # cancelled already
        cancel(order=order)
    assert len(back_emails("a@example.com")) == 1


def test_a_refund_that_restocks_emails_subscribers():
    product = ProductFactory(stock=1)
    order = paid(place({product: 1}))
    confirmed(product, "a@example.com")
    refund(order=order, restock=True)
    assert Product.objects.get(pk=product.pk).stock == 1
    assert len(back_emails("a@example.com")) == 1


def test_a_subscription_claimed_meanwhile_is_not_emailed_again():
    product = ProductFactory(stock=3)
    sub = confirmed(product, "a@example.com")
    stale = list(StockSubscription.objects.filter(pk=sub.pk))  # read before the other's claim
    assert notify_restocked([product.pk]) == 1  # a concurrent caller, first to claim it
    with mock.patch("catalog.back_in_stock._waiting", return_value=stale):
        assert notify_restocked([product.pk]) == 0
    assert len(back_emails("a@example.com")) == 1


def test_nobody_subscribed_costs_one_query(django_assert_num_queries):
    products = ProductFactory.create_batch(3, stock=5)
    with django_assert_num_queries(1):
        assert notify_restocked(p.pk for p in products) == 0
    with django_assert_num_queries(0):
        assert notify_restocked([]) == 0


# Unsubscribing and bad links -------------------------------------------------------------


def test_the_unsubscribe_link_asks_then_ends_the_subscription(client):
    product = ProductFactory(stock=0, name="Kettle")
    ask(client, product, "guest@example.com")
    paths = links_in(Email.objects.get())
    client.post(paths["confirm"])
    shown = client.get(paths["unsubscribe"])  # prefetching scanners change nothing
    assert (
        shown.status_code == 200 and "Stop the back-in-stock email about" in shown.content.decode()
    )
    assert StockSubscription.objects.exists()

    done = client.post(paths["unsubscribe"])
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    assert not StockSubscription.objects.exists()
    Product.objects.filter(pk=product.pk).update(stock=3)
    assert notify_restocked([product.pk]) == 0
    assert back_emails("guest@example.com") == []
    again = client.post(paths["unsubscribe"])  # twice: still fine
    assert again.status_code == 200 and "You are unsubscribed" in again.content.decode()


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe"])
def test_a_tampered_link_is_a_friendly_400_page(client, kind):
    product = ProductFactory(stock=0)
    ask(client, product, "guest@example.com")
    path = links_in(Email.objects.get())[kind]
    bad = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    for method in (client.get, client.post):
        response = method(bad)
        assert response.status_code == 400
        assert "This link is invalid or has expired." in response.content.decode()
    assert client.get(f"/back-in-stock/{kind}/nonsense/").status_code == 400
    assert client.get(f"/back-in-stock/{kind}/{'x' * 600}/").status_code == 400


def test_an_expired_confirmation_link_is_a_400_page(client, settings):
    sub = StockSubscription.objects.create(product=ProductFactory(stock=0), email="a@example.com")
    with mock.patch("django.core.signing.time.time", return_value=0):
        token = signing.dumps([sub.pk, sub.email], salt=CONFIRM_SALT)
    response = client.post(f"/back-in-stock/confirm/{token}/")
    assert response.status_code == 400
    assert "invalid or has expired" in response.content.decode()
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    fresh = signing.dumps([sub.pk, sub.email], salt=CONFIRM_SALT)
    assert client.post(f"/back-in-stock/confirm/{fresh}/").status_code == 200


def test_the_admin_lists_subscriptions_filtered(admin_client):
    product = ProductFactory(stock=0, sku="kettle")
    confirmed(product, "a@example.com")
    StockSubscription.objects.create(product=product, email="b@example.com")
    response = admin_client.get("/admin/catalog/stocksubscription/", {"confirmed_at": "no"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "b@example.com" in page and "a@example.com" not in page
    assert admin_client.get("/admin/catalog/stocksubscription/add/").status_code == 403


def test_subscription_rows_go_with_their_product():
    product = ProductFactory(stock=0)
    confirmed(product, "a@example.com")
    product.delete()
    assert not StockSubscription.objects.exists()


def test_the_confirm_token_names_the_row_and_the_address():
    sub = StockSubscription.objects.create(product=ProductFactory(stock=0), email="a@example.com")
    other = signing.dumps([sub.pk, "b@example.com"], salt=CONFIRM_SALT)
    assert Client().post(f"/back-in-stock/confirm/{other}/").status_code == 400


def test_every_email_carries_a_one_click_unsubscribe_a_mail_client_can_post(
    client, django_capture_on_commit_callbacks, mailoutbox, settings
):
    product = ProductFactory(stock=0)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, product, "guest@example.com")
    email = Email.objects.get()
    path = links_in(email)["unsubscribe"]
    link = settings.SITE_URL + path
    assert email.headers == {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    [sent] = mailoutbox
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.extra_headers["List-Unsubscribe"] == f"<{link}>"
    # The mail client's POST (RFC 8058): no cookie, no CSRF token, just the link's body.
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not StockSubscription.objects.exists()
