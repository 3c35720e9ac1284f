"""The project's URLs plus views that fail, to see what a 500 shows (tests only)."""

from django.db import connection
from django.urls import path

from shop.urls import handler404, handler500
from shop.urls import urlpatterns as shop_urlpatterns

SECRET_SQL = "SELECT secret_column FROM table_that_does_not_exist"


def boom(request):
    """Fail with an error whose message holds SQL, like a broken query would."""
    with connection.cursor() as cursor:
        cursor.execute(SECRET_SQL)


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *shop_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
