"""`{% cart_rows summary.lines %}`: the cart table's rows, rendered in Python.

Through the template engine, 20 rows with their two forms each cost ~10 ms of CPU (three
`{% url %}`, two `{% csrf_token %}` and a dozen variables per row); formatted here they
cost a few hundredths of that. The markup is what cart/detail.html had in its loop, with
every text escaped (html.escape, which is what Django's escape filter runs; numbers need
none); URLs are reversed and escaped once per product and process.
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


def _row(line, currency: str, csrf: str, prefix: str) -> str:
    product, name, pk = line.product, escape(line.product.name), line.product.id
    url = _url("catalog:detail", product.slug, prefix)
    update, remove = _url("cart:update", pk, prefix), _url("cart:remove", pk, prefix)
    return f"""
    <tr>
      <td><a href="{url}">{name}</a></td>
      <td class="num hide-sm">{line.unit_price} {currency}</td>
      <td>
        <form class="qty-form" method="post" action="{update}">{csrf}
          <label for="qty-{pk}" class="visually-hidden">Quantity of {name}</label>
          <input id="qty-{pk}" type="number" name="quantity" value="{line.quantity}" min="0"
            max="{Cart.MAX_QTY}" required>
          <button type="submit" class="btn btn-secondary">Update</button>
        </form>
      </td>
      <td class="num">{line.line_total} {currency}</td>
      <td>
        <form method="post" action="{remove}">{csrf}
          <button type="submit" class="btn-link"
            >Remove<span class="visually-hidden"> {name}</span></button>
        </form>
      </td>
    </tr>"""


@lru_cache(maxsize=8192)
def _url(name: str, arg, prefix: str) -> str:
    return escape(reverse(name, args=[arg]))


@register.simple_tag(takes_context=True)
def cart_rows(context, lines) -> str:
    """One <tr> per cart line: link, price, quantity form, total, remove form."""
    csrf = CsrfTokenNode().render(context)
    currency, prefix = escape(str(context.get("CURRENCY", ""))), get_script_prefix()
    # Every value in a row is escaped or a number.
    return mark_safe("".join(_row(line, currency, csrf, prefix) for line in lines))


def _forget(**kwargs) -> None:
    _url.cache_clear()  # the URLconf changed (tests)


setting_changed.connect(_forget, dispatch_uid="cart.cart_rows.forget")
