"""The catalog's CSV/XLSX import and export in the admin (catalog/resources.py): the export's
content, the dry run, the confirm step, all or nothing, stock reserved meanwhile, permissions."""

import csv
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client
from django.utils import timezone

from catalog.models import Category, Product, StockSubscription
from catalog.resources import COLUMNS, ProductResource
from outbox.models import Email
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, coffee_beans
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"
IMPORT, CONFIRM, EXPORT = (
    f"{CHANGELIST}{page}/" for page in ("import", "process_import", "export")
)
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def export(client, file_format=CSV_FORMAT):
    return client.post(EXPORT, {"resource": "0", "format": file_format})


def exported_rows(client) -> list[dict]:
    response = export(client)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def csv_upload(rows: list[dict]) -> SimpleUploadedFile:
    """A CSV file of the rows (missing columns empty), as a spreadsheet would save it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("catalog.csv", out.getvalue().encode(), content_type="text/csv")


def dry_run(client, upload, file_format=CSV_FORMAT):
    return client.post(IMPORT, {"resource": "0", "format": file_format, "import_file": upload})


def confirm(client, dry_run_page):
    """POST the confirm form the dry run's page renders (its hidden fields)."""
    page = dry_run_page.content.decode()
    assert f'action="{CONFIRM}"' in page, "the dry run refused the file"
    form = page.split(f'action="{CONFIRM}"')[1].split("</form>")[0]
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    return client.post(CONFIRM, {name: html.unescape(value) for name, value in fields})


def imported(client, rows: list[dict]):
    """Dry run then confirm; the confirm step's response."""
    return confirm(client, dry_run(client, csv_upload(rows)))


def totals(response) -> dict:
    return {kind: n for kind, n in response.context["result"].totals.items() if n}


def row(product: Product, **changes) -> dict:
    """A product's row as the export writes it, with `changes`."""
    return {
        "sku": product.sku,
        "parent_sku": product.parent.sku if product.parent_id else "",
        "name": product.name,
        "category": product.category.slug,
        "description": product.description,
        "price": "" if product.price is None else str(product.price),
        "stock": str(product.stock),
        "weight_grams": str(product.weight_grams),
        "tax_class": product.tax_class,
        "option1_name": product.option1_name,
        "option2_name": product.option2_name,
        "option1": product.option1,
        "option2": product.option2,
        "active": "1" if product.active else "0",
        **changes,
    }


@pytest.fixture
def tea():
    return ProductFactory(
        sku="tea",
        name="Green tea",
        price=Decimal("3.00"),
        stock=10,
        category=CategoryFactory(slug="tea"),
    )


# Export


def test_the_csv_export_lists_each_product_followed_by_its_variants(admin_client, tea):
    beans, variants = coffee_beans(category=tea.category)
    rows = exported_rows(admin_client)

    assert list(rows[0]) == list(COLUMNS)
    assert [r["sku"] for r in rows] == [
        "tea",
        "beans",
        *(v.sku for v in sorted(variants.values(), key=lambda v: v.pk)),
    ]
    assert rows[0] == {
        **{column: "" for column in COLUMNS},
        **row(tea, stock="10", low_stock_threshold="", stock_change=""),
        "description": "",
    }
    assert rows[1]["option1_name"] == "Size" and rows[1]["option2_name"] == "Grind"
    kilo_ground = next(r for r in rows if r["sku"] == "beans-1kg-ground")
    assert {k: kilo_ground[k] for k in ("parent_sku", "price", "stock", "option1", "option2")} == {
        "parent_sku": "beans",
        "price": "16.00",
        "stock": "3",
        "option1": "1 kg",
        "option2": "Ground",
    }
    assert next(r for r in rows if r["sku"] == "beans-250g-whole")["price"] == ""


