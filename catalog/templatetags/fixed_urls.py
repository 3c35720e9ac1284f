"""`{% fixed_url %}` and `{% fixed_static %}`: URLs every page shows, worked out once per process.

A URL without arguments and a static file's (hashed) URL cannot change while the process
runs, so each is reversed or looked up once per script prefix instead of on every page
(`{% url %}` walks the resolver, `{% static %}` the manifest: ~10 of them in base.html).
Output and escaping are those of `{% url %}` and `{% static %}`.
"""

from functools import cache

from django import template
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

register = template.Library()


@cache
def _reversed(name: str, prefix: str) -> str:
    return reverse(name)


@cache
def _static(path: str, prefix: str) -> str:
    return static(path)


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a URL name without arguments."""
    return _reversed(name, get_script_prefix())


@register.simple_tag
def fixed_static(path: str) -> str:
    """`{% static path %}`."""
    return _static(path, get_script_prefix())


def _forget(**kwargs) -> None:
    # URLconf, STATIC_URL or storages changed (tests): work the URLs out again.
    _reversed.cache_clear()
    _static.cache_clear()


setting_changed.connect(_forget, dispatch_uid="catalog.fixed_urls.forget")
