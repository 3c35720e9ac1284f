"""Payments and refunds in the order admin: read-only inlines, refund actions, a refund form.

OrderAdmin (orders/admin.py) mixes in PaymentAdminMixin and appends the inlines and action.
Every change goes through orders.payments.charge.refund.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import ShopError
from core.money import parse_amount
from core.text import validate_line
from orders.models import Order, Payment, Refund
from orders.payments.refund import refund


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows as they are: no adding, changing or deleting."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "created_at",
        "amount",
        "status",
        "card_brand",
        "card_last4",
        "reference",
        "gateway",
        "gateway_charge_id",
        "error_code",
    ]


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["created_at", "amount", "status", "restock", "reason", "actor", "reference"]


@admin.action(description="Refund what remains (no restock)", permissions=["refund"])
def refund_what_remains(modeladmin, request, queryset):
    done = 0
    for order in queryset.order_by("pk"):
        try:
            refund(order=order, actor=request.user, actor_label="staff", allow_shipped=True)
        except ShopError as err:
            modeladmin.message_user(request, f"{order.number}: {err.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} order(s) refunded.", messages.SUCCESS)


class RefundForm(forms.Form):
    amount = forms.CharField(
        required=False,
        max_length=20,
        help_text="Leave empty to refund all that remains. At most 2 decimals.",
    )
    restock = forms.BooleanField(
        required=False,
        help_text="Put the units back in stock (only with a refund of all that remains).",
    )
    reason = forms.CharField(required=False, max_length=500, validators=[validate_line])

    def clean_amount(self):
        raw = self.cleaned_data["amount"].strip()
        if not raw:
            return None
        try:
            return parse_amount(raw)
        except ValueError as err:
            raise forms.ValidationError(f"Amount {err}.") from None


class PaymentAdminMixin:
    """Adds the refund page (a partial amount, restock, reason) to OrderAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.refund_view)
        return [
            path("<int:order_id>/refund/", view, name="orders_order_refund"),
            *super().get_urls(),
        ]

    def has_refund_permission(self, request):
        """For the refund action, page and link alike."""
        return request.user.has_perm("orders.refund_order")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and self.has_refund_permission(request):
            fieldsets.append(("Refund", {"fields": ["refund_link"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "refund_link"]

    @admin.display(description="Refund")
    def refund_link(self, order: Order):
        if order.amount_refundable <= 0:
            return "Nothing left to refund."
        url = reverse("admin:orders_order_refund", args=[order.pk])
        left = f"{order.amount_refundable} {order.currency}"
        return format_html('<a class="button" href="{}">Refund…</a> ({} remaining)', url, left)

    def refund_view(self, request, order_id: int):
        if not self.has_refund_permission(request):
            raise PermissionDenied
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise Http404("No such order.")
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund(
                    order=order,
                    actor=request.user,
                    actor_label="staff",
                    allow_shipped=True,
                    **form.cleaned_data,
                )
            except ShopError as err:
                form.add_error("amount" if err.status == 409 else None, err.message)
            else:
                order.refresh_from_db()
                self.message_user(
                    request,
                    f"Refunded. {order.number} has {order.amount_refunded} "
                    f"{order.currency} refunded of {order.amount_paid}.",
                    messages.SUCCESS,
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund order {order.number}",
            "opts": self.model._meta,
            "original": order,
            "order": order,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/order/refund.html", context)
