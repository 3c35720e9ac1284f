"""Coupons in the Django admin (the only place staff manage them)."""

from django.contrib import admin

from cart.models import Coupon


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "kind",
        "value",
        "active",
        "starts_at",
        "ends_at",
        "times_used",
        "usage_limit",
        "min_subtotal",
    )
    list_filter = ("active", "kind")
    search_fields = ("code",)
    readonly_fields = ("times_used",)  # counted when an order is placed with the coupon
    fieldsets = (
        (None, {"fields": ("code", "kind", "value", "active")}),
        (
            "Limits",
            {"fields": ("starts_at", "ends_at", "usage_limit", "times_used", "min_subtotal")},
        ),
    )

    def save_model(self, request, obj, form, change):
        # Write only what the form changed, never times_used: a checkout may have counted
        # a use since the form was read, and saving the row whole would undo it.
        obj.save(update_fields=form.changed_data if change else None)
