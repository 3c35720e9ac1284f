"""What the shopper was shown: the cart's figures, kept in the session, and what changed since.

Checkout compares today's figures with the last ones shown for the cart (a cart page, the
checkout page, a cart API response) and refuses to charge silently at new ones
(orders.errors.QuoteChanged). A quote holds ids, quantities and amounts as strings, so a
50-line cart's quote still fits a signed cookie beside the cart.
"""

from decimal import Decimal

from cart.selectors import CartSummary

MONEY = {"unit_price", "discount", "shipping", "tax", "total"}


def _amount(value) -> str | None:
    return None if value is None else str(value)


def quote_of(summary: CartSummary) -> dict:
    """The figures of a priced cart, as stored in the session."""
    method = summary.shipping_method
    return {
        "cart_id": summary.cart_id,
        "lines": [[ln.product.id, ln.quantity, str(ln.unit_price)] for ln in summary.lines],
        "coupon": summary.coupon.code if summary.coupon else None,
        "discount": str(summary.discount),
        "country": summary.country,
        "method": method.id if method else None,
        "method_name": method.name if method else None,
        "shipping": _amount(summary.shipping),
        "tax": _amount(summary.tax),
        "total": str(summary.total),
    }


def changes(
    shown: dict | None, now: dict, names: dict[int, str], *, method_chosen: bool = True
) -> list[dict]:
    """What differs between the quote shown and today's, one dict per change (amounts as
    Decimal).

    Lines (quantity, price), coupon and discount are always compared. Shipping, tax and the
    total are compared when both quotes are for the same country and either the same
    method or, when the buyer named none (`method_chosen` False), whichever was the
    cheapest then and now (a new cheapest is itself a change). A destination the buyer
    changed was never shown, so its figures cannot have changed. `names` maps line ids (the
    product or variant bought) to names for the messages.
    """
    if shown is None:
        return []
    found = []
    old = {pk: (qty, price) for pk, qty, price in shown["lines"]}
    new = {pk: (qty, price) for pk, qty, price in now["lines"]}
    for pk in [*old, *(pk for pk in new if pk not in old)]:
        (old_qty, old_price), (new_qty, new_price) = old.get(pk, (0, None)), new.get(pk, (0, None))
        line = {"product_id": pk, "name": names.get(pk, "A product no longer sold")}
        if old_qty != new_qty:
            found.append({"field": "quantity", **line, "old": old_qty, "new": new_qty})
        elif old_price != new_price:
            found.append({"field": "unit_price", **line, "old": old_price, "new": new_price})
    fields = ["coupon", "discount"]
    if shown["country"] == now["country"]:
        if shown["method"] == now["method"]:
            fields += ["shipping", "tax", "total"]
        elif not method_chosen:
            fields += ["method_name", "shipping", "tax", "total"]
    found += [
        {"field": name, "old": shown.get(name), "new": now[name]}
        for name in fields
        if shown.get(name) != now[name]
    ]
    for change in found:
        if change["field"] in MONEY:
            change["old"], change["new"] = _money(change["old"]), _money(change["new"])
    return found


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def describe(change: dict, currency: str) -> str:
    """One change as a sentence for the page and the error message."""
    labels = {"unit_price": "price", "quantity": "quantity", "method_name": "Shipping method"}
    if "product_id" in change:
        what = f"{change['name']}: {labels[change['field']]}"
    else:
        what = labels.get(change["field"], change["field"].capitalize())
    old, new = change["old"], change["new"]
    unit = f" {currency}" if change["field"] in MONEY else ""
    return f"{what} {old if old is not None else '—'} → {new if new is not None else '—'}{unit}"
