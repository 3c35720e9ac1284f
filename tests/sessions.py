"""Session helpers for tests that work on every session engine.

Django's test client builds a *new* SessionStore each time you read `client.session`, and
on the signed_cookies engine the cookie value *is* the data: it changes on every save().
So `client.session["k"] = v; client.session.save()` is lost, and even
`s = client.session; s["k"] = v; s.save()` is lost on signed cookies unless the new
cookie value is copied back into the client. These helpers do both, on every engine.
"""

from contextlib import contextmanager
from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache

from cart.cart import Cart

ENGINES = {
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}


def read_session(client):
    """The client's current session (a fresh store read from its cookie; empty if none)."""
    engine = import_module(settings.SESSION_ENGINE)
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return engine.SessionStore(cookie.value if cookie else None)


def save_session(client, session) -> None:
    """Save a session and point the client's cookie at it (its value changes on signed cookies)."""
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


@contextmanager
def edit_session(client):
    """`with edit_session(client) as session: ...`: changes are saved and the cookie refreshed."""
    session = read_session(client)
    yield session
    save_session(client, session)


def put_in_session(client, **values):
    """Write keys into the client's session before (or between) requests; returns the session."""
    with edit_session(client) as session:
        session.update(values)
    return session


def put_cart(
    client,
    items: dict[int, int],
    coupon: str | None = None,
    country: str | None = None,
    method: int | None = None,
) -> Cart:
    """Give the client's session a cart with these {product_id: quantity}, coupon code and
    destination (country and shipping method id) for the estimate."""
    with edit_session(client) as session:
        cart = Cart(session)
        cart.items, cart.coupon = dict(items), coupon
        cart.country, cart.method = country, method
        cart.save()
    return cart


def session_cart(client) -> Cart:
    """The cart stored in the client's session, as the server would read it."""
    return Cart(read_session(client))


@pytest.fixture(params=list(ENGINES))
def session_engine(request, settings):
    """Run the test once per session engine Django ships (locmem cache for the cache ones)."""
    settings.SESSION_ENGINE = ENGINES[request.param]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture(name="put_in_session")
def put_in_session_fixture():
    """The put_in_session helper as a fixture: `put_in_session(client, key=value)`."""
    return put_in_session
