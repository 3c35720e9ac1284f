"""Order admin: read the order, its lines and history; change state only through the actions.

The list filters by status, date range, country and payment state, searches numbers, emails
and names, and exports what it shows as CSV (orders/admin_export.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django_countries.filters import CountryFilter

from core.errors import ShopError
from orders.admin_export import csv_response
from orders.admin_filters import PaymentStateFilter, PlacedDateFilter
from orders.models import Order, OrderEvent, OrderLine, SavedAddress
from orders.payments.admin import (
    PaymentAdminMixin,
    PaymentInline,
    ReadOnlyInline,
    RefundInline,
    refund_what_remains,
)
from orders.services.lifecycle import cancel, ship


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "product",
        "sku",
        "name",
        "unit_price",
        "quantity",
        "discount",
        "tax_rate",
        "tax",
        "restocked",
    ]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "actor", "note"]


def _run(modeladmin, request, queryset, service, done: str) -> None:
    """Apply a service to each selected order (pk order), one transaction each; report once:
    how many it changed, and each order it skipped with the reason."""
    ok, skipped = 0, []
    for order in queryset.order_by("pk"):
        try:
            service(order=order, actor=request.user, actor_label="staff")
        except ShopError as err:
            # Most messages name the order already ("Order CS-… is pending payment …").
            named = order.number in err.message
            skipped.append((err.message if named else f"{order.number}: {err.message}",))
        else:
            ok += 1
    summary = f"{ok} order(s) {done}."
    if skipped:
        reasons = format_html_join("", "<li>{}</li>", skipped)
        summary = format_html("{} {} skipped:<ul>{}</ul>", summary, len(skipped), reasons)
    level = messages.ERROR if not ok else messages.WARNING if skipped else messages.SUCCESS
    modeladmin.message_user(request, summary, level)


@admin.action(description="Mark shipped", permissions=["ship"])
def mark_shipped(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, ship, "marked shipped")


@admin.action(description="Cancel (restock; refunds paid orders first)", permissions=["cancel"])
def cancel_and_restock(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, cancel, "cancelled and restocked")


@admin.register(Order)
class OrderAdmin(PaymentAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "email",
        "ship_name",
        "ship_country",
        "status",
        "total",
        "amount_paid",
        "amount_refunded",
        "currency",
    ]
    list_filter = [
        "status",
        ("created_at", PlacedDateFilter),
        ("ship_country", CountryFilter),
        PaymentStateFilter,
    ]
    # The account holder's name too: a shopper may ship to someone else.
    search_fields = ["number", "email", "ship_name", "user__name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    # Plain lists, so the payments admin can append: inlines += [...]; actions += [...].
    inlines = [OrderLineInline, PaymentInline, RefundInline, OrderEventInline]
    actions = [mark_shipped, cancel_and_restock, refund_what_remains]
    fieldsets = [
        (None, {"fields": ["number", "status", "user", "email", "created_at", "expires_at"]}),
        (
            "Shipping address",
            {"fields": ["ship_name", "ship_street", "ship_city", "ship_zip", "ship_country"]},
        ),
        (
            "Money",
            {
                "fields": [
                    "currency",
                    "subtotal",
                    "coupon_code",
                    "discount",
                    "shipping_method_name",
                    "shipping",
                    "shipping_tax",
                    "tax",
                    "tax_included",
                    "total",
                    "amount_paid",
                    "amount_refunded",
                ]
            },
        ),
        ("Bookkeeping", {"fields": ["stock_released", "payment_claim", "updated_at"]}),
    ]
    # Staff may fix a typo in the address; everything else changes only through services.
    readonly_fields = [
        "number",
        "status",
        "user",
        "email",
        "created_at",
        "expires_at",
        "currency",
        "subtotal",
        "coupon_code",
        "discount",
        "shipping_method_name",
        "shipping",
        "shipping_tax",
        "tax",
        "tax_included",
        "total",
        "amount_paid",
        "amount_refunded",
        "stock_released",
        "payment_claim",
        "updated_at",
    ]

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="orders_order_export"), *super().get_urls()]

    def export_view(self, request):
        """The orders the list shows with the same filters, search and ordering, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            orders = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            message = "Those filters are not valid: nothing was exported."
            self.message_user(request, message, messages.ERROR)
            return redirect("admin:orders_order_changelist")
        return csv_response(orders)

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # orders are records: cancel them instead

    # Each action needs its own permission (Order.Meta.permissions); the admin hides and
    # refuses an action whose has_<name>_permission is false.
    def has_ship_permission(self, request):
        return request.user.has_perm("orders.ship_order")

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.cancel_order")

    def save_model(self, request, obj, form, change):
        # Write only the address fields the form changed: the row read for the form may be
        # stale (paid or shipped meanwhile), and saving it whole would undo that.
        obj.save(update_fields=[*form.changed_data, "updated_at"] if change else None)


@admin.register(SavedAddress)
class SavedAddressAdmin(admin.ModelAdmin):
    """Shoppers' address books, to read; shoppers change them (the one default, the limit)."""

    list_display = ["user", "name", "street", "zip", "city", "country", "is_default", "created_at"]
    list_filter = ["is_default", "country"]
    search_fields = ["user__email", "name", "street", "city", "zip"]
    list_select_related = ["user"]
    ordering = ["user", "-is_default", "created_at", "id"]
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view only: the services keep one default per book

    def has_delete_permission(self, request, obj=None):
        return False  # a shopper deletes their addresses, or their account with them
