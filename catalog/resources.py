"""The catalog as a spreadsheet (CSV or XLSX) for the admin's import and export
(django-import-export): one row per product and one per variant, in one file format.

A row is found by its `sku`; `parent_sku` is empty on a product and names a variant's
product (in the shop or on an earlier row). An import is one transaction: one refused row
refuses the file. It never writes an absolute stock over an existing row's, since a checkout
may take stock (a conditional UPDATE) between the export and the import: `stock` is the
initial stock of a new row only, and `stock_change` moves an existing row's stock by
`F("stock") + n`, refused if it would go below zero.
"""

from decimal import Decimal

from diff_match_patch import diff_match_patch
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.encoding import force_str
from django.utils.html import format_html_join
from import_export import fields, resources, widgets

from catalog.back_in_stock import notify_restocked
from catalog.models import Category, Product
from catalog.services import unique_slug
from core.money import parse_amount

COLUMNS = (
    "sku",
    "parent_sku",
    "name",
    "category",
    "description",
    "price",
    "stock",
    "stock_change",
    "low_stock_threshold",
    "weight_grams",
    "tax_class",
    "option1_name",
    "option2_name",
    "option1",
    "option2",
    "active",
)
# What saving an existing row writes: its columns, never `stock` (see the module docstring).
WRITTEN = [
    "parent",
    "name",
    "category",
    "description",
    "price",
    "low_stock_threshold",
    "weight_grams",
    "tax_class",
    "option1_name",
    "option2_name",
    "option1",
    "option2",
    "active",
    "updated_at",
]


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Text(widgets.CharWidget):
    """Text, trimmed; an empty cell is "" (or None with `blank_is_none`: keep the value)."""

    def __init__(self, blank_is_none: bool = False):
        super().__init__()
        self.blank_is_none = blank_is_none

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None if self.blank_is_none else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet's number, e.g. a numeric SKU
        return str(value).strip()


class Whole(widgets.Widget):
    """A whole number, signed; an empty cell is None."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        if isinstance(value, bool):
            raise ValueError("Enter a whole number.")
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError("Enter a whole number.") from None
        if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**9:
            raise ValueError("Enter a whole number.")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value if kwargs.get("force_native_type") else str(value)


class Money(widgets.Widget):
    """An amount (0 or more, at most 2 decimals); an empty cell is None."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        try:
            return parse_amount(value, zero=True)
        except ValueError as err:
            raise ValueError(f"The price {err}.") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value if kwargs.get("force_native_type") else str(value)


class Flag(widgets.Widget):
    """1/0, true/false or yes/no; an empty cell is None (keep the value)."""

    VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        text = str(int(value) if isinstance(value, bool | float) else value).strip().lower()
        if text not in self.VALUES:
            raise ValueError("Enter 1 or 0 (or true/false, yes/no).")
        return self.VALUES[text]

    def render(self, value, obj=None, **kwargs):
        return value if kwargs.get("force_native_type") else "1" if value else "0"


class CategoryBySlug(widgets.Widget):
    """A category named by its slug: an unknown slug is an error, never a new category."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        slug = str(value).strip()
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            raise ValueError(f'There is no category "{slug}" (add it in the admin first).')
        return category

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class ProductBySku(widgets.Widget):
    """A variant's product, by SKU: in the shop, or written by an earlier row of the file."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        sku = str(value).strip()
        product = Product.objects.select_related("category").filter(sku=sku).first()
        if product is None:
            raise ValueError(f'There is no product "{sku}" in the shop or on an earlier row.')
        return product

    def render(self, value, obj=None, **kwargs):
        return value.sku if value else ""


class InitialStock(fields.Field):
    """`stock` is read for a new row only; an existing row's stock moves by `stock_change`."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        if instance.pk is None:
            super().save(instance, row, is_m2m, **kwargs)


def _keep(attribute: str, widget) -> fields.Field:
    """A column whose empty cell keeps the row's value (a new row: the default)."""
    return fields.Field(attribute, attribute, widget, saves_null_values=False)


class StyleFreeDiff(resources.Diff):
    """The preview's per-cell diff as plain <ins>/<del>/<span> (import-export's own uses
    diff_match_patch's inline styles, which the shop's Content-Security-Policy blocks; its
    import.css styles ins and del)."""

    TAGS = {diff_match_patch.DIFF_INSERT: "ins", diff_match_patch.DIFF_DELETE: "del"}

    def as_html(self):
        dmp, cells = diff_match_patch(), []
        for old, new in zip(self.left, self.right, strict=False):
            if old != new and self.new:
                old = ""
            diff = dmp.diff_main(force_str(old), force_str(new))
            dmp.diff_cleanupSemantic(diff)
            parts = ((self.TAGS.get(op, "span"), text) for op, text in diff if text)
            cells.append(format_html_join("", "<{0}>{1}</{0}>", parts))
        return cells


