"""`{% cart_rows summary.lines %}`: the cart table's rows, rendered in Python.

Through the template engine, 20 rows with their two forms each cost ~10 ms of CPU (three
`{% url %}`, two `{% csrf_token %}` and a dozen variables per row); formatted here they
cost a few hundredths of that. The markup is what cart/detail.html had in its loop, with
every text escaped (html.escape, which is what Django's escape filter runs; numbers need
none).

A row is cached in this process under everything it shows (the product's columns, the
quantity, the currency, the script prefix), like shop/fragments.py: exact, never stale,
and shared by every cart holding that product in that quantity. The CSRF token is
filled in per page, so no shopper sees another's.
"""

from functools import lru_cache
from html import escape

from django import template
from django.core.signals import setting_changed
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe

from cart.cart import Cart

register = template.Library()


CSRF_SLOT = "<!--slot:csrf_token-->"  # escaped text can never contain "<"


# Prices are always in cents (core.money.cents_from_db), so equal keys print alike.
@lru_cache(maxsize=4096)  # ~1.2 KB each: a few MB per worker at most
def _row(product, quantity: int, currency: str, prefix: str) -> str:
    name, pk, csrf = escape(product.name), product.id, CSRF_SLOT
    url = escape(reverse("catalog:detail", args=[product.slug]))
    update = escape(reverse("cart:update", args=[pk]))
    remove = escape(reverse("cart:remove", args=[pk]))
    return f"""
    <tr>
      <td><a href="{url}">{name}</a></td>
      <td class="num hide-sm">{product.price} {currency}</td>
      <td>
        <form class="qty-form" method="post" action="{update}">{csrf}
          <label for="qty-{pk}" class="visually-hidden">Quantity of {name}</label>
          <input id="qty-{pk}" type="number" name="quantity" value="{quantity}" min="0"
            max="{Cart.MAX_QTY}" required>
          <button type="submit" class="btn btn-secondary">Update</button>
        </form>
      </td>
      <td class="num">{product.price * quantity} {currency}</td>
      <td>
        <form method="post" action="{remove}">{csrf}
          <button type="submit" class="btn-link"
            >Remove<span class="visually-hidden"> {name}</span></button>
        </form>
      </td>
    </tr>"""


@register.simple_tag(takes_context=True)
def cart_rows(context, lines) -> str:
    """One <tr> per cart line: link, price, quantity form, total, remove form."""
    currency, prefix = escape(str(context.get("CURRENCY", ""))), get_script_prefix()
    rows = "".join([_row(line.product, line.quantity, currency, prefix) for line in lines])
    # Every value in a row is escaped or a number; the token is the one {% csrf_token %} gives.
    return mark_safe(rows.replace(CSRF_SLOT, CsrfTokenNode().render(context)))


def _forget(**kwargs) -> None:
    _row.cache_clear()  # the URLconf changed (tests)


setting_changed.connect(_forget, dispatch_uid="cart.cart_rows.forget")
