"""The authentication backend: Django's ModelBackend behind the failed sign-in throttle."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import throttle
from core.clients import client_address


class ThrottledModelBackend(ModelBackend):
    """Email and password sign-in that refuses (429) after too many failures.

    Every sign-in surface (the API, the storefront page, /admin/login/) goes through
    django.contrib.auth.authenticate(), so the throttle lives here, once. Throttled is not
    PermissionDenied, so it propagates out of authenticate() to the surface's view.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if email is None or password is None:
            return None
        reserved = throttle.reserve(email, client_address(request))
        user = super().authenticate(request, username=email, password=password)
        if user is not None:
            throttle.release(reserved)  # successful sign-ins never count
        return user