def test_the_export_follows_the_list_filters_and_keeps_the_variants(admin_client, tea):
    beans, variants = coffee_beans()
    response = admin_client.post(
        f"{EXPORT}?category__id__exact={beans.category_id}", {"resource": "0", "format": "0"}
    )
    skus = [r["sku"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert skus[0] == "beans" and sorted(skus[1:]) == sorted(v.sku for v in variants.values())


def test_the_xlsx_export_has_the_same_rows_with_numbers_as_numbers(admin_client, tea):
    coffee_beans()
    response = export(admin_client, XLSX_FORMAT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert list(lines[0]) == list(COLUMNS)
    assert len(lines) == 1 + 6
    by_sku = {line[0]: dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]}
    assert by_sku["tea"]["price"] == 3 and by_sku["tea"]["stock"] == 10
    assert by_sku["beans-1kg-whole"]["parent_sku"] == "beans"


def test_only_csv_and_xlsx_are_offered(admin_client):
    page = admin_client.get(IMPORT).content.decode()
    offered = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert offered == ["csv", "xlsx"]


# Dry run and confirm


def test_the_dry_run_shows_new_changed_and_skipped_rows_and_writes_nothing(admin_client, tea):
    coffee = ProductFactory(sku="coffee", category=tea.category, price=Decimal("5.00"))
    mug = {"sku": "mug", "name": "Mug", "category": "tea", "price": "8.00", "stock": "4"}
    response = dry_run(admin_client, csv_upload([row(tea, price="3.50"), row(coffee), mug]))

    assert response.status_code == 200
    assert totals(response) == {"new": 1, "update": 1, "skip": 1}
    kinds = [r.import_type for r in response.context["result"].rows]
    assert kinds == ["update", "skip", "new"]
    assert "Confirm import" in response.content.decode()
    assert Product.objects.get(sku="tea").price == Decimal("3.00")
    assert not Product.objects.filter(sku="mug").exists()


def test_confirming_writes_the_rows(admin_client, tea):
    mug = {"sku": "mug", "name": "Mug", "category": "tea", "price": "8.00", "stock": "4"}
    response = imported(admin_client, [row(tea, price="3.50", active="0"), mug])

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    tea.refresh_from_db()
    assert (tea.price, tea.active, tea.stock) == (Decimal("3.50"), False, 10)
    mug = Product.objects.get(sku="mug")
    assert (mug.name, mug.slug, mug.category, mug.price, mug.stock, mug.active) == (
        "Mug",
        "mug",
        tea.category,
        Decimal("8.00"),
        4,
        True,
    )


def test_a_product_with_options_and_its_variants_come_in_one_file(admin_client, tea):
    shirt = {
        "sku": "shirt",
        "name": "Shirt",
        "category": "tea",
        "price": "20.00",
        "weight_grams": "200",
        "option1_name": "Size",
    }
    small = {"sku": "shirt-s", "parent_sku": "shirt", "option1": "S", "stock": "3"}
    large = {"sku": "shirt-l", "parent_sku": "shirt", "option1": "L", "price": "22.00"}
    assert imported(admin_client, [shirt, small, large]).status_code == 302

    shirt = Product.objects.get(sku="shirt")
    small, large = Product.objects.get(sku="shirt-s"), Product.objects.get(sku="shirt-l")
    assert (small.parent, small.name, small.category, small.option1) == (
        shirt,
        "Shirt",
        tea.category,
        "S",
    )
    assert (small.price, small.stock, small.weight_grams, small.slug) == (
        None,
        3,
        200,
        "shirt-shirt-s",
    )
    assert (large.price, large.stock) == (Decimal("22.00"), 0)


def test_a_bad_last_row_refuses_the_whole_file(admin_client, tea):
    mug = {"sku": "mug", "name": "Mug", "category": "tea", "price": "8.00"}
    bad = {"sku": "pot", "name": "Pot", "category": "tea", "price": "12.3.4"}
    response = dry_run(admin_client, csv_upload([row(tea, price="3.50"), mug, bad]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The price must be a plain decimal number like 19.99." in page
    assert "Confirm import" not in page
    assert totals(response) == {"new": 1, "update": 1, "invalid": 1}
    assert Product.objects.get(sku="tea").price == Decimal("3.00")
    assert not Product.objects.filter(sku__in=["mug", "pot"]).exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"category": "nope"},
            "There is no category &quot;nope&quot; (add it in the admin first).",
        ),
        ({"price": ""}, "A product needs a price (only variants may omit it)."),
        ({"price": "-1"}, "The price must be 0 or more."),
        ({"stock": "2.5"}, "Enter a whole number."),
        ({"tax_class": "luxury"}, "Value &#x27;luxury&#x27; is not a valid choice."),
        ({"active": "maybe"}, "Enter 1 or 0 (or true/false, yes/no)."),
        ({"parent_sku": "ghost"}, "There is no product &quot;ghost&quot; in the shop"),
        ({"option1": "XL"}, "Only a variant has option values: give its parent_sku."),
    ],
)
def test_a_refused_row_says_why(admin_client, tea, changes, message):
    new = {"sku": "new", "name": "New", "category": "tea", "price": "1.00", **changes}
    response = dry_run(admin_client, csv_upload([new]))
    assert message in response.content.decode()
    assert "Confirm import" not in response.content.decode()
    assert not Product.objects.filter(sku="new").exists()
    assert Category.objects.count() == 1


