from django.apps import AppConfig
from django.core import checks

from shop.checks import throttles_are_shared


class ShopConfig(AppConfig):
    """The project itself, as an app: it registers the project's system checks."""

    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        checks.register(throttles_are_shared, checks.Tags.caches)
