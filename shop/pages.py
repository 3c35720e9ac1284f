"""Whole storefront pages, header included, from the fragment cache (shop/fragments.py).

Through the template engine, base.html's header and the page's {% extends %} cost about
a third of a catalog or cart page's CPU. A page rendered here is cached under its view's
key plus everything the header shows (who is signed in, the cart badge, flash messages),
so it is exact for every shopper; the CSRF token and the current URL are slots.

The template gets the view's context plus `user` (a Viewer: only `is_authenticated` and
`email`), `cart_count`, `messages` and `CURRENCY`; it must not read `request`.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.template.context_processors import csrf

from shop import fragments


class Viewer(NamedTuple):
    """All that base.html shows of the signed-in user."""

    is_authenticated: bool
    email: str = ""


def render(
    request,
    template_name: str,
    *,
    key: object,
    context: Callable[[], dict],
    cart_count: int | None = None,
) -> HttpResponse:
    """The page from the cache. key: everything context() shows (see fragments.render);
    cart_count: the badge's count if the view has it, else the session's cart is read."""
    from cart.cart import cart_for  # the cart app builds on shop

    user = request.user
    viewer = Viewer(True, user.email) if user.is_authenticated else Viewer(False)
    if cart_count is None:
        cart_count = cart_for(request).count
    shown = tuple(get_messages(request))  # iterating marks them shown, as base.html's loop
    header = (viewer, cart_count, tuple((m.tags, str(m)) for m in shown))

    def page_context() -> dict:
        header_context = {"user": viewer, "cart_count": cart_count, "messages": shown}
        return {**context(), **header_context, "CURRENCY": settings.CURRENCY}

    html = fragments.render(
        template_name,
        key=(key, header),
        context=page_context,
        # The token is lazy (made only if the page has a form), as with {% csrf_token %}.
        slots={"csrf_token": csrf(request)["csrf_token"], "next": request.get_full_path()},
    )
    return HttpResponse(html)
