"""Bearer token authentication for the JSON API."""

from django.contrib.sessions.backends.base import SessionBase
from django.http import JsonResponse

from accounts.tokens import InvalidToken, user_for_header


class TokenSession(SessionBase):
    """The session of a token request: starts empty, lives for the request, is never stored.

    A token client's state (its cart) lives in the account, so the request never reads or
    writes the cookie session it may also carry.
    """

    def load(self):
        return {}

    def exists(self, session_key):
        return False

    def create(self):
        self.modified = True

    def save(self, must_create=False):
        pass

    def delete(self, session_key=None):
        pass

    @classmethod
    def clear_expired(cls):
        pass


class BearerTokenMiddleware:
    """An /api request carrying `Authorization` is judged by it alone.

    A valid token sets request.user for the whole request; an invalid, expired or revoked
    one is a 401 (never a fallback to the session cookie). Goes after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")  # META: no HttpHeaders per request
        if header is None or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        try:
            request.user = user_for_header(header)
        except InvalidToken as err:
            response = JsonResponse(err.envelope(), status=err.status)
            for name, value in err.headers.items():
                response[name] = value
            return response
        cookie_session, request.session = request.session, TokenSession()
        try:
            return self.get_response(request)
        finally:
            # SessionMiddleware then sees the cookie session untouched: no write, no cookie.
            request.session = cookie_session
