"""Staff on a Monday morning: export this week's orders as CSV, then restock and add a
product by importing a CSV (dry run, then confirm)."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.browser.helpers import buy, shot
from tests.browser.test_admin import admin_sign_in
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT = (
    "sku,parent_sku,name,category,description,price,stock,stock_change,low_stock_threshold,"
    "weight_grams,tax_class,option1_name,option2_name,option1,option2,active\n"
    "honey,,Wildflower honey,pantry,Raw wildflower honey from local hives.,6.75,,12,,,,,,,,1\n"
    "spelt-bread,,Spelt bread,bakery,Nutty and light.,3.40,15,,4,800,reduced,,,,,1\n"
)


def test_staff_export_orders_and_import_a_catalog_csv(open_page):
    StaffFactory(email="staff@example.com", is_superuser=True)
    shopper, staff = open_page(), open_page()
    number = buy(shopper, "honey", quantity=2, email="bee@example.com")
    honey = Product.objects.get(sku="honey").stock  # 18 - 2

    admin_sign_in(staff, "staff@example.com")
    staff.goto("/admin/orders/order/")
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Export these orders as CSV").click()
    assert re.fullmatch(r"orders-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    [row] = [r for r in rows if r["number"] == number]
    assert row["email"] == "bee@example.com" and "2 × honey" in row["lines"]

    # The catalog: one restock and one new product in a CSV; a dry run, then confirm.
    staff.goto("/admin/catalog/product/")
    staff.get_by_role("link", name="Import").click()
    staff.locator("input[type=file]").set_input_files(
        {"name": "monday.csv", "mimeType": "text/csv", "buffer": IMPORT.encode()}
    )
    staff.get_by_label("Format").select_option(label="csv")
    staff.get_by_role("button", name="Submit").click()
    preview = staff.locator("table.import-preview")
    expect(preview).to_contain_text("New")
    expect(preview).to_contain_text("Update")
    shot(staff, "staff-import-preview")
    assert not Product.objects.filter(sku="spelt-bread").exists()  # a dry run writes nothing

    staff.get_by_role("button", name="Confirm import").click()
    expect(staff.locator(".messagelist")).to_contain_text("Import finished")
    assert Product.objects.get(sku="honey").stock == honey + 12
    spelt = Product.objects.get(sku="spelt-bread")
    assert (spelt.stock, spelt.low_stock_threshold, spelt.category.slug) == (15, 4, "bakery")

    shopper.goto(f"/products/{spelt.slug}/")
    expect(shopper.get_by_role("heading", level=1)).to_have_text("Spelt bread")
    expect(shopper.get_by_text("15 in stock")).to_be_visible()
