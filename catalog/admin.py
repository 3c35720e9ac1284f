from django import forms
from django.contrib import admin, messages
from django.utils.text import slugify

import catalog.admin_subscriptions  # noqa: F401  (registers StockSubscription)
from catalog import services
from catalog.admin_import import CatalogImportExportMixin
from catalog.admin_pictures import ProductImageInline
from catalog.back_in_stock import notify_restocked
from catalog.models import Category, Product, ProductImage, Variant
from catalog.resources import ProductResource
from core.errors import ShopError


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class VariantForm(forms.ModelForm):
    """A variant row: one value for each option its product has, none for the others."""

    class Meta:
        model = Product
        fields = ["sku", "option1", "option2", "price", "stock", "weight_grams", "tax_class"]
        fields += ["picture", "active"]

    def clean(self):
        data = super().clean()
        product = self.parent  # set by VariantInline.get_formset
        for field, name in (("option1", product.option1_name), ("option2", product.option2_name)):
            value = (data.get(field) or "").strip()
            if name and not value:
                self.add_error(field, f"Give the {name.lower()}.")
            elif not name and value:
                self.add_error(field, "The product has no such option.")
        return data


class VariantInline(admin.TabularInline):
    model = Product
    fk_name = "parent"
    form = VariantForm
    extra = 0
    verbose_name, verbose_name_plural = "variant", "variants"
    show_change_link = False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A variant's picture is one of its product's.
        pictures = ProductImage.objects.filter(product=obj) if obj else ProductImage.objects.none()
        formset.form.base_fields["picture"].queryset = pictures
        formset.form.parent = obj
        return formset


class ProductForm(forms.ModelForm):
    values1 = forms.CharField(
        label="Values of the first option",
        required=False,
        help_text='Comma-separated, e.g. "250 g, 1 kg": saving adds the missing variants.',
    )
    values2 = forms.CharField(label="Values of the second option", required=False)

    class Meta:
        model = Product
        fields = ["category", "sku", "name", "slug", "description", "active", "price", "stock"]
        fields += ["weight_grams", "tax_class", "option1_name", "option2_name"]

    def values(self) -> list[list[str]]:
        names = [self.cleaned_data.get("option1_name"), self.cleaned_data.get("option2_name")]
        raw = [self.cleaned_data.get("values1", ""), self.cleaned_data.get("values2", "")]
        return [
            [value.strip() for value in text.split(",") if value.strip()]
            for name, text in zip(names, raw, strict=True)
            if name
        ]


@admin.register(Product)
class ProductAdmin(CatalogImportExportMixin, admin.ModelAdmin):
    form = ProductForm
    resource_classes = [ProductResource]  # CSV/XLSX import and export (catalog/resources.py)
    list_display = [
        "sku",
        "name",
        "category",
        "price",
        "stock",
        "weight_grams",
        "tax_class",
        "active",
        "updated_at",
    ]
    list_editable = ["price", "stock", "active"]
    list_filter = ["active", "category", "tax_class", "created_at"]
    list_select_related = ["category"]
    search_fields = ["sku", "name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["category", "sku", "name", "slug", "description", "active"]}),
        (
            "Pricing and inventory",
            {"fields": ["price", "stock", "low_stock_threshold", "weight_grams", "tax_class"]},
        ),
        (
            "Options",
            {
                "description": "A product with options is sold as its variants (below): "
                "its price is theirs unless they have one; its own stock is not sold.",
                "fields": [("option1_name", "values1"), ("option2_name", "values2")],
            },
        ),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(parent__isnull=True)

    def get_inlines(self, request, obj):
        if obj is not None and obj.has_options:
            return [ProductImageInline, VariantInline]
        return [ProductImageInline]

    def save_model(self, request, obj, form, change):
        # Write only what the form (or the changelist row) changed: a checkout may have
        # taken stock since the form was read, and saving the row whole would undo it.
        columns = {field.name for field in Product._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in columns]
        obj.save(update_fields=[*changed, "updated_at"] if change else None)
        if change and {"stock", "active"} & set(changed):
            notify_restocked([obj.pk])  # whoever waits for it, if it is on sale now

    def save_formset(self, request, form, formset, change):
        product = form.instance
        variants = formset.forms if formset.fk.name == "parent" else []
        for variant_form in variants:
            variant = variant_form.instance
            if variant.pk is None and variant_form.has_changed():
                variant.category, variant.name = product.category, product.name
                variant.slug = services.unique_slug(f"{product.slug}-{slugify(variant.sku)}")
        super().save_formset(request, form, formset, change)
        restocked = [f.instance.pk for f in variants if {"stock", "active"} & set(f.changed_data)]
        notify_restocked([pk for pk in restocked if pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        values = form.values()
        if any(values):
            try:
                made = services.generate_variants(product=form.instance, values=values)
            except ShopError as err:
                messages.error(request, f"No variants added: {err.message}")
            else:
                messages.success(request, f"{len(made)} variant(s) added.")


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    """Every variant in one list: stock and prices edited in bulk."""

    list_display = ["sku", "parent", "option1", "option2", "price", "stock", "active"]
    list_editable = ["price", "stock", "active"]
    list_filter = ["active", "parent__category"]
    list_select_related = ["parent"]
    search_fields = ["sku", "parent__name", "option1", "option2"]
    fields = ["parent", "sku", "option1", "option2", "price", "stock", "weight_grams"]
    fields += ["tax_class", "picture", "active"]
    readonly_fields = ["parent"]

    def has_add_permission(self, request):
        return False  # variants are added on their product's page

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalog.view_product") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("catalog.change_product")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("catalog.delete_product")

    def save_model(self, request, obj, form, change):
        obj.save(update_fields=[*form.changed_data, "updated_at"])
        if {"stock", "active"} & set(form.changed_data):
            notify_restocked([obj.pk])
