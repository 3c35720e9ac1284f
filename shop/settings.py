"""Settings, read from the environment (see .env.example and the README)."""

import ipaddress
import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CURRENCY = env.str("CURRENCY", default="USD")
# Where the shop is served, for links in emails (verification, password reset): never taken
# from a request's Host header, which a client chooses.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# True: catalog prices include tax (EU/UK: the tax inside is shown); False: tax is added
# at checkout once the address is known (US). docs/PRICING.md.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_countries",
    "import_export",  # the catalog's CSV/XLSX import and export in the admin (docs/STAFF.md)
    "rangefilter",  # the order list's date range filter
    "shop",  # the project's system checks (shop/checks.py)
    "accounts",
    "catalog",
    "cart",
    "pricing",  # shipping methods, tax rates and the totals rule (docs/PRICING.md)
    "orders",
    "outbox",  # emails written in the transaction they announce, sent by send_emails
    "dashboard",  # staff figures in the admin (docs/STAFF.md)
    "demo",  # manage.py load_demo: may import every app
]

MIDDLEWARE = [
    "shop.security.SecurityHeadersMiddleware",  # outermost: static files and errors too
    "shop.requestlog.RequestLogMiddleware",  # request id and one log line per request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shop.middleware.ApiErrorEnvelopeMiddleware",
    "shop.middleware.AdminNulQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shop.middleware.ApiOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that meets a database or cache outage answers 503 + Retry-After; a middleware
    # that meets one (sessions, tokens) does too, through handler500 (shop/unavailable.py).
    "shop.unavailable.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cart.context_processors.cart",
                "shop.context_processors.currency",
            ],
        },
    }
]

# Databases: SQLite in WAL mode with immediate transactions by default, so concurrent
# writers wait for the lock instead of failing with "database is locked".
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    )
    # Tests use a file too (not :memory:), so that threads really contend for the lock.
    _db.setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"shop-test-{os.getpid()}.sqlite3")
    )
else:
    # A kept connection is checked before a request reuses it, so a worker reconnects by
    # itself after a database restart. Nothing waits forever: connecting (seconds), one
    # statement and one lock wait (seconds; 0 turns a limit off, e.g. for a long migration).
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    _pg = _db.setdefault("OPTIONS", {})
    _pg.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
    _pg.setdefault(
        "options",
        f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT', default=30) * 1000}"
        f" -c lock_timeout={env.int('DB_LOCK_TIMEOUT', default=10) * 1000}",
    )
# Persistent connections on SQLite too: opening one costs more than most requests (Django
# registers its SQL functions, runs the PRAGMAs, and closing the last one checkpoints WAL).
_db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))

REDIS_URL = env.str("REDIS_URL", default="")
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=2)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Seconds to connect and to wait for an answer; a failed command is not retried
            # and the next one opens a new connection, so a Redis restart heals by itself.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
# Django's cached_db with Redis down fails a request whose session it reads from the database
# or creates; the shop's subclass falls back to the database instead (shop/sessions.py).
if SESSION_ENGINE == "django.contrib.sessions.backends.cached_db":
    SESSION_ENGINE = "shop.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
# Failed sign-ins allowed per account and per client address within the window (seconds).
LOGIN_THROTTLE_PER_ACCOUNT = env.int("LOGIN_THROTTLE_PER_ACCOUNT", default=10)
LOGIN_THROTTLE_PER_ADDRESS = env.int("LOGIN_THROTTLE_PER_ADDRESS", default=50)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=15 * 60)
# Lifetime of a Bearer access token, seconds.
TOKEN_MAX_AGE = env.int("TOKEN_MAX_AGE", default=24 * 60 * 60)
# Lifetime of the links in account emails (verify an address, confirm a new one), seconds.
EMAIL_LINK_MAX_AGE = env.int("EMAIL_LINK_MAX_AGE", default=3 * 24 * 60 * 60)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "catalog:list"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The shop is written in English only.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Product pictures (catalog/images.py): uploads past these limits are refused (bytes of the
# file, pixels in all, pixels on the longer side). Media goes through STORAGES["default"].
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1000 * 1000)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40 * 1000 * 1000)
IMAGE_MAX_SIDE = env.int("IMAGE_MAX_SIDE", default=8000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Staff tools (docs/STAFF.md): a product's low-stock threshold when it has none of its own;
# who gets the low-stock email (comma-separated addresses; empty: staff with an address).
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
STAFF_ALERT_EMAILS = env.list("STAFF_ALERT_EMAILS", default=[])
# The catalog import (catalog/resources.py): one transaction, all or nothing; a spreadsheet's
# empty trailing lines are not rows.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@example.com")
# Seconds an SMTP connection may block: emails are sent right after the checkout commits.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The outbox (outbox/services.py): attempts before an email is failed (staff may retry it in
# the admin); seconds before the first retry, doubled after each failure; seconds after which
# a claim counts as its sender's death and `send_emails` sends the email again (keep it well
# above EMAIL_TIMEOUT).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_DELAY = env.int("OUTBOX_RETRY_DELAY", default=60)
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=600)

