"""Health checks for load balancers: /healthz (the process answers), /readyz (its services do).

Both are cheap, never cached, and touch no session or user, so they set no cookie.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 while the process serves requests; reads nothing."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 if the database and the cache answer, else 503 naming the ones that failed."""
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    ready = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )


def _database_answers() -> bool:
    try:
        ContentType.objects.exists()  # one indexed read of a table every install has
    except Exception as err:  # whichever driver error: the answer is "not ready"
        log.warning("readyz: the database failed: %s", err)
        return False
    return True


def _cache_answers() -> bool:
    try:
        cache.set("readyz", "ok", timeout=10)
        answered = cache.get("readyz") == "ok"
    except Exception as err:
        log.warning("readyz: the cache failed: %s", err)
        return False
    if not answered:
        log.warning("readyz: the cache did not return what was just written")
    return answered
