"""Low-stock alerts: staff get one email when a sale takes a row's stock to or below its
low-stock threshold (the row's own, else LOW_STOCK_THRESHOLD), not one per sale after it.

A sale crosses the threshold when the stock before it was above and the stock after it is
at or below. Called by checkout right after its conditional UPDATEs, in its transaction:
the UPDATE holds each row's lock until the commit, so the stock read here is exactly what
this sale left and the units before it are that plus the units sold. Two sales cannot both
cross; a restock above the threshold lets the next crossing alert again.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from catalog.models import Product
from catalog.selectors import low_stock_threshold
from core.links import site_link
from outbox.services import enqueue


def note_sales(sold: Iterable[tuple[int, int]]) -> list[Product]:
    """For (product id, units taken) pairs of one checkout: the rows this sale took to or
    below their threshold, and one email to staff listing them (none if no row crossed).
    One query, plus one for the recipients when a row crossed."""
    units = dict(sold)
    rows = (
        Product.objects.filter(pk__in=units)
        .annotate(threshold=low_stock_threshold())
        .select_related("parent")
        .order_by("sku")
    )
    crossed = [p for p in rows if p.stock <= p.threshold < p.stock + units[p.pk]]
    if crossed:
        _alert(crossed)
    return crossed


def recipients() -> list[str]:
    """STAFF_ALERT_EMAILS, else every active staff member with an address who may change
    products (superusers included)."""
    if settings.STAFF_ALERT_EMAILS:
        return list(settings.STAFF_ALERT_EMAILS)
    change = Permission.objects.filter(content_type__app_label="catalog", codename="change_product")
    may = Q(is_superuser=True) | Q(user_permissions__in=change) | Q(groups__permissions__in=change)
    allowed = get_user_model().objects.filter(may, is_active=True, is_staff=True).exclude(email="")
    return sorted(set(allowed.values_list("email", flat=True)))


def _alert(rows: list[Product]) -> None:
    def link(row: Product) -> str:  # a variant is edited on its product's page
        return site_link(reverse("admin:catalog_product_change", args=[row.parent_id or row.pk]))

    context = {"rows": [(row, link(row)) for row in rows]}
    subject = (
        f"Low stock: {rows[0].sku}"
        if len(rows) == 1
        else f"Low stock: {rows[0].sku} and {len(rows) - 1} more"
    )
    text = render_to_string("catalog/email/low_stock.txt", context)
    for to in recipients():
        enqueue(to=to, subject=subject, text_body=text)
