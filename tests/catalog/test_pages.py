import pytest
from django.core.management import call_command

from catalog.models import Category, Product
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_home_lists_active_products_with_prices(client):
    ProductFactory(name="Visible Pear")
    ProductFactory(name="Hidden Plum", active=False)
    html = client.get("/").content.decode()
    assert "Visible Pear" in html and "9.99" in html
    assert "Hidden Plum" not in html


def test_search_and_category_filter(client):
    fruit = CategoryFactory(slug="fruit", name="Fruit")
    ProductFactory(name="Apple", category=fruit)
    ProductFactory(name="Bread")
    assert "Bread" not in client.get("/?q=apple").content.decode()
    html = client.get("/?category=fruit").content.decode()
    assert "Apple" in html and "Bread" not in html


def test_pagination_splits_the_list(client, settings):
    settings.PAGE_SIZE = 3
    ProductFactory.create_batch(7)
    page3 = client.get("/?page=3")
    html = page3.content.decode()
    assert html.count('<li class="card">') == 1 and "Page 3 of 3" in html


@pytest.mark.parametrize("count", [1, 30])
def test_product_list_takes_constant_queries(client, django_assert_num_queries, count):
    ProductFactory.create_batch(count)
    with django_assert_num_queries(2):  # page of products with their count, categories
        assert client.get("/").status_code == 200


def test_a_page_past_the_end_costs_a_count_and_a_second_read(client, django_assert_num_queries):
    ProductFactory.create_batch(3)
    with django_assert_num_queries(4):  # page (empty), count, last page, categories
        html = client.get("/?page=7").content.decode()
    assert html.count('<li class="card">') == 3  # the last page: here the only one
    with django_assert_num_queries(2):  # page of products with their count, categories
        assert client.get("/?page=1").status_code == 200


def test_product_page_and_404s(client):
    product = ProductFactory(name="Pear", description="Juicy.")
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Pear" in html and "Juicy." in html
    hidden = ProductFactory(active=False)
    missing = client.get(hidden.get_absolute_url())
    assert missing.status_code == 404
    assert "couldn’t find that page" in missing.content.decode()


def test_admin_is_for_staff_only(client, staff, user):
    client.force_login(user)
    assert client.get("/admin/catalog/product/").status_code == 302
    client.force_login(staff)
    staff.is_superuser = True
    staff.save()
    ProductFactory(sku="apple")
    for path in (
        "/admin/",
        "/admin/catalog/product/",
        "/admin/catalog/product/?q=apple",
        "/admin/catalog/category/",
        "/admin/catalog/product/add/",
    ):
        assert client.get(path).status_code == 200


def test_load_demo_is_idempotent(capsys):
    call_command("load_demo")
    assert "created product apple" in capsys.readouterr().out
    assert Product.objects.count() >= 20 and Category.objects.count() >= 4
    assert Product.objects.filter(sku__in=["apple", "banana"]).count() == 2
    before = list(Product.objects.values_list("sku", "stock", "price", "image"))
    call_command("load_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert list(Product.objects.values_list("sku", "stock", "price", "image")) == before
