"""Password reset pages, mounted at /account/password-reset/ by shop/urls.py."""

from django.urls import path

from accounts import password_reset_views as views

app_name = "password_reset"
urlpatterns = [
    path("", views.RequestView.as_view(), name="request"),
    path("sent/", views.DoneView.as_view(), name="done"),
    path("complete/", views.CompleteView.as_view(), name="complete"),
    path("<uidb64>/<token>/", views.ConfirmView.as_view(), name="confirm"),
]
