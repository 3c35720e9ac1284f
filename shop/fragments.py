"""Rendered HTML fragments, cached in this process under the exact data they show.

A fragment is keyed on the data it is rendered from (e.g. the fields of the product cards
on a catalog page), which the view reads on every request anyway: any change of what it
shows is a new key, so a cached fragment is never stale, on any worker, whatever wrote the
change. Per-request values (the CSRF token, the current URL) are slots: markers in the
cached HTML, filled in on every request, so no shopper ever gets another's token.

    html = fragments.render(
        "catalog/_grid.html",
        key=cards,  # a tuple of everything the template shows
        context=lambda: {"cards": cards, "CURRENCY": settings.CURRENCY},  # only on a miss
        slots={"csrf_token": csrf(request)["csrf_token"], "next": request.get_full_path()},
    )

The template gets each slot as a variable (so `{% csrf_token %}` and `{{ next }}` work as
usual) and must not read `request`. Cached fragments live in a bounded LRU per process,
not in Django's cache: a hit costs a dict lookup instead of a Redis round trip and
unpickling, and fragments never evict the throttle counters kept in the default cache.
Each worker renders a given page once per change of its data.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.autoreload import file_changed
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

MAX_FRAGMENTS = 256  # about 12 KB each for a 20-card grid: a few MB per worker at most

_fragments: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()  # the dev server and tests run requests in threads


def _marker(name: str) -> str:
    # Autoescaped data can never produce "<", so only the template's own slot can.
    return f"<!--slot:{name}-->"


def render(
    template_name: str,
    *,
    key: object,
    context: Callable[[], dict],
    slots: dict[str, str] | None = None,
) -> SafeString:
    """The template rendered with context(), cached under key, with the slots filled in.

    key: everything the output shows, as hashable values (tuples, named tuples, strings,
    numbers). Keys are compared by ==, so values that are equal must print alike: money
    goes through core.money (always two places: Decimal 1.5 == 1.50 but prints otherwise)
    and a field keeps one type (True == 1). Comparing by repr instead would cost more than
    rendering a small page. context is called only on a miss; it must not hold per-request
    values (those are slots).
    """
    slots = slots or {}
    cache_key = (template_name, get_script_prefix(), key)  # URLs depend on the prefix
    with _lock:
        html = _fragments.get(cache_key)
        if html is not None:
            _fragments.move_to_end(cache_key)
    if html is None:
        values = context()
        values.update({name: mark_safe(_marker(name)) for name in slots})
        html = render_to_string(template_name, values)
        with _lock:
            _fragments[cache_key] = html
            if len(_fragments) > MAX_FRAGMENTS:
                _fragments.popitem(last=False)
    for name, value in slots.items():
        if _marker(name) in html:  # a lazy value (the CSRF token) is made only if shown
            html = html.replace(_marker(name), conditional_escape(value))
    return mark_safe(html)


def clear(**kwargs) -> None:
    """Forget every fragment: on any settings change (tests) or edited file (runserver)."""
    with _lock:
        _fragments.clear()


setting_changed.connect(clear, dispatch_uid="shop.fragments.clear")
# runserver reloads edited templates without restarting: their fragments must go too.
file_changed.connect(clear, dispatch_uid="shop.fragments.clear")
