"""Settings of the bare-Django reference app that `make bench` compares the shop with.

Same Django, same session engine, same database options and the same framework middleware
in the same order as the shop (read from shop.settings so they cannot drift apart); the
shop's own middleware is left out on purpose, so that its cost counts against the shop.
"""

from shop import settings as shop

SECRET_KEY = shop.SECRET_KEY
DEBUG = False
ALLOWED_HOSTS = shop.ALLOWED_HOSTS

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [m for m in shop.MIDDLEWARE if m.startswith(("django.", "whitenoise."))]
ROOT_URLCONF = "bench.reference"
WSGI_APPLICATION = "bench.wsgi.application"

DATABASES = shop.DATABASES
CACHES = shop.CACHES
SESSION_ENGINE = shop.SESSION_ENGINE
SESSION_COOKIE_AGE = shop.SESSION_COOKIE_AGE
SESSION_COOKIE_SECURE = shop.SESSION_COOKIE_SECURE
CSRF_COOKIE_SECURE = shop.CSRF_COOKIE_SECURE
SECURE_REFERRER_POLICY = shop.SECURE_REFERRER_POLICY
X_FRAME_OPTIONS = shop.X_FRAME_OPTIONS

STATIC_URL = shop.STATIC_URL
STATIC_ROOT = shop.STATIC_ROOT
STORAGES = shop.STORAGES
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = shop.LOGGING
