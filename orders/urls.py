from django.urls import path

from orders import address_book_views, views
from orders.payments import views as payment_views

app_name = "orders"
urlpatterns = [
    path("", views.history, name="history"),
    path("checkout/", views.checkout, name="checkout"),
    # Before "<slug:number>/", which "addresses" would match.
    path("addresses/", address_book_views.addresses, name="addresses"),
    path("addresses/<int:pk>/", address_book_views.edit, name="address_edit"),
    path("addresses/<int:pk>/delete/", address_book_views.delete, name="address_delete"),
    path("addresses/<int:pk>/default/", address_book_views.make_default, name="address_default"),
    path("<slug:number>/", views.detail, name="detail"),
    path("<slug:number>/thanks/", views.confirmation, name="confirmation"),
    path("<slug:number>/cancel/", views.cancel_order, name="cancel"),
    path("<slug:number>/pay/", payment_views.pay_page, name="pay"),
]
