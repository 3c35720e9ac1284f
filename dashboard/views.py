"""The staff dashboard in the admin: GET /admin/dashboard/ (shop/urls.py wraps it with
admin.site.admin_view, which sends anyone but active staff to the admin's sign-in)."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from dashboard import chart, figures


def dashboard(request):
    """The shop at a glance, for staff who may view orders; read-only."""
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    data = figures.dashboard()
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "data": data,
        "chart": chart.chart(data.days),
        "currency": settings.CURRENCY,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "admin/dashboard.html", context)
