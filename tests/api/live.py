"""A live server of the project for out-of-process tests (schemathesis, the browser check).

Production settings (DEBUG=0) on a scratch SQLite database with the demo data, served by
gunicorn on a free loopback port; stopped by its PID when the block ends.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_env(workdir: Path, **extra) -> dict:
    """The environment of a production-like server whose files all live in `workdir`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SESSION_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="0",  # plain http on loopback
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def live_shop(workers: int = 2, **env_extra):
    """Yield (base_url, env) of a migrated shop with the demo data, served by gunicorn.

    The server's log is printed if it logged an error (a 500 would be one).
    """
    workdir = Path(tempfile.mkdtemp(prefix="shop-live-"))
    env = scratch_env(workdir, **env_extra)
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput")
        port = free_port()
        log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed with the server)
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "shop.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--timeout=60",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/openapi.json")
        yield base, env
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
            text = (workdir / "server.log").read_text()
            if "Traceback" in text or "ERROR" in text:
                print("--- server log ---\n" + text[-20000:], flush=True)
        shutil.rmtree(workdir, ignore_errors=True)