def test_a_file_without_a_sku_column_is_refused(admin_client, tea):
    upload = SimpleUploadedFile("catalog.csv", b"name,price\nGreen tea,1.00\n")
    page = dry_run(admin_client, upload).content.decode()
    assert "are not present in the file headers: sku" in page
    assert "Confirm import" not in page and "Traceback" not in page
    assert Product.objects.get(pk=tea.pk).price == Decimal("3.00")


def test_a_variant_of_a_product_without_options_is_refused(admin_client, tea):
    variant = {"sku": "tea-big", "parent_sku": "tea", "option1": "Big", "price": "5.00"}
    response = dry_run(admin_client, csv_upload([variant]))
    assert "Green tea has no options: name them first (option1_name)." in response.content.decode()
    assert not Product.objects.filter(sku="tea-big").exists()


@pytest.mark.parametrize(
    "values, message",
    [
        ({"option1": "250 g", "option2": "Whole"}, "Another variant of this product has these"),
        ({"option1": "500 g", "option2": ""}, "Give the grind."),
    ],
)
def test_a_variant_is_checked_like_the_services_check_it(admin_client, values, message):
    coffee_beans()
    variant = {"sku": "beans-new", "parent_sku": "beans", **values}
    response = dry_run(admin_client, csv_upload([variant]))
    assert message in response.content.decode()
    assert not Product.objects.filter(sku="beans-new").exists()


def test_an_xlsx_file_imports_like_a_csv_file(admin_client, tea):
    sheet_file = openpyxl.load_workbook(io.BytesIO(export(admin_client, XLSX_FORMAT).content))
    sheet = sheet_file.active
    sheet.cell(row=2, column=COLUMNS.index("price") + 1, value=4.25)
    sheet.append(["cup", None, "Cup", "tea", None, 2, 7])
    out = io.BytesIO()
    sheet_file.save(out)
    upload = SimpleUploadedFile("catalog.xlsx", out.getvalue())

    response = confirm(admin_client, dry_run(admin_client, upload, XLSX_FORMAT))

    assert response.status_code == 302
    assert Product.objects.get(sku="tea").price == Decimal("4.25")
    cup = Product.objects.get(sku="cup")
    assert (cup.price, cup.stock) == (Decimal("2"), 7)


# Stock


def test_importing_an_export_keeps_the_stock_a_checkout_reserved_meanwhile(admin_client, tea):
    rows = exported_rows(admin_client)  # tea: stock 10
    place({tea: 3})
    response = imported(admin_client, rows)

    assert response.status_code == 302
    assert Product.objects.get(pk=tea.pk).stock == 7


