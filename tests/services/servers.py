"""Real gunicorn servers for the scale-out tests: loopback only, bounded waits, own PIDs only."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

HOST = "127.0.0.1"
READY_TIMEOUT = 30
STOP_TIMEOUT = 10


def free_ports(count: int) -> list[int]:
    """Distinct ports the kernel just gave out on loopback (free unless someone races for them)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the test process dies, so no server outlives it."""
    with suppress(OSError, AttributeError):  # Linux only; elsewhere the finally blocks must do
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def database_url_for_tests() -> str:
    """A DATABASE_URL for the database the tests use right now (test_… on PostgreSQL)."""
    db = connection.settings_dict
    user, password = quote(db["USER"], safe=""), quote(db["PASSWORD"], safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{db['NAME']}"


class AppServer:
    """One `gunicorn shop.wsgi` process (and its workers) on 127.0.0.1:port."""

    def __init__(self, port: int, env: dict, log_path: Path, workers: int = 2):
        self.port, self.env, self.log_path, self.workers = port, env, log_path, workers
        self.url = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen | None = None

    def spawn(self) -> None:
        """Launch the server; `wait_ready()` tells when it answers."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "shop.wsgi", "--preload"]
                + ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
                + ["--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we can reap all of it, only it
                preexec_fn=_die_with_parent,
            )

    def wait_ready(self) -> None:
        """Poll until the API answers 200; raise (and stop it) on exit, a 5xx or the timeout."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.url} exited: {self.log_tail()}")
            try:
                status = requests.get(f"{self.url}/api/categories", timeout=5).status_code
            except requests.RequestException:
                status = None
            if status == 200:
                return
            if status is not None:
                self.stop()
                raise RuntimeError(f"gunicorn on {self.url} answered {status}: {self.log_tail()}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"gunicorn on {self.url} not ready in {READY_TIMEOUT}s: {self.log_tail()}"
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_stop(self) -> None:
        """Quick shutdown: SIGQUIT makes the master stop its (idle) workers at once."""
        if self.running():
            self.proc.send_signal(signal.SIGQUIT)

    def wait_stopped(self) -> None:
        """Wait for the exit; SIGKILL the server's own process group if it hangs."""
        if self.proc is None:
            return
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        self.signal_stop()
        self.wait_stopped()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def start_all(servers: list[AppServer]) -> None:
    """Start the servers side by side (they boot in parallel), then wait for each."""
    for server in servers:
        server.spawn()
    for server in servers:
        server.wait_ready()


def stop_all(servers: list[AppServer]) -> None:
    """Stop the servers side by side; every one is waited for, even if another fails."""
    for server in servers:
        server.signal_stop()
    for server in servers:
        server.wait_stopped()


def server_env(**overrides) -> dict:
    """The environment of a production-like server on plain http, on the test database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_SETTINGS", "COV_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url_for_tests(),
        REDIS_URL=settings.REDIS_URL,
        # The test client speaks plain http on loopback, so cookies may not be https-only.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env
