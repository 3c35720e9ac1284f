from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.sign_in, name="login"),
    path("signup/", views.sign_up, name="signup"),
    path("logout/", views.sign_out, name="logout"),
    path("password/", views.password_change, name="password_change"),
]
