"""Shipping methods (with their weight bands) and tax rates in the admin.

Staff need the Django permissions of ShippingMethod and TaxRate, as in the staff API; a
method's bands are part of the method, so editing them needs the method's permission.
"""

from django.contrib import admin
from django_countries.filters import CountryFilter

from pricing.models import ShippingBand, ShippingMethod, TaxRate
from pricing.services import METHOD_FIELDS


class ShippingBandInline(admin.TabularInline):
    model = ShippingBand
    fields = ["up_to_grams", "price"]
    extra = 1

    # The bands belong to the method: whoever may add or change it may edit its bands.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("pricing.view_shippingmethod") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    @staticmethod
    def _may_edit(request, method: ShippingMethod | None) -> bool:
        action = "change" if method is not None and method.pk else "add"
        return request.user.has_perm(f"pricing.{action}_shippingmethod")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "price", "free_over", "zone", "tax_class", "active", "position"]
    list_filter = ["active", "all_countries", "tax_class"]
    search_fields = ["name"]
    fields = list(METHOD_FIELDS)  # the same fields as the staff API edits
    inlines = [ShippingBandInline]

    @admin.display(description="Zone")
    def zone(self, method: ShippingMethod) -> str:
        if method.all_countries:
            return "All countries"
        return ", ".join(country.code for country in method.countries) or "—"


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["country", "tax_class", "rate"]
    list_filter = [("country", CountryFilter), "tax_class"]  # the countries with a rate
    search_fields = ["country"]
