"""The served OpenAPI document is exact: every endpoint's real answers match it."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.verification import make_token
from core.openapi import RESPONSES
from tests.api.contract import Contract, served_document
from tests.conftest import ApiClient, token_client_for
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    CouponFactory,
    ProductFactory,
    ShippingMethodFactory,
    StaffFactory,
    TaxRateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Ada",
    "street": "1 Main St",
    "city": "Springfield",
    "zip": "12345",
    "country": "US",
}
PRICING_PERMISSIONS = [
    f"pricing.{action}_{model}"
    for model in ("shippingmethod", "taxrate")
    for action in ("view", "add", "change", "delete")
]
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvv": "123"}


@pytest.fixture
def contract():
    return Contract(served_document())


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


class Caller:
    """Calls an operation by its documented path and checks the answer against the document."""

    def __init__(self, contract: Contract):
        self.contract = contract

    def __call__(self, client, method, template, body=None, *, status, raw=None, **kwargs):
        params = {k: v for k, v in kwargs.items() if k != "headers"}
        path = template.format(**params)
        extra = {"headers": kwargs["headers"]} if "headers" in kwargs else {}
        send = getattr(client, method.lower())
        if raw is not None:
            response = send(path, raw[0], content_type=raw[1], **extra)
        elif body is None:
            response = send(path, **extra)
        else:
            response = send(path, json.dumps(body), content_type="application/json", **extra)
        assert response.status_code == status, (method, path, response.content)
        self.contract.check(method, template, response)
        return response


def test_every_endpoint_answers_as_documented(contract, settings):
    settings.COUPON_FAILURE_LIMIT = 2
    settings.PAYMENT_FAILURE_LIMIT = 2
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 2
    settings.GUEST_MAX_UNITS_PER_PRODUCT = 50  # the guest below checks out 40 apples
    call = Caller(contract)
    guest, other = ApiClient(), ApiClient()
    staff = StaffFactory()
    boss = token_client_for(staff)
    fruit = CategoryFactory(slug="fruit")
    apple = ProductFactory(sku="apple", price=Decimal("0.50"), stock=50, category=fruit)
    ProductFactory.create_batch(3, category=fruit)
    CouponFactory(code="SAVE10")
    standard = ShippingMethodFactory(name="Standard", price=Decimal("4.90"))
    ShippingMethodFactory(
        name="Express", price=Decimal("9.90"), all_countries=False, countries=["DE"]
    )
    TaxRateFactory(country="US", rate=Decimal("7.25"))

    # Catalog.
    listed = call(guest, "GET", "/api/products", status=200)
    assert listed["X-Total-Count"] == "4" and "Link" not in listed
    response = guest.get("/api/products?page_size=2&page=2")
    contract.check("GET", "/api/products", response)
    assert 'rel="prev"' in response["Link"]
    contract.check("GET", "/api/products", guest.get("/api/products?page=0"))
    call(guest, "GET", "/api/products/{product_id}", status=200, product_id=apple.pk)
    call(guest, "GET", "/api/products/{product_id}", status=404, product_id=99999)
    call(guest, "GET", "/api/products/{product_id}", status=400, product_id=2**31)
    call(guest, "GET", "/api/products/{product_id}/stock", status=200, product_id=apple.pk)
    call(guest, "GET", "/api/products/{product_id}/stock", status=404, product_id=99999)
    call(guest, "GET", "/api/categories", status=200)
    call(guest, "GET", "/api/categories", status=401, headers={"Authorization": "Bearer nope"})
    new = {"sku": "kiwi", "name": "Kiwi", "price": "1.25", "stock": 5, "category": "fruit"}
    call(guest, "POST", "/api/products", new, status=403)
    kiwi = call(boss, "POST", "/api/products", new, status=201).json()
    call(boss, "POST", "/api/products", new, status=409)
    call(boss, "POST", "/api/products", {**new, "price": 1.234}, status=400)
    call(boss, "POST", "/api/products", status=415, raw=("sku=kiwi", "text/plain"))
    call(
        boss, "POST", "/api/products", status=413, raw=("x" * (1024 * 1024 + 1), "application/json")
    )
    call(
        boss, "PATCH", "/api/products/{product_id}", {"stock": 7}, status=200, product_id=kiwi["id"]
    )
    call(
        boss,
        "PATCH",
        "/api/products/{product_id}",
        {"sku": "apple"},
        status=409,
        product_id=kiwi["id"],
    )
    call(boss, "PATCH", "/api/products/{product_id}", {"stock": 1}, status=404, product_id=99999)
    call(boss, "DELETE", "/api/products/{product_id}", status=204, product_id=kiwi["id"])
    call(guest, "DELETE", "/api/products/{product_id}", status=403, product_id=apple.pk)
    tee = {**new, "sku": "tee", "name": "Tee", "options": ["Size"]}
    tee = call(boss, "POST", "/api/products", tee, status=201).json()
    variants = "/api/products/{product_id}/variants"
    small = {"sku": "tee-s", "options": {"Size": "S"}, "stock": 3}
    variant = call(boss, "POST", variants, small, status=201, product_id=tee["id"]).json()
    call(boss, "POST", variants, small, status=409, product_id=tee["id"])
    call(boss, "POST", variants, {"sku": "t", "options": {}}, status=400, product_id=tee["id"])
    call(boss, "POST", variants, small, status=404, product_id=99999)
    call(guest, "POST", variants, small, status=403, product_id=tee["id"])
    one = variants + "/{variant_id}"
    ids = {"product_id": tee["id"], "variant_id": variant["id"]}
    call(boss, "PATCH", one, {"price": "21.00"}, status=200, **ids)
    call(boss, "PATCH", one, {"stock": 1}, status=404, product_id=tee["id"], variant_id=99999)
    call(guest, "POST", "/api/cart/items", {"product_id": tee["id"]}, status=400)
    call(guest, "POST", "/api/cart/items", {"variant_id": variant["id"]}, status=200)
    call(guest, "DELETE", "/api/cart/items/{product_id}", status=200, product_id=variant["id"])
    call(boss, "DELETE", one, status=204, **ids)
    call(boss, "DELETE", one, status=404, product_id=tee["id"], variant_id=99999)

    # Cart.
    call(guest, "GET", "/api/cart", status=200)
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 2}, status=200)
    call(guest, "POST", "/api/cart/items", {"sku": "nope"}, status=404)
    call(guest, "POST", "/api/cart/items", {"product_id": apple.pk, "quantity": 60}, status=409)
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 0}, status=400)
    call(
        guest,
        "POST",
        "/api/cart/items",
        {"sku": "apple"},
        status=403,
        headers={"Origin": "https://evil.example"},
    )
    line = "/api/cart/items/{product_id}"
    call(guest, "PATCH", line, {"quantity": 3}, status=200, product_id=apple.pk)
    call(guest, "PATCH", line, {"quantity": 60}, status=409, product_id=apple.pk)
    call(guest, "PATCH", line, {"quantity": 1}, status=404, product_id=99999)
    call(guest, "DELETE", line, status=200, product_id=apple.pk)
    call(guest, "DELETE", line, status=404, product_id=apple.pk)
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 40}, status=200)
    call(guest, "DELETE", "/api/cart/items", status=200)
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 40}, status=200)
    call(guest, "POST", "/api/cart/coupon", {"code": "SAVE10"}, status=200)
    call(guest, "DELETE", "/api/cart/coupon", status=200)
    call(other, "POST", "/api/cart/coupon", {"code": "WRONG"}, status=400)
    call(other, "POST", "/api/cart/coupon", {"code": "WRONG"}, status=400)
    call(other, "POST", "/api/cart/coupon", {"code": "SAVE10"}, status=429)

    # Shipping and tax.
    methods = "/api/shipping-methods"
    listed = guest.get(methods + "?country=US")
    assert listed.status_code == 200 and [m["name"] for m in listed.json()] == ["Standard"]
    contract.check("GET", methods, listed)
    required = guest.get(methods)  # the cart has no country yet
    assert required.json()["error"]["code"] == "country_required"
    contract.check("GET", methods, required)
    contract.check("GET", methods, guest.get(methods + "?country=ZZ"))
    destination = "/api/cart/destination"
    call(guest, "PUT", destination, {"country": "DE", "shipping_method": 99999}, status=400)
    call(guest, "PUT", destination, {"country": "ZZ"}, status=400)
    cart = call(guest, "PUT", destination, {"country": "US"}, status=200).json()
    assert (cart["country"], cart["shipping"], cart["tax"]) == ("US", 4.9, 1.81)
    assert call(guest, "GET", methods, status=200).json()[0]["id"] == standard.pk  # the cart's

    # Checkout and orders.
    checkout = {"shipping_address": ADDRESS, "email": "guest@example.com"}
    call(other, "POST", "/api/checkout", checkout, status=400)  # empty cart
    unknown = {**checkout, "shipping_method": 99999}
    call(guest, "POST", "/api/checkout", unknown, status=400)  # shipping_unavailable
    stale = {**checkout, "expected_total": "1.00"}
    changed = call(guest, "POST", "/api/checkout", stale, status=409).json()["error"]
    example = contract.document["paths"]["/api/checkout"]["post"]["responses"]["409"]
    documented = example["content"]["application/json"]["examples"]["quote_changed"]["value"]
    assert set(changed) == set(documented["error"]) and changed["code"] == "quote_changed"
    assert set(changed["totals"]) == set(documented["error"]["totals"])
    confirmed = {**checkout, "shipping_method": standard.pk, "expected_total": cart["total"]}
    key = {"Idempotency-Key": "checkout-1"}
    order = call(guest, "POST", "/api/checkout", confirmed, status=201, headers=key).json()
    assert order["shipping_method"]["name"] == "Standard" and order["total"] == cart["total"]
    replay = call(guest, "POST", "/api/checkout", confirmed, status=201, headers=key)
    assert replay["Idempotent-Replayed"] == "true"
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 1}, status=200)
    call(
        guest,
        "POST",
        "/api/checkout",
        {**checkout, "email": "x@example.com"},
        status=422,
        headers=key,
    )
    apple.stock = 0
    apple.save()
    call(guest, "POST", "/api/checkout", checkout, status=409)
    call(guest, "GET", "/api/orders", status=200)
    one = "/api/orders/{order_id}"
    call(guest, "GET", one, status=200, order_id=order["id"])
    call(other, "GET", one, status=404, order_id=order["id"])

    pay = one + "/pay"
    declined = {"method": "credit_card", "card": {**CARD, "number": "4000000000000002"}}
    call(guest, "POST", pay, declined, status=402, order_id=order["id"])
    call(
        guest,
        "POST",
        pay,
        {"method": "credit_card", "card": {**CARD, "cvv": "x"}},
        status=400,
        order_id=order["id"],
    )
    call(guest, "POST", pay, declined, status=429, order_id=order["id"])
    cache.clear()
    failing = {"method": "credit_card", "card": {**CARD, "number": "4000000000000119"}}
    call(guest, "POST", pay, failing, status=502, order_id=order["id"])
    good = {"method": "credit_card", "card": CARD}
    call(
        guest,
        "POST",
        pay,
        good,
        status=200,
        order_id=order["id"],
        headers={"Idempotency-Key": "pay-1"},
    )
    other_card = {"method": "credit_card", "card": {**CARD, "number": "5555555555554444"}}
    pay_1 = {"Idempotency-Key": "pay-1"}
    call(guest, "POST", pay, other_card, status=422, order_id=order["id"], headers=pay_1)
    call(guest, "POST", pay, good, status=409, order_id=order["id"])

    refund = one + "/refund"
    call(guest, "POST", refund, {"amount": "1.00"}, status=200, order_id=order["id"])
    call(guest, "POST", refund, {"amount": "9999.00"}, status=409, order_id=order["id"])
    call(guest, "POST", refund, {"amount": 1.001}, status=400, order_id=order["id"])
    call(guest, "POST", refund, {}, status=200, order_id=order["id"])
    call(guest, "POST", one + "/cancel", {}, status=409, order_id=order["id"])
    call(guest, "POST", one + "/ship", status=403, order_id=order["id"])
    call(boss, "POST", one + "/ship", status=409, order_id=order["id"])

    # A second order: paid then shipped; a third: cancelled while pending.
    apple.stock = 100
    apple.save()
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 1}, status=200)
    second = call(guest, "POST", "/api/checkout", checkout, status=201).json()
    call(guest, "POST", pay, good, status=200, order_id=second["id"])
    call(boss, "POST", one + "/ship", status=200, order_id=second["id"])
    call(guest, "POST", refund, {}, status=403, order_id=second["id"])
    call(boss, "POST", one + "/ship", status=404, order_id=99999)
    call(guest, "POST", "/api/cart/items", {"sku": "apple", "quantity": 1}, status=200)
    third = call(guest, "POST", "/api/checkout", checkout, status=201).json()
    call(guest, "POST", refund, {}, status=409, order_id=third["id"])  # not paid
    call(
        guest,
        "POST",
        one + "/cancel",
        {"reason": "changed my mind"},
        status=200,
        order_id=third["id"],
    )
    call(guest, "POST", one + "/cancel", {"reason": "a\x00"}, status=400, order_id=third["id"])

    # Accounts.
    creds = {"email": "new@example.com", "password": "a-Long-enough-passphrase-7"}
    call(guest, "POST", "/api/auth/register", creds, status=202)
    call(guest, "POST", "/api/auth/register", creds, status=202)  # taken: the same answer
    call(guest, "POST", "/api/auth/register", {**creds, "password": "1234"}, status=400)
    call(guest, "GET", "/api/auth/me", status=401)
    token = call(guest, "POST", "/api/auth/login", creds, status=200).json()["access_token"]
    call(guest, "GET", "/api/auth/me", status=200)

    # Verified email, email change.
    settings.ACCOUNT_EMAIL_LIMIT = 2
    verify, resend, change = (
        "/api/auth/verify-email",
        "/api/auth/verify-email/resend",
        "/api/account/email",
    )
    newcomer = User.objects.get(email="new@example.com")
    call(other, "POST", resend, status=401)
    call(guest, "POST", resend, status=202)
    call(guest, "POST", verify, {"token": "nope"}, status=400)
    call(guest, "POST", verify, {"token": make_token(newcomer, email=staff.email)}, status=409)
    call(guest, "POST", verify, {"token": make_token(newcomer)}, status=200)
    call(guest, "POST", resend, status=409)  # already_verified
    moving = {"email": "newer@example.com", "password": creds["password"]}
    call(other, "POST", change, moving, status=401)
    call(guest, "POST", change, {**moving, "email": "not-an-email"}, status=400)
    call(guest, "POST", change, moving, status=202)
    call(guest, "POST", change, moving, status=429)
    bearer = {"Authorization": f"Bearer {token}"}
    call(other, "GET", "/api/auth/me", status=200, headers=bearer)
    call(guest, "POST", "/api/auth/logout", status=200)
    call(other, "GET", "/api/auth/me", status=401, headers=bearer)  # revoked everywhere
    wrong = {**creds, "password": "wrong"}
    call(other, "POST", "/api/auth/login", wrong, status=401)
    call(other, "POST", "/api/auth/login", wrong, status=401)
    call(other, "POST", "/api/auth/login", wrong, status=429)

    # Password reset.
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    reset, confirm = "/api/auth/password-reset", "/api/auth/password-reset/confirm"
    call(other, "POST", reset, {"email": "new@example.com"}, status=202)
    call(other, "POST", reset, {"email": "new@example.com"}, status=429)
    call(other, "POST", reset, {"email": "not-an-email"}, status=400)
    reader = User.objects.get(email="new@example.com")
    link = {
        "uid": urlsafe_base64_encode(str(reader.pk).encode()),
        "token": default_token_generator.make_token(reader),
        "new_password": "a-new-long-passphrase-8",
    }
    call(other, "POST", confirm, link, status=200)
    call(other, "POST", confirm, link, status=400)  # invalid_reset_token: used

    # Your data.
    keeper = UserFactory()
    holder = token_client_for(keeper)
    call(other, "GET", "/api/account/export", status=401)
    call(holder, "GET", "/api/account/export", status=200)
    call(other, "DELETE", "/api/account", {"password": PASSWORD}, status=401)
    call(holder, "DELETE", "/api/account", {"password": "not-it"}, status=400)
    clerk_self = token_client_for(StaffFactory())
    call(clerk_self, "DELETE", "/api/account", {"password": PASSWORD}, status=403)  # staff
    call(holder, "DELETE", "/api/account", {"password": PASSWORD}, status=204)
    call(holder, "GET", "/api/account/export", status=401)  # the token died with the account

    # Address book.
    book, address = "/api/account/addresses", "/api/account/addresses/{address_id}"
    home = {"street": "1 Main Street", "city": "Springfield", "zip": "12345", "country": "US"}
    booker = token_client_for(UserFactory())
    call(guest, "GET", book, status=401)
    kept = call(booker, "POST", book, home, status=201).json()
    call(booker, "POST", book, {**home, "country": "ZZ"}, status=400)
    call(booker, "GET", book, status=200)
    call(booker, "GET", address, status=200, address_id=kept["id"])
    stranger = token_client_for(UserFactory())
    call(stranger, "GET", address, status=404, address_id=kept["id"])  # not theirs
    call(booker, "PATCH", address, {"city": "Shelbyville"}, status=200, address_id=kept["id"])
    call(booker, "PATCH", address, {"city": None}, status=400, address_id=kept["id"])
    call(booker, "DELETE", address, status=204, address_id=kept["id"])
    call(booker, "DELETE", address, status=404, address_id=kept["id"])
    for n in range(20):
        call(booker, "POST", book, {**home, "street": f"{n} Road"}, status=201)
    call(booker, "POST", book, home, status=409)  # address_book_full

    # Staff: shipping methods and tax rates.
    pricer = token_client_for(StaffFactory(permissions=PRICING_PERMISSIONS))
    methods, method = "/api/staff/shipping-methods", "/api/staff/shipping-methods/{method_id}"
    parcel = {
        "name": "Parcel",
        "price": "4.90",
        "free_over": "50.00",
        "countries": ["DE", "AT"],
        "bands": [{"up_to_grams": 2000, "price": "4.90"}],
    }
    clerk = token_client_for(StaffFactory(permissions=["orders.view_order"]))
    call(clerk, "POST", methods, parcel, status=403)  # staff without the permission
    made = call(pricer, "POST", methods, parcel, status=201).json()
    call(pricer, "POST", methods, {**parcel, "countries": ["ZZ"]}, status=400)
    call(pricer, "GET", methods, status=200)
    call(guest, "GET", methods, status=403)
    call(pricer, "GET", method, status=200, method_id=made["id"])
    call(pricer, "GET", method, status=404, method_id=99999)
    call(pricer, "PATCH", method, {"active": False}, status=200, method_id=made["id"])
    call(pricer, "PATCH", method, {"price": None}, status=400, method_id=made["id"])
    call(pricer, "PATCH", method, {"active": False}, status=404, method_id=99999)
    call(pricer, "DELETE", method, status=204, method_id=made["id"])
    call(pricer, "DELETE", method, status=404, method_id=made["id"])
    rates, rate = "/api/staff/tax-rates", "/api/staff/tax-rates/{rate_id}"
    reduced = {"country": "DE", "tax_class": "reduced", "rate": 7}
    call(guest, "POST", rates, reduced, status=403)
    made = call(pricer, "POST", rates, reduced, status=201).json()
    call(pricer, "POST", rates, reduced, status=409)  # tax_rate_exists
    call(pricer, "POST", rates, {**reduced, "rate": 101}, status=400)
    call(pricer, "GET", rates, status=200)
    call(pricer, "PATCH", rate, {"rate": "7.5"}, status=200, rate_id=made["id"])
    call(
        pricer,
        "PATCH",
        rate,
        {"country": "US", "tax_class": "standard"},
        status=409,
        rate_id=made["id"],
    )  # US has a standard rate already
    call(pricer, "PATCH", rate, {"rate": 7}, status=404, rate_id=99999)
    call(pricer, "DELETE", rate, status=204, rate_id=made["id"])
    call(pricer, "DELETE", rate, status=404, rate_id=made["id"])

    assert contract.checked == contract.operations()


def test_every_operation_documents_its_errors_with_the_envelope(contract):
    for method, path in contract.operations():
        operation = contract.document["paths"][path][method.lower()]
        statuses = {int(s) for s in operation["responses"]}
        assert 401 in statuses  # a bad Authorization header, anywhere
        if operation.get("requestBody"):
            assert {400, 413, 415} <= statuses, (method, path)
        if "{" in path:
            assert {400, 404} <= statuses, (method, path)
        if method != "GET":
            assert 403 in statuses, (method, path)
        for status in statuses - {200, 201, 202, 204}:
            assert status in RESPONSES
            schema = contract.resolve(operation["responses"][str(status)])["content"]
            assert schema["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_document_describes_auth_pagination_idempotency_and_links(contract):
    doc = contract.document
    schemes = doc["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert doc["paths"]["/api/auth/me"]["get"]["security"] == [
        {"cookieAuth": []},
        {"bearerAuth": []},
    ]
    listed = doc["paths"]["/api/products"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["type"] == "array"
    assert set(listed["headers"]) == {"Link", "X-Total-Count"}
    assert listed["headers"]["X-Total-Count"]["required"] is True
    for path in ["/api/checkout", "/api/orders/{order_id}/pay", "/api/orders/{order_id}/refund"]:
        names = [p["name"] for p in doc["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"]
    retry = doc["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"]
    assert retry["required"] is True
    operation_ids = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    links = doc["paths"]["/api/checkout"]["post"]["responses"]["201"]["links"]
    assert {"GetOrder", "PayOrder", "CancelOrder"} <= set(links)
    pay_links = doc["paths"]["/api/orders/{order_id}/pay"]["post"]["responses"]["200"]["links"]
    assert pay_links["RefundOrder"]["parameters"] == {"order_id": "$response.body#/id"}
    for item in doc["paths"].values():
        for op in item.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids


def test_request_limits_are_in_the_document(contract):
    schemas = contract.document["components"]["schemas"]
    quantity = schemas["AddItemIn"]["properties"]["quantity"]
    assert (quantity["minimum"], quantity["maximum"]) == (1, 99)
    code = schemas["CouponIn"]["properties"]["code"]
    assert code["maxLength"] == 32 and code["pattern"] == r"^[^\x00-\x1f\x7f-\x9f]*$"
    price = schemas["ProductIn"]["properties"]["price"]["anyOf"]
    assert price[0]["exclusiveMinimum"] == 0 and price[1]["type"] == "string"


EXAMPLED = {
    "AddItemIn",
    "CardIn",
    "QuantityIn",
    "CouponIn",
    "DestinationIn",
    "AddressIn",
    "SavedAddressIn",
    "SavedAddressPatch",
    "CheckoutIn",
    "PayIn",
    "RefundIn",
    "CancelIn",
    "Credentials",
    "PasswordResetIn",
    "PasswordResetConfirmIn",
    "ProductIn",
    "ProductPatch",
    "VariantIn",
    "VariantPatch",
    "ShippingMethodIn",
    "ShippingMethodPatch",
    "TaxRateIn",
    "TaxRatePatch",
}


def test_request_examples_match_their_schemas(contract):
    schemas = contract.document["components"]["schemas"]
    with_examples = {name for name, schema in schemas.items() if "examples" in schema}
    assert with_examples == EXAMPLED
    for name in with_examples:
        validator = contract.validator({"$ref": f"#/components/schemas/{name}"})
        for example in schemas[name]["examples"]:
            assert list(validator.iter_errors(example)) == [], name


def test_card_years_are_bounded_to_50_years_ahead(contract):
    from django.utils import timezone

    year = contract.document["components"]["schemas"]["CardIn"]["properties"]["exp_year"]
    assert (year["minimum"], year["maximum"]) == (2000, timezone.now().year + 50)


def test_response_examples_match_their_schemas(contract):
    examples = {}
    for method, path in contract.operations():
        operation = contract.document["paths"][path][method.lower()]
        for status, response in operation["responses"].items():
            for media in contract.resolve(response).get("content", {}).values():
                validator = contract.validator(media["schema"])
                for name, example in media.get("examples", {}).items():
                    assert list(validator.iter_errors(example["value"])) == [], (path, name)
                    examples[(method, path, status, name)] = example["value"]
    checkout = {
        (status, name) for method, path, status, name in examples if path == "/api/checkout"
    }
    assert checkout == {
        ("400", "shipping_unavailable"),
        ("409", "quote_changed"),
        ("409", "insufficient_stock"),
    }
    totals = {
        name: Decimal(str(value))
        for name, value in examples[("POST", "/api/checkout", "409", "quote_changed")]["error"][
            "totals"
        ].items()
        if name not in ("tax_included", "currency")
    }
    added = totals["subtotal"] - totals["discount"] + totals["shipping"] + totals["tax"]
    assert added == totals["total"]  # the example adds up, as the totals rule says
