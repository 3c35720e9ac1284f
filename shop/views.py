"""Site-wide views: error pages and uploaded media."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.static import serve

from shop.unavailable import for_current_error


def _wants_json(request) -> bool:
    # path_info, not path: the shop may be served under a prefix (SCRIPT_NAME=/shop).
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    # A session that could not be saved because the database went away: 503, not 400.
    if (unavailable := for_current_error(request)) is not None:
        return unavailable
    if _wants_json(request):
        body = {"error": {"code": "bad_request", "message": "The request could not be handled."}}
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if _wants_json(request):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # A middleware that met a database or cache outage ends here: 503, not 500.
    if (unavailable := for_current_error(request)) is not None:
        return unavailable
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": "Something went wrong on our side."}},
            status=500,
        )
    return render(request, "500.html", status=500)


def media(request, path):
    """Uploaded product images; sandboxed so an uploaded SVG can never run script."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
