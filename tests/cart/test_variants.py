"""Variants in the cart: what is bought is a variant, named by its id, with its own stock."""

import pytest

from catalog.models import Product
from tests.factories import ProductFactory, coffee_beans

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("session_engine")]


@pytest.fixture
def beans(db):
    return coffee_beans()


def test_two_variants_of_one_product_are_two_lines_named_by_the_variant(api_client, beans):
    product, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Ground"]
    assert api_client.post("/api/cart/items", {"variant_id": small.pk}).status_code == 200
    body = api_client.post("/api/cart/items", {"sku": big.sku, "quantity": 2}).json()
    assert [
        (i["id"], i["product_id"], i["variant_id"], i["options"], i["unit_price"], i["quantity"])
        for i in body["items"]
    ] == [
        (small.pk, product.pk, small.pk, {"Size": "250 g", "Grind": "Whole"}, 4.5, 1),
        (big.pk, product.pk, big.pk, {"Size": "1 kg", "Grind": "Ground"}, 16.0, 2),
    ]
    assert body["items"][0]["name"] == "Coffee beans" and body["subtotal"] == 36.5
    again = api_client.post("/api/cart/items", {"variant_id": small.pk}).json()
    assert [i["quantity"] for i in again["items"]] == [2, 2]
    patched = api_client.patch(f"/api/cart/items/{big.pk}", {"quantity": 1}).json()
    assert [i["quantity"] for i in patched["items"]] == [2, 1]
    removed = api_client.delete(f"/api/cart/items/{small.pk}").json()
    assert [i["id"] for i in removed["items"]] == [big.pk]


def test_a_product_with_options_is_not_bought_as_itself(api_client, beans):
    product, _ = beans
    for body in ({"product_id": product.pk}, {"sku": product.sku}):
        response = api_client.post("/api/cart/items", body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "variant_required"
        assert error["fields"] == {"variant_id": ["required for a product with options"]}
        assert error["message"] == (
            f"{product.name} comes in several options: add one of its variants "
            "(`variant_id` or its `sku`)."
        )
    assert api_client.get("/api/cart").json()["items"] == []


def test_more_than_one_way_to_name_what_is_bought_is_refused(api_client, beans):
    _, variants = beans
    small = variants["250 g", "Whole"]
    response = api_client.post("/api/cart/items", {"variant_id": small.pk, "sku": small.sku})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_each_variant_has_its_own_stock(api_client, beans):
    _, variants = beans
    sold_out = api_client.post("/api/cart/items", {"variant_id": variants["250 g", "Ground"].pk})
    assert sold_out.status_code == 409
    error = sold_out.json()["error"]
    assert error["code"] == "insufficient_stock" and error["available"] == 0
    assert error["variant_id"] == variants["250 g", "Ground"].pk
    big = variants["1 kg", "Ground"]
    added = api_client.post("/api/cart/items", {"variant_id": big.pk, "quantity": 3})
    assert added.status_code == 200
    over = api_client.post("/api/cart/items", {"variant_id": big.pk})
    assert over.status_code == 409 and over.json()["error"]["available"] == 3


def test_a_removed_variant_leaves_the_cart_with_a_notice(api_client, beans):
    product, variants = beans
    small, big = variants["250 g", "Whole"], variants["1 kg", "Whole"]
    api_client.post("/api/cart/items", {"variant_id": small.pk})
    api_client.post("/api/cart/items", {"variant_id": big.pk})
    Product.objects.filter(pk=big.pk).update(active=False)
    body = api_client.get("/api/cart").json()
    assert [i["id"] for i in body["items"]] == [small.pk]
    assert body["notices"] == [
        "Coffee beans (1 kg, Whole) is no longer sold and was removed from your cart."
    ]
    assert api_client.get("/api/cart").json()["notices"] == []  # said once: the line left


def test_a_removed_product_takes_its_variants_out_of_carts(api_client, beans):
    product, variants = beans
    api_client.post("/api/cart/items", {"variant_id": variants["250 g", "Whole"].pk})
    Product.objects.filter(pk=product.pk).update(active=False)
    body = api_client.get("/api/cart").json()
    assert body["items"] == [] and len(body["notices"]) == 1


def test_a_variant_without_a_price_follows_its_products(api_client, beans):
    product, variants = beans
    api_client.post("/api/cart/items", {"variant_id": variants["250 g", "Whole"].pk})
    Product.objects.filter(pk=product.pk).update(price="5.00")
    assert api_client.get("/api/cart").json()["items"][0]["unit_price"] == 5.0


def test_a_product_given_options_later_leaves_carts(api_client):
    tee = ProductFactory(name="Tee")
    api_client.post("/api/cart/items", {"product_id": tee.pk})
    Product.objects.filter(pk=tee.pk).update(option1_name="Size")
    body = api_client.get("/api/cart").json()
    assert body["items"] == [] and "Tee is no longer sold" in body["notices"][0]


def test_the_add_form_of_a_variant_adds_it_with_its_values_in_the_message(client, beans):
    product, variants = beans
    big = variants["1 kg", "Whole"]
    response = client.post(f"/cart/add/{big.pk}/", {"quantity": "2"}, follow=True)
    assert "Added 2 × Coffee beans (1 kg, Whole) to your cart." in response.content.decode()
    page = client.get("/cart/").content.decode()
    assert f'href="/products/{product.slug}/?variant={big.pk}"' in page
    assert "Size: 1 kg · Grind: Whole" in page
