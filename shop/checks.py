"""The project's system checks (registered by shop/apps.py; `manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


def throttles_are_shared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the throttle counters live in each process's own memory (no REDIS_URL)."""
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        checks.Warning(
            "REDIS_URL is not set: the cache is per process, so every throttle counter (failed"
            " sign-ins, coupons, cards, checkouts, registrations) is counted per process, and"
            " each worker allows the whole limit.",
            hint="Set REDIS_URL so that every worker shares the counters.",
            id="shop.W001",
        )
    ]
