from django.urls import path

from orders import views
from orders.payments import views as payment_views

app_name = "orders"
urlpatterns = [
    path("", views.history, name="history"),
    path("checkout/", views.checkout, name="checkout"),
    path("<slug:number>/", views.detail, name="detail"),
    path("<slug:number>/thanks/", views.confirmation, name="confirmation"),
    path("<slug:number>/cancel/", views.cancel_order, name="cancel"),
    path("<slug:number>/pay/", payment_views.pay_page, name="pay"),
]
