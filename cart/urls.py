from django.urls import path

from cart import views

app_name = "cart"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("add/<int:product_id>/", views.add, name="add"),
    path("items/<int:product_id>/", views.update, name="update"),
    path("items/<int:product_id>/remove/", views.remove, name="remove"),
    path("clear/", views.clear, name="clear"),
    path("coupon/", views.coupon, name="coupon"),
    path("coupon/remove/", views.remove_coupon, name="remove_coupon"),
]