def test_stock_change_adds_to_the_stock_left_by_a_checkout(admin_client, tea):
    rows = exported_rows(admin_client)
    place({tea: 3})
    rows[0]["stock_change"] = "5"
    preview = dry_run(admin_client, csv_upload(rows))
    assert totals(preview) == {"update": 1}
    assert Product.objects.get(pk=tea.pk).stock == 7  # the dry run wrote nothing

    assert confirm(admin_client, preview).status_code == 302
    assert Product.objects.get(pk=tea.pk).stock == 12


def test_saving_a_row_never_writes_back_the_stock_it_read(admin_client, tea, monkeypatch):
    def checkout_meanwhile(self, instance, row, **kwargs):
        Product.objects.filter(pk=instance.pk).update(stock=F("stock") - 3)

    monkeypatch.setattr(ProductResource, "before_save_instance", checkout_meanwhile)
    assert imported(admin_client, [row(tea, price="3.50")]).status_code == 302
    tea.refresh_from_db()
    assert (tea.price, tea.stock) == (Decimal("3.50"), 7)


def test_the_stock_column_of_an_existing_row_is_ignored(admin_client, tea):
    response = dry_run(admin_client, csv_upload([row(tea, stock="99")]))
    assert totals(response) == {"skip": 1}
    assert confirm(admin_client, response).status_code == 302
    assert Product.objects.get(pk=tea.pk).stock == 10


def test_a_stock_change_below_zero_is_refused(admin_client, tea):
    response = dry_run(admin_client, csv_upload([row(tea, stock_change="-11")]))
    assert "The stock is 10: -11 would take it below zero." in response.content.decode()
    assert Product.objects.get(pk=tea.pk).stock == 10


def test_a_row_refused_at_confirm_time_rolls_back_the_whole_file(admin_client, tea):
    coffee = ProductFactory(sku="coffee", category=tea.category, price=Decimal("5.00"))
    preview = dry_run(
        admin_client, csv_upload([row(coffee, price="6.00"), row(tea, stock_change="-8")])
    )
    assert totals(preview) == {"update": 2}
    place({tea: 5})  # between the dry run and the confirm: only 5 left

    response = confirm(admin_client, preview)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page and "The stock is 5: -8 would take it below zero." in page
    assert Product.objects.get(pk=coffee.pk).price == Decimal("5.00")
    assert Product.objects.get(pk=tea.pk).stock == 5


def test_a_restock_from_zero_emails_who_waits_once_confirmed(admin_client, tea):
    Product.objects.filter(pk=tea.pk).update(stock=0)
    StockSubscription.objects.create(
        product=tea, email="waiting@example.com", confirmed_at=timezone.now()
    )
    preview = dry_run(admin_client, csv_upload([row(tea, stock="0", stock_change="4")]))
    assert not Email.objects.filter(to="waiting@example.com").exists()

    confirm(admin_client, preview)

    assert Product.objects.get(pk=tea.pk).stock == 4
    assert Email.objects.filter(to="waiting@example.com").count() == 1


# Permissions


def test_view_only_staff_can_export_but_not_import(tea):
    client = Client()
    client.force_login(StaffFactory(permissions=["catalog.view_product"]))

    assert [r["sku"] for r in exported_rows(client)] == ["tea"]
    assert client.get(IMPORT).status_code == 403
    assert dry_run(client, csv_upload([row(tea, price="1.00")])).status_code == 403
    assert client.post(CONFIRM, {"import_file_name": "x", "format": "0"}).status_code == 403
    page = client.get(CHANGELIST).content.decode()
    assert EXPORT in page and IMPORT not in page
    assert Product.objects.get(pk=tea.pk).price == Decimal("3.00")


def test_staff_who_change_products_can_import(tea):
    client = Client()
    client.force_login(StaffFactory())  # add and change products
    assert imported(client, [row(tea, price="3.10")]).status_code == 302
    assert Product.objects.get(pk=tea.pk).price == Decimal("3.10")


def test_staff_without_the_add_permission_cannot_import(tea):
    client = Client()
    client.force_login(StaffFactory(permissions=["catalog.view_product", "catalog.change_product"]))
    assert client.get(IMPORT).status_code == 403


@pytest.mark.parametrize("url", [IMPORT, EXPORT])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
