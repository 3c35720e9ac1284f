"""The reference app's two views (and its URLconf): the cost floor of a cart add and read."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST


@csrf_exempt  # like the shop's JSON API, which checks Origin instead of a CSRF token
@require_POST
def add(request):
    """Read the session, add one key to a dict in it, answer a small JSON."""
    body = json.loads(request.body)
    items = dict(request.session.get("cart", {}))
    key = str(body["product_id"])
    items[key] = items.get(key, 0) + body.get("quantity", 1)
    request.session["cart"] = items
    return JsonResponse({"lines": len(items), "count": sum(items.values())})


@require_GET
def read(request):
    """Only read the session, answer a small JSON."""
    items = request.session.get("cart", {})
    return JsonResponse({"lines": len(items), "count": sum(items.values())})


urlpatterns = [path("add", add), path("read", read)]
