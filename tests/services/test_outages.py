"""Redis stops under a real gunicorn server on the cached_db engine, then starts again (empty).

During the outage the shop keeps selling (carts, checkout, pay: their throttles fail open),
sign-in answers a clean 503 with Retry-After (its throttle fails closed), nothing is a 500 or a
traceback, and every session lives on in PostgreSQL. Once Redis is back the same server
serves sign-ins again within seconds, without a restart. Its own Redis, on a free loopback
port, started and stopped by PID: the shared one is left alone.
"""

import shutil
import signal
import subprocess
import time
from datetime import date
from decimal import Decimal

import pytest
import redis
import requests
from django.db import connection

from orders.models import Order
from tests.api.live import manage
from tests.factories import PASSWORD, ProductFactory, UserFactory
from tests.services.conftest import _missing
from tests.services.servers import HOST, AppServer, _die_with_parent, free_ports, server_env

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # seconds, per request: far above REDIS_TIMEOUT (2 s)
RECOVERY = 10  # seconds the server may take to serve sign-ins again once Redis is back
ADDRESS = {"name": "Ada", "street": "1 Loop Road", "city": "Localhost", "zip": "1", "country": "GB"}
CARD = {
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": date.today().year + 1,
    "cvv": "123",
}


class RedisServer:
    """A throwaway redis-server in the foreground on 127.0.0.1:port, no persistence."""

    def __init__(self, port: int, log_path):
        self.port, self.log_path = port, log_path
        self.url = f"redis://{HOST}:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        command = [shutil.which("redis-server"), "--bind", HOST, "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.log_path.parent)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        _missing("redis-server is not installed")
    server = RedisServer(free_ports(1)[0], tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_server(own_redis, tmp_path):
    env = server_env(
        REDIS_URL=own_redis.url,
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    manage(env, "collectstatic", "--noinput")  # DEBUG=0 pages need the manifest (a clean clone)
    server = AppServer(free_ports(1)[0], env, tmp_path / "gunicorn.log")
    server.spawn()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_redis_stops_and_starts_under_a_running_server(own_redis, app_server, settings):
    ProductFactory(sku="apple", price=Decimal("2.00"), stock=10)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's
    user = UserFactory(email="ada@example.com")
    guest, member = requests.Session(), requests.Session()
    seen: list[requests.Response] = []

    def call(http, method, path, **kwargs):
        start = time.monotonic()
        response = http.request(method, f"{app_server.url}{path}", timeout=TIMEOUT, **kwargs)
        assert time.monotonic() - start < TIMEOUT
        seen.append(response)
        return response

    def sign_in(http):
        body = {"email": user.email, "password": PASSWORD}
        return call(http, "POST", "/api/auth/login", json=body)

    # Before: a guest's cart and a signed-in member's cart, sessions in Redis and PostgreSQL.
    assert call(guest, "POST", "/api/cart/items", json={"sku": "apple"}).status_code == 200
    assert sign_in(member).status_code == 200
    add = call(member, "POST", "/api/cart/items", json={"sku": "apple", "quantity": 2})
    assert add.status_code == 200, add.text

    own_redis.stop()

    # During: the sessions are read from PostgreSQL, and the shop keeps selling.
    for http, quantity in ((guest, 1), (member, 2)):
        cart = call(http, "GET", "/api/cart")
        assert cart.status_code == 200, cart.text
        assert [i["quantity"] for i in cart.json()["items"]] == [quantity]
    assert call(guest, "POST", "/api/cart/items", json={"sku": "apple"}).status_code == 200
    placed = call(
        guest,
        "POST",
        "/api/checkout",
        json={"shipping_address": ADDRESS, "email": "guest@example.com"},
        headers={"Idempotency-Key": "outage-1"},
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["lines"][0]["quantity"] == 2  # the unit added during the outage too
    paid = call(
        guest,
        "POST",
        f"/api/orders/{placed.json()['id']}/pay",
        json={"method": "credit_card", "card": CARD},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert call(guest, "GET", "/").status_code == 200  # a storefront page
    # Sign-in throttling is a security control: it fails closed, with a clean 503.
    refused = sign_in(requests.Session())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["error"]["code"] == "service_unavailable"
    browser = requests.Session()
    assert call(browser, "GET", "/account/login/").status_code == 200
    form = {"username": user.email, "password": PASSWORD}
    form["csrfmiddlewaretoken"] = browser.cookies["csrftoken"]
    page = call(browser, "POST", "/account/login/", data=form)
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert "Back in a moment" in page.text and "Traceback" not in page.text

    own_redis.start()  # the same port, empty: no restart of the app server

    # After: sign-ins work again within seconds; every session is still there.
    deadline = time.monotonic() + RECOVERY
    while (status := sign_in(requests.Session()).status_code) != 200:
        assert status == 503 and time.monotonic() < deadline, status
        time.sleep(0.2)
    member_cart = call(member, "GET", "/api/cart")
    assert [i["quantity"] for i in member_cart.json()["items"]] == [2]
    assert call(guest, "GET", f"/api/orders/{placed.json()['id']}").json()["status"] == "paid"
    assert Order.objects.get().status == Order.Status.PAID

    assert not [r for r in seen if r.status_code >= 500 and r.status_code != 503]
    log = app_server.log_tail(200_000)
    assert "Traceback" not in log
    assert "Service unavailable (cache down" in log


def test_workers_whose_database_connections_died_reconnect_by_themselves(app_server):
    """PostgreSQL ends every connection of the servers (as a restart does): the next requests
    are served, each worker checking its kept connection first (CONN_HEALTH_CHECKS)."""
    ProductFactory(sku="apple")
    http = requests.Session()
    for _ in range(4):  # both workers hold a connection now
        assert http.get(f"{app_server.url}/api/products", timeout=TIMEOUT).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    statuses = [
        http.get(f"{app_server.url}/api/products", timeout=TIMEOUT).status_code for _ in range(6)
    ]
    assert statuses == [200] * 6
