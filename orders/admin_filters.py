"""The order list's filters: payment state (from the money columns) and a date range."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Case, CharField, F, Q, Value, When
from django.http import QueryDict
from rangefilter.filters import DateRangeQuickSelectListFilterBuilder

# An order's payment state, from its money alone (the status says where it is in its life).
# The conditions never overlap and cover every order the model's constraints allow
# (amount_refunded ≤ amount_paid ≤ total). A free order (total 0) owes nothing: paid.
PAYMENT_STATES = {
    "unpaid": ("Unpaid", Q(amount_refunded=0, amount_paid__lt=F("total"))),
    "paid": ("Paid", Q(amount_refunded=0, amount_paid__gte=F("total"))),
    "partially_refunded": (
        "Partially refunded",
        Q(amount_refunded__gt=0, amount_refunded__lt=F("amount_paid")),
    ),
    "refunded": ("Refunded", Q(amount_refunded__gt=0, amount_refunded__gte=F("amount_paid"))),
}


def payment_state() -> Case:
    """The payment state's key as an expression, for `annotate(payment_state=...)`."""
    whens = [When(condition, then=Value(key)) for key, (_, condition) in PAYMENT_STATES.items()]
    return Case(*whens, output_field=CharField())


class PaymentStateFilter(admin.SimpleListFilter):
    title = "payment state"
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in PAYMENT_STATES.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in PAYMENT_STATES:
            raise IncorrectLookupParameters(f"No payment state {value!r}.")
        return queryset.filter(PAYMENT_STATES[value][1])


class PlacedDateFilter(DateRangeQuickSelectListFilterBuilder(title="date placed")):
    """django-admin-rangefilter's quick links and from/to dates, drawn without inline script.

    The package's template uses an inline <script> and <style>, which our
    Content-Security-Policy blocks; ours is a plain GET form with native date inputs that
    carries the list's other filters, search and ordering as hidden fields.
    """

    template = "admin/orders/order/date_range_filter.html"

    def choices(self, changelist):
        own, *links = super().choices(changelist)
        kept = QueryDict(own["query_string"].removeprefix("?"))
        own["hidden"] = [(name, value) for name, values in kept.lists() for value in values]
        yield own
        yield from links

    def queryset(self, request, queryset):
        # The package ignores a date it cannot read; refusing it keeps an export from
        # quietly holding every order (the list then says the filters are invalid).
        if self.form.is_bound and not self.form.is_valid():
            raise IncorrectLookupParameters(self.form.errors.as_text())
        return super().queryset(request, queryset)
