from django.contrib import admin

from catalog.models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        # Write only what the form (or the changelist row) changed: a checkout may have
        # taken stock since the form was read, and saving the row whole would undo it.
        obj.save(update_fields=[*form.changed_data, "updated_at"] if change else None)
