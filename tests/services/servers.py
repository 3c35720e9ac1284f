"""Real gunicorn servers for the scale-out tests: loopback only, bounded waits, own PIDs only."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

HOST = "127.0.0.1"
READY_TIMEOUT = 30
STOP_TIMEOUT = 10


def free_port() -> int:
    """A port the kernel just gave out on loopback (free unless someone races for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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

    def start(self) -> "AppServer":
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "shop.wsgi"]
            + ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
            + ["--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we can reap all of it, only it
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
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

    def stop(self) -> None:
        """Quick shutdown (SIGQUIT: the master stops its idle workers at once); SIGKILL if stuck."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


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
