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

register = template.Library()

ROW = """
    <tr>
      <td><a href="{url}">{name}</a></td>
      <td class="num hide-sm">{price} {currency}</td>
      <td>
        <form class="qty-form" method="post" action="{update}">{csrf}
          <label for="qty-{pk}" class="visually-hidden">Quantity of {name}</label>
          <input id="qty-{pk}" type="number" name="quantity" value="{quantity}" min="0"
            max="{max}" required>
          <button type="submit" class="btn btn-secondary">Update</button>
        </form>
      </td>
      <td class="num">{total} {currency}</td>
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
    from cart.cart import Cart

    csrf = CsrfTokenNode().render(context)
    currency, prefix = escape(str(context.get("CURRENCY", ""))), get_script_prefix()
    rows = []
    for line in lines:
        product, name = line.product, escape(line.product.name)
        rows.append(
            ROW.format(
                url=_url("catalog:detail", product.slug, prefix),
                update=_url("cart:update", product.pk, prefix),
                remove=_url("cart:remove", product.pk, prefix),
                pk=product.pk,
                name=name,
                price=line.unit_price,
                total=line.line_total,
                quantity=line.quantity,
                max=Cart.MAX_QTY,
                currency=currency,
                csrf=csrf,
            )
        )
    return mark_safe("".join(rows))  # every value above is escaped or a number


def _forget(**kwargs) -> None:
    _url.cache_clear()  # the URLconf changed (tests)


setting_changed.connect(_forget, dispatch_uid="cart.cart_rows.forget")
