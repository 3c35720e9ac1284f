"""The cart saved against an account, so that it follows the user across sessions."""

from django.utils import timezone

from cart.models import SavedCart


def saved_cart(user) -> dict | None:
    """The account's saved cart (the session's cart shape), or None if it has none."""
    return SavedCart.objects.filter(user=user).values_list("data", flat=True).first()


def save_cart(user, data: dict) -> None:
    """Store the cart against the account in one upsert (INSERT ... ON CONFLICT UPDATE)."""
    SavedCart.objects.bulk_create(
        [SavedCart(user=user, data=data, updated_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["data", "updated_at"],
    )


def merge_carts(saved: dict | None, anonymous: dict, *, max_lines: int, max_qty: int) -> dict:
    """The anonymous cart added into the saved one: quantities add, capped per line and lines.

    The anonymous cart keeps its id (stable for the session's life), its coupon and its
    destination if it has them; its lines come first, so that what the shopper just picked
    survives the line cap.
    """
    saved = saved or {}
    old = {str(pk): int(n) for pk, n in (saved.get("items") or {}).items()}
    new = {str(pk): int(n) for pk, n in (anonymous.get("items") or {}).items()}
    items = {pk: min(max_qty, old.get(pk, 0) + n) for pk, n in list(new.items())[:max_lines]}
    for pk, n in old.items():
        if pk not in items and len(items) < max_lines:
            items[pk] = min(max_qty, n)
    merged = {
        "id": anonymous.get("id") or saved.get("id"),
        "items": items,
        "coupon": anonymous.get("coupon") or saved.get("coupon"),
    }
    # The destination (country and shipping method) travels as a pair.
    destination = anonymous if anonymous.get("country") else saved
    for key in ("country", "method"):
        if destination.get(key):
            merged[key] = destination[key]
    return merged