# Request limits (the API's contract: bodies over 1 MB are 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# The proxies in front of the shop (comma-separated addresses or networks): only through them
# is X-Forwarded-For believed for the client's address (core/clients.py). Empty: none.
TRUSTED_PROXIES = [p.strip() for p in env.list("TRUSTED_PROXIES", default=[]) if p.strip()]
try:
    TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network(p, strict=False) for p in TRUSTED_PROXIES]
except ValueError as err:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {err}.") from None

# Security flags for production, configurable behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over plain HTTP
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Logs go to stderr, every line with its request's id (shop/requestlog.py); one line per
# request from the "shop.requests" logger. LOG_FORMAT: "text" lines, or "json" objects.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured('LOG_FORMAT must be "text" or "json".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.requestlog.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "shop.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"shop.requests": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")}},
}

# Errors to Sentry when SENTRY_DSN is set (needs the optional sentry-sdk: pip install
# ".[sentry]"); events carry no personal data and are scrubbed of cards and secrets.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from shop.sentry import init_sentry

    init_sentry(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

# Failure throttles (core/throttle.py; 429 + Retry-After): invalid coupon codes per
# session, declined or invalid cards per order (PAYMENT_FAILURE_LIMIT), per window.
COUPON_FAILURE_LIMIT = env.int("COUPON_FAILURE_LIMIT", default=20)
COUPON_FAILURE_WINDOW = 60 * 60
PAYMENT_FAILURE_WINDOW = 60 * 60
# Per client address (core/clients.py), on top of those: a new cart, session or order is free,
# an address is not. Invalid coupon codes and declined or invalid cards per address per
# window above; orders placed (checkouts) and registrations per address per hour.
COUPON_FAILURE_LIMIT_PER_ADDRESS = env.int("COUPON_FAILURE_LIMIT_PER_ADDRESS", default=50)
PAYMENT_FAILURE_LIMIT_PER_ADDRESS = env.int("PAYMENT_FAILURE_LIMIT_PER_ADDRESS", default=20)
CHECKOUT_LIMIT_PER_ADDRESS = env.int("CHECKOUT_LIMIT_PER_ADDRESS", default=60)
CHECKOUT_WINDOW = 60 * 60
REGISTER_LIMIT_PER_ADDRESS = env.int("REGISTER_LIMIT_PER_ADDRESS", default=20)
REGISTER_WINDOW = 60 * 60
# Password reset requests per email address and per client address per hour (then 429;
# accounts/throttle.py). PASSWORD_RESET_TIMEOUT (Django's, 3 days) is how long a link works.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=5)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=20)
PASSWORD_RESET_WINDOW = 60 * 60
# Emails an account asks for (a new verification link, an email change) per account per hour.
ACCOUNT_EMAIL_LIMIT = env.int("ACCOUNT_EMAIL_LIMIT", default=5)
ACCOUNT_EMAIL_WINDOW = 60 * 60
# Back-in-stock subscriptions (catalog/back_in_stock.py) per email address and per client
# address per hour; each may send a confirmation email.
BACK_IN_STOCK_LIMIT_PER_EMAIL = env.int("BACK_IN_STOCK_LIMIT_PER_EMAIL", default=10)
BACK_IN_STOCK_LIMIT_PER_ADDRESS = env.int("BACK_IN_STOCK_LIMIT_PER_ADDRESS", default=30)
BACK_IN_STOCK_WINDOW = 60 * 60

# django-ninja: the API is thin over the services, no extra settings beyond these.
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 100

# Shop policy.
PAGE_SIZE = 20
# Minutes a pending order holds its stock before `expire_orders` cancels it.
ORDER_RESERVATION_MINUTES = env.int("ORDER_RESERVATION_MINUTES", default=30)
# Units of one product a guest's checkout may reserve (signed-in customers are not capped):
# one guest cannot hold a product's whole stock with an order they never pay.
GUEST_MAX_UNITS_PER_PRODUCT = env.int("GUEST_MAX_UNITS_PER_PRODUCT", default=10)

# Payments: the gateway class (orders/payments/gateway.py); after how many seconds an unresolved
# payment claim counts as abandoned (reconcile_payments); how long a request sharing an
# Idempotency-Key waits for the first one; declined or invalid cards per order per hour.
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="orders.payments.gateway.FakeGateway")
PAYMENT_CLAIM_TIMEOUT = env.int("PAYMENT_CLAIM_TIMEOUT", default=300)
PAYMENT_IDEMPOTENT_WAIT = 10
PAYMENT_FAILURE_LIMIT = env.int("PAYMENT_FAILURE_LIMIT", default=10)
# Seconds a gateway call may take before its reply counts as lost (504, settled later by
# reconcile_payments). Keep the gunicorn timeout (gunicorn.conf.py) well above it.
PAYMENT_GATEWAY_TIMEOUT = env.float("PAYMENT_GATEWAY_TIMEOUT", default=10)
# Fault tests: while this file exists, the FakeGateway charges, then never answers (empty: off).
FAKE_GATEWAY_HANG_FILE = env.str("FAKE_GATEWAY_HANG_FILE", default="")
