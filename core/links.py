"""Absolute links for emails, built from settings.SITE_URL (never from a request's Host)."""

from django.conf import settings


def site_link(path: str) -> str:
    """The absolute URL of a path of this shop, e.g. site_link(reverse("cart:detail"))."""
    return settings.SITE_URL + path
