from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as account_views
from dashboard import views as dashboard_views
from shop import health, views
from shop.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),  # first: load balancers probe often
    path("readyz", health.readyz, name="readyz"),
    path("api/", api.urls),
    path("", include("catalog.urls")),
    path("cart/", include("cart.urls")),
    path("orders/", include("orders.urls")),
    path("account/password-reset/", include("accounts.password_reset_urls")),
    path("account/data/", include("accounts.privacy_urls")),
    path("account/", include("accounts.urls")),
    path("admin/login/", account_views.admin_login),  # the admin's sign-in, throttled
    # The admin's sign-out signs out everywhere; wrapped like the admin wraps its own.
    path("admin/logout/", admin.site.admin_view(account_views.admin_logout, cacheable=True)),
    # The staff dashboard (docs/STAFF.md): before the admin's own URLs, which catch all.
    path(
        "admin/dashboard/",
        admin.site.admin_view(dashboard_views.dashboard),
        name="admin_dashboard",
    ),
    path("admin/", admin.site.urls),
    re_path(r"^media/(?P<path>.*)$", views.media, name="media"),
]

handler400 = "shop.views.bad_request"
handler404 = "shop.views.page_not_found"
handler500 = "shop.views.server_error"
