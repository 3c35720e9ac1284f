from django.urls import path

from cart import views
from core import converters  # noqa: F401  (registers <id:...>)

app_name = "cart"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("add/", views.add, name="add_product"),  # the product's id in the form
    path("add/<id:product_id>/", views.add, name="add"),
    path("items/<id:product_id>/", views.update, name="update"),
    path("items/<id:product_id>/remove/", views.remove, name="remove"),
    path("clear/", views.clear, name="clear"),
    path("coupon/", views.coupon, name="coupon"),
    path("coupon/remove/", views.remove_coupon, name="remove_coupon"),
    path("destination/", views.destination, name="destination"),
]
