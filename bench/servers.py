"""Scratch databases and gunicorn servers for the benchmark; only ever kills what it started."""

import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}
WORKERS = 2
HOST = "127.0.0.1"


def base_env(workdir: Path) -> dict:
    """Production settings over plain http on loopback (hence insecure cookies allowed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS=HOST,
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        # Every simulated shopper comes from 127.0.0.1: the per-address checkout limit
        # would refuse the purchase case after an hour's worth of orders.
        CHECKOUT_LIMIT_PER_ADDRESS="1000000000",
        PYTHONUNBUFFERED="1",
    )
    return env


def app_env(
    env: dict, app: str, workdir: Path, engine: str, database: str = "", urls: dict | None = None
) -> dict:
    """The environment of one app: its settings module, its own database (or `database`),
    a session engine; `urls` (DATABASE_URL, REDIS_URL of the production setup) win."""
    settings = "shop.settings" if app == "shop" else "bench.settings"
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": f"sqlite:///{workdir / ((database or app) + '.sqlite3')}",
        "SESSION_ENGINE": ENGINES[engine],
        **(urls or {}),
    }


def _run(args: list[str], env: dict) -> str:
    out = subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout


def collect_static(env: dict, workdir: Path) -> None:
    _run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput"],
         app_env(env, "shop", workdir, "db"))  # fmt: skip


def prepare_shop(env: dict, stock: int = 1_000_000) -> list[int]:
    """Migrate the shop's database in `env`, load the demo catalog, stock it.

    Every product gets `stock` units so that the purchase cases never run out.
    Returns the ids of the active products a shopper adds by `product_id` alone (those
    without options; a product with options is bought as one of its variants).
    """
    python = str(BIN / "python")
    _run([python, "manage.py", "migrate", "--noinput"], env)
    _run([python, "manage.py", "load_demo"], env)
    return json.loads(_run([python, "-m", "bench.stock", f"--stock={stock}"], env))


def prepare_databases(env: dict, workdir: Path) -> list[int]:
    """Migrate both scratch SQLite databases (the shop's with the demo catalog, stocked);
    returns prepare_shop's product ids."""
    ids = prepare_shop(app_env(env, "shop", workdir, "db"))
    _run([str(BIN / "python"), "-m", "django", "migrate", "--noinput"],
         app_env(env, "ref", workdir, "db"))  # fmt: skip
    return ids


def prepare_dashboard(env: dict, workdir: Path, orders: int = 100_000) -> Path:
    """A copy of the shop's database (migrated, demo catalog) with `orders` generated
    orders (bench/orders.py), for the dashboard case; returns the file of staff session
    cookies, one per line."""
    source, copy = (
        sqlite3.connect(workdir / "shop.sqlite3"),
        sqlite3.connect(workdir / "dashboard.sqlite3"),
    )
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    cookies = workdir / "staff-cookies.txt"
    subprocess.run(
        [str(BIN / "python"), "-m", "bench.orders", f"--orders={orders}", f"--cookies={cookies}"],
        cwd=ROOT,
        env=app_env(env, "shop", workdir, "db", database="dashboard"),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return cookies


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (all held open at once, so they differ)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _proc_stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


class Server:
    """One app under gunicorn with 2 sync workers on a free loopback port; `urls` and
    `label` for the production setup's servers (see app_env)."""

    def __init__(
        self,
        app: str,
        engine: str,
        env: dict,
        workdir: Path,
        profile_dir: str = "",
        database: str = "",
        urls: dict | None = None,
        label: str = "",
    ):
        self.app, self.engine, self.database, self.label = app, engine, database, label
        self.env = {
            **app_env(env, app, workdir, engine, database, urls),
            "BENCH_COUNTERS": "1",
        }
        if profile_dir:
            self.env["BENCH_PROFILE"] = profile_dir
        self.log = workdir / f"{self.name.replace('/', '-')}.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.known_workers: dict[int, str] = {}  # PID: start time (/proc/<pid>/stat)

    @property
    def name(self) -> str:
        return "/".join(filter(None, (self.app, self.engine, self.database, self.label)))

    def start(self) -> None:
        self.port = free_ports(1)[0]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "bench.wsgi:application",
                    f"--workers={WORKERS}",
                    "--worker-class=sync",
                    f"--bind={HOST}:{self.port}",
                    "--timeout=60",
                    "--log-level=warning",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # a Ctrl-C reaches only us; we stop it ourselves
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
                raise RuntimeError(f"{self.name} exited at start; {self.log} ends:\n{tail}")
            if len(self.workers()) == WORKERS:
                try:
                    self.counters()
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in 30 s; see {self.log}")

    def workers(self) -> list[int]:
        """PIDs of the gunicorn workers (children of the master we started)."""
        if self.proc is None:
            return []
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = _proc_stat(int(entry.name))
                    if int(fields[1]) == self.proc.pid:
                        found[int(entry.name)] = fields[19]  # starttime
                except (OSError, ValueError, IndexError):
                    continue
        self.known_workers.update(found)
        return sorted(found)

    def cpu_ticks(self) -> dict[int, int]:
        """user + system clock ticks of each worker."""
        ticks = {}
        for pid in self.workers():
            fields = _proc_stat(pid)
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def rss_kb(self) -> dict[int, int]:
        rss = {}
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1])
        return rss

    def _ask_every_worker(self, path: str) -> dict[int, dict]:
        """GET `path` from each worker: open one connection per worker first, so that a
        sync worker blocked on one connection leaves the next to the other."""
        wanted = set(self.workers())
        answers: dict[int, dict] = {}
        for _ in range(50):
            conns = [http.client.HTTPConnection(HOST, self.port, timeout=10) for _ in wanted]
            for conn in conns:
                conn.connect()
            time.sleep(0.05)
            for conn in conns:
                conn.request("GET", path)
            for conn in conns:
                data = json.loads(conn.getresponse().read())
                answers[data["pid"]] = data
                conn.close()
            if wanted <= answers.keys():
                return {pid: answers[pid] for pid in wanted}
        raise RuntimeError(f"{self.name}: could not reach every worker at {path}")

    def counters(self) -> dict[int, dict]:
        """Requests and SQL statements each worker has served so far."""
        return self._ask_every_worker("/__bench__/counters")

    def dump_profiles(self) -> list[str]:
        return [a["file"] for a in self._ask_every_worker("/__bench__/profile").values()]

    def stop(self) -> None:
        """Stop the master we started (it stops its workers); then any worker left, by PID."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A worker outlives its master only if orphaned; the same PID with the same start
        # time is the same process (gunicorn rewrites its command line: setproctitle).
        for pid, started in self.known_workers.items():
            try:
                if _proc_stat(pid)[19] == started:
                    os.kill(pid, signal.SIGKILL)
            except (OSError, IndexError):
                pass
        self.proc = None

    def log_problems(self) -> list[str]:
        """Lines of the server log that show an error (tracebacks, locked database)."""
        needles = ("Traceback", "database is locked", "Internal Server Error", "[ERROR]")
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if any(n in line for n in needles)]
