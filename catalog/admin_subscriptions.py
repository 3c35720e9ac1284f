"""Back-in-stock subscriptions in the admin: a list to read (and delete), never to edit."""

from django.contrib import admin

from catalog.models import StockSubscription


class _DateSetFilter(admin.SimpleListFilter):
    """Yes/no on whether a date field is set (`parameter_name` is the field)."""

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.parameter_name}__isnull": self.value() == "no"})
        return queryset


class ConfirmedFilter(_DateSetFilter):
    title, parameter_name = "confirmed", "confirmed_at"


class NotifiedFilter(_DateSetFilter):
    title, parameter_name = "notified", "notified_at"


@admin.register(StockSubscription)
class StockSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "product", "user", "created_at", "confirmed_at", "notified_at"]
    list_filter = [("product", admin.RelatedOnlyFieldListFilter), ConfirmedFilter, NotifiedFilter]
    list_select_related = ["product", "user"]
    search_fields = ["email", "product__sku", "product__name"]
    date_hierarchy = "created_at"
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False  # shoppers subscribe on the product page

    def has_change_permission(self, request, obj=None):
        return False