class ProductResource(resources.ModelResource):
    """Products and variants, a row each; rows refused with a message per column."""

    sku = fields.Field("sku", "sku", Text())
    parent_sku = fields.Field("parent", "parent_sku", ProductBySku())
    name = fields.Field("name", "name", Text())
    category = fields.Field("category", "category", CategoryBySlug())
    description = fields.Field("description", "description", Text())
    price = fields.Field("price", "price", Money())
    stock = InitialStock("stock", "stock", Whole(), saves_null_values=False)
    # Not a column of the table: set on the row's instance, applied after it is saved.
    stock_change = fields.Field("stock_change", "stock_change", Whole())
    low_stock_threshold = fields.Field("low_stock_threshold", "low_stock_threshold", Whole())
    weight_grams = _keep("weight_grams", Whole())
    tax_class = _keep("tax_class", Text(blank_is_none=True))
    option1_name = fields.Field("option1_name", "option1_name", Text())
    option2_name = fields.Field("option2_name", "option2_name", Text())
    option1 = fields.Field("option1", "option1", Text())
    option2 = fields.Field("option2", "option2", Text())
    active = _keep("active", Flag())

    class Meta:
        model = Product
        fields = COLUMNS
        import_order = export_order = COLUMNS
        import_id_fields = ["sku"]
        clean_model_instances = True  # full_clean(): the model's validators and constraints
        skip_unchanged = True  # an unchanged row is reported as skipped and not written
        use_transactions = True
        name = "Products and variants"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dry_run, self.restocked = True, []  # set again by each import_data()

    def get_diff_class(self):
        return StyleFreeDiff

    # Export

    def filter_export(self, queryset, **kwargs):
        """The products asked for (the admin's list shows products), each followed by its
        variants, so that the file imports again as it is."""
        chosen = queryset.values("pk")
        return (
            Product.objects.filter(Q(pk__in=chosen) | Q(parent__in=chosen))
            .select_related("category", "parent")
            .annotate(family=Coalesce("parent_id", "id"))
            .order_by("family", F("parent_id").asc(nulls_first=True), "pk")
        )

    # Import

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing: any refused row rolls the whole file back (import-export would
        keep the valid rows of a file with invalid ones)."""
        self.dry_run, self.restocked = dry_run, []
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        new, parent_before = instance.pk is None, instance.parent_id
        option_count = len(instance.option_names)
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as err:
            errors = err.update_error_dict(errors)
        if "parent" in errors:
            errors["parent_sku"] = errors.pop("parent")
        elif not new and instance.parent_id != parent_before:
            errors["parent_sku"] = ["A product cannot become a variant, nor a variant move."]
        else:
            rules = self._variant_rules if instance.parent_id else self._product_rules
            for column, message in rules(instance, new, option_count, row):
                errors.setdefault(column, []).append(message)
        if new:
            instance.stock = (instance.stock or 0) + (getattr(instance, "stock_change", 0) or 0)
        if errors:
            raise ValidationError(errors)

    def _product_rules(self, product: Product, new: bool, option_count: int, row):
        if product.option1 or product.option2:
            yield "option1", "Only a variant has option values: give its parent_sku."
        if product.option1_name and product.option1_name == product.option2_name:
            yield "option2_name", "Give two different option names."
        if not new and len(product.option_names) != option_count and product.variants.exists():
            yield (
                "option1_name",
                "The product has variants: its options can be renamed, not added or removed.",
            )
        if new:
            product.slug = unique_slug(product.name)

    def _variant_rules(self, variant: Product, new: bool, option_count: int, row):
        """The rules of services.create_variant and the admin's variant form."""
        product = variant.parent
        if product.parent_id:
            yield "parent_sku", f"{product.sku} is a variant: name its product."
            return
        if not product.has_options:
            yield "parent_sku", f"{product.name} has no options: name them first (option1_name)."
            return
        # A variant is sold under its product's name and category.
        variant.name, variant.category = product.name, product.category
        variant.option1_name = variant.option2_name = ""
        missing = False
        for field, name in (("option1", product.option1_name), ("option2", product.option2_name)):
            value = getattr(variant, field)
            if name and not value:
                missing = True
                yield field, f"Give the {name.lower()}."
            elif not name and value:
                yield field, "The product has no such option."
        others = Product.objects.filter(parent=product).exclude(pk=variant.pk)
        if not missing and others.filter(option1=variant.option1, option2=variant.option2).exists():
            yield "option1", "Another variant of this product has these values."
        if new:
            if _empty(row.get("weight_grams")):
                variant.weight_grams = product.weight_grams
            if _empty(row.get("tax_class")):
                variant.tax_class = product.tax_class
            variant.slug = unique_slug(f"{product.slug}-{variant.sku}")

    def do_instance_save(self, instance, is_create):
        try:
            with transaction.atomic():
                if is_create:
                    instance.save(force_insert=True)
                else:
                    # Never `stock`: a checkout may have taken some since the row was read.
                    instance.save(update_fields=WRITTEN)
        except IntegrityError:
            raise ValidationError(
                "This row clashes with another product or variant (SKU or option values)."
            ) from None

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        change = getattr(instance, "stock_change", None)
        if not is_create and change:
            self._move_stock(instance, change)

    def _move_stock(self, product: Product, change: int) -> None:
        """stock = stock + change, on what the stock is now; refused below zero."""
        rows = Product.objects.filter(pk=product.pk, stock__gte=max(0, -change))
        moved = rows.update(stock=F("stock") + change)
        stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
        if not moved:
            raise ValidationError(
                {"stock_change": f"The stock is {stock}: {change} would take it below zero."}
            )
        if stock - change == 0:
            self.restocked.append(product.pk)
        product.stock = stock  # the preview shows the stock after the change

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.dry_run or result.has_errors() or result.has_validation_errors():
            return
        if self.restocked:
            notify_restocked(self.restocked)
