from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as account_views
from shop import views
from shop.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("catalog.urls")),
    path("cart/", include("cart.urls")),
    path("orders/", include("orders.urls")),
    path("account/", include("accounts.urls")),
    path("admin/login/", account_views.admin_login),  # the admin's sign-in, throttled
    path("admin/", admin.site.urls),
    re_path(r"^media/(?P<path>.*)$", views.media, name="media"),
]

handler404 = "shop.views.page_not_found"
handler500 = "shop.views.server_error"
