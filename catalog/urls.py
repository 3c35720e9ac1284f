from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("products/<slug:slug>/", views.product_detail, name="detail"),
    path("products/<slug:slug>/back-in-stock/", views.back_in_stock, name="back_in_stock"),
    path(
        "back-in-stock/confirm/<str:token>/",
        views.back_in_stock_confirm,
        name="back_in_stock_confirm",
    ),
    path(
        "back-in-stock/unsubscribe/<str:token>/",
        views.back_in_stock_unsubscribe,
        name="back_in_stock_unsubscribe",
    ),
]
