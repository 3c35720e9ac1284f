"""The order list as a CSV file, streamed: flat memory however many orders it holds.

One row per order (its lines in one cell), so summing a money column in a spreadsheet
counts each order once. The orders are read in one query in chunks of CHUNK_SIZE, and the
lines of each chunk in one more.
"""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from orders.admin_filters import payment_state
from orders.models import Order, OrderLine

CHUNK_SIZE = 500

HEADER = [
    "number",
    "created",
    "status",
    "payment state",
    "email",
    "name",
    "country",
    "lines",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "tax included",
    "total",
    "amount paid",
    "amount refunded",
    "currency",
    "coupon",
    "shipping method",
]
ORDER_FIELDS = [
    "number",
    "created_at",
    "status",
    "email",
    "ship_name",
    "ship_country",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "tax_included",
    "total",
    "amount_paid",
    "amount_refunded",
    "currency",
    "coupon_code",
    "shipping_method_name",
]
LINE_FIELDS = ["order_id", "sku", "name", "quantity", "options"]
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _line_text(line: OrderLine) -> str:
    """E.g. "2 × apple (Apple, Size: 1 kg)": quantity, SKU, name and a variant's values."""
    details = [line.name, *(f"{option}: {value}" for option, value in line.options.items())]
    return f"{line.quantity} × {line.sku} ({', '.join(details)})"


def _row(order: Order) -> list:
    """The order's cells, in HEADER's order; money as Decimal (plain "12.50")."""
    created = timezone.localtime(order.created_at, timezone.get_default_timezone())
    return [
        order.number,
        created.isoformat(timespec="seconds"),
        order.status,
        order.payment_state,
        order.email,
        order.ship_name,
        order.ship_country.code,
        "; ".join(_line_text(line) for line in order.lines.all()),
        order.subtotal,
        order.discount,
        order.shipping,
        order.tax,
        "yes" if order.tax_included else "no",
        order.total,
        order.amount_paid,
        order.amount_refunded,
        order.currency,
        order.coupon_code,
        order.shipping_method_name,
    ]


def _safe(value):
    """Text as a spreadsheet shows it, never as a formula; numbers (Decimal) as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file whose write() returns the line, so csv.writer hands back each row's text."""

    def write(self, value: str) -> str:
        return value


def orders_for_export(queryset: QuerySet[Order]) -> Iterator[Order]:
    """The queryset's orders with their payment state, read in chunks with their lines."""
    lines = Prefetch("lines", queryset=OrderLine.objects.only(*LINE_FIELDS))
    return (
        queryset.only(*ORDER_FIELDS)
        .annotate(payment_state=payment_state())
        .prefetch_related(lines)
        .iterator(chunk_size=CHUNK_SIZE)
    )


def csv_rows(orders: Iterable[Order]) -> Iterator[str]:
    """The header, then one CSV line per order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for order in orders:
        yield writer.writerow([_safe(cell) for cell in _row(order)])


def csv_response(queryset: QuerySet[Order]) -> StreamingHttpResponse:
    """Stream the orders as a CSV download named after today's date."""
    response = StreamingHttpResponse(
        csv_rows(orders_for_export(queryset)), content_type="text/csv; charset=utf-8"
    )
    filename = (
        f"orders-{timezone.localdate(timezone=timezone.get_default_timezone()).isoformat()}.csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
