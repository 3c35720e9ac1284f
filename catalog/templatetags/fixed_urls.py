"""`{% fixed_url %}` and `{% fixed_static %}`: URLs every page shows, worked out once per process.

A URL without arguments and a static file's (hashed) URL cannot change while the process
runs, so each is reversed or looked up, and escaped, once per script prefix instead of on
every page (`{% url %}` walks the resolver, `{% static %}` the manifest: ~10 of them in
base.html). They are plain nodes, not simple tags, so a page pays a dict lookup for each.
Output and escaping are those of `{% url %}` and `{% static %}`.
"""

from functools import cache

from django import template
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape

register = template.Library()


@cache
def _reversed(name: str, prefix: str) -> str:
    return conditional_escape(reverse(name))


@cache
def _static(path: str, prefix: str) -> str:
    return conditional_escape(static(path))


class _FixedNode(template.Node):
    def __init__(self, lookup, arg: str):
        self.lookup, self.arg = lookup, arg

    def render(self, context) -> str:
        return self.lookup(self.arg, get_script_prefix())


def _fixed_tag(lookup):
    def compile_tag(parser, token):
        bits = token.split_contents()
        arg = bits[1] if len(bits) == 2 else ""
        if len(arg) < 2 or arg[0] not in "'\"" or arg[-1] != arg[0]:
            raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted string.")
        return _FixedNode(lookup, arg[1:-1])

    return compile_tag


# {% fixed_url "name" %}: `{% url "name" %}` for a URL name without arguments.
register.tag("fixed_url", _fixed_tag(_reversed))
# {% fixed_static "path" %}: `{% static "path" %}`.
register.tag("fixed_static", _fixed_tag(_static))


def _forget(**kwargs) -> None:
    # URLconf, STATIC_URL or storages changed (tests): work the URLs out again.
    _reversed.cache_clear()
    _static.cache_clear()


setting_changed.connect(_forget, dispatch_uid="catalog.fixed_urls.forget")
