"""Security headers on every response: a strict Content-Security-Policy and friends.

The storefront, the admin and ninja's Swagger UI (/api/docs) load scripts and styles
from our own static files only and use no inline <script> or style="" attribute, so one
policy fits every page; a view may set its own (uploaded media are sandboxed).
HSTS, nosniff and Referrer-Policy also come from Django's SecurityMiddleware settings;
they are set here only if something removed them.
"""

from django.conf import settings

DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Django admin and Swagger UI stylesheets use data: icons
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Add the security headers a response does not already carry."""

    def __init__(self, get_response):
        self.get_response = get_response
        headers = {
            "Content-Security-Policy": getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP),
            "Permissions-Policy": getattr(
                settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": settings.SECURE_REFERRER_POLICY or "same-origin",
        }
        self.headers = {name: value for name, value in headers.items() if value}

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.setdefault(name, value)
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", "DENY")
        return response
