"""Django's cached_db session engine, kept working while Redis is down.

The database holds every session; Redis is only a faster copy. Django 5.2's engine already
ignores a failed cache read and a failed cache write on save, but a cache outage still fails
the request where it reads a session from the database (`load()` then writes it to the cache)
or creates one (`exists()` asks the cache first). Here both fall back to the database, and a
failed cache write logs one line instead of a traceback. `settings.SESSION_ENGINE` points
here whenever Django's cached_db is asked for.

Deleting (sign-out, the new key at sign-in) still needs the cache: a copy left behind could
sign a stale cookie back in once Redis answers again, so that request answers 503 instead.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from core.outages import CACHE_DOWN

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # as Django's: a down cache, or a key the backend refuses
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._set_cache(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except CACHE_DOWN:
            pass  # the database knows every session anyway
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._set_cache(self._session, self.get_expiry_age())

    def _set_cache(self, data, expiry: int) -> None:
        try:
            self._cache.set(self.cache_key, data, expiry)
        except CACHE_DOWN as err:
            log.warning("Session not cached, the cache is down: %s", err)
