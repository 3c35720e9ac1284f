"""The production setup on loopback: PostgreSQL and Redis, a prepared database, two servers.

Every process is ours and is stopped by its PID: the servers by `tests/services/servers.py`
(their own process group, SIGTERM if this process dies), PostgreSQL and Redis by
`scripts/services.sh stop`, which also deletes their data.
"""

import os
import secrets
import subprocess
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.api.fuzz import STAFF_TOKEN
from tests.api.live import ROOT, manage
from tests.services.servers import free_ports

SERVICES = ROOT / "scripts" / "services.sh"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
PASSWORD = "faults-Shopper-pass-1"


class Services:
    """PostgreSQL and Redis from scripts/services.sh on free ports, data under `workdir`."""

    def __init__(self, workdir: Path):
        pg_port, redis_port = free_ports(2)
        self.env = {
            **os.environ,
            "SERVICES_DIR": str(workdir / "services"),
            "PG_PORT": str(pg_port),
            "REDIS_PORT": str(redis_port),
        }

    def run(self, command: str, timeout: float = 90) -> str:
        """`services.sh COMMAND`; raises on failure (its log lines are in stderr)."""
        result = subprocess.run(
            [str(SERVICES), command],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"services.sh {command} failed: {result.stderr.strip()}")
        return result.stdout

    def urls(self) -> dict[str, str]:
        """DATABASE_URL and REDIS_URL, as `services.sh env` prints them."""
        lines = self.run("env").split()
        return dict(word.split("=", 1) for word in lines if "=" in word)


@contextmanager
def services(workdir: Path):
    """Start PostgreSQL and Redis (installed with apt-get if missing); always stop them."""
    # PostgreSQL runs as another user: it must traverse the temp dir to reach its data.
    workdir.chmod(0o711)
    svc = Services(workdir)
    try:
        svc.run("start", timeout=900)
        yield svc
    finally:
        try:
            svc.run("stop")
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            print(f"faults: {err}", flush=True)


def configure_django(urls: dict[str, str], workdir: Path) -> None:
    """Settings for this process and the servers (tests/services/servers.py `server_env`)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=urls["DATABASE_URL"],
        REDIS_URL=urls["REDIS_URL"],
        SESSION_ENGINE=SESSION_ENGINE,
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def server_environment(workdir: Path, gateway_timeout: int) -> dict:
    """What both gunicorn servers run with: production settings, faults switchable."""
    from tests.services.servers import server_env

    return server_env(
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The harness is the load balancer: it names each shopper's address and request id.
        TRUSTED_PROXIES="127.0.0.1",
        PAYMENT_GATEWAY_TIMEOUT=str(gateway_timeout),
        FAKE_GATEWAY_HANG_FILE=str(hang_file(workdir)),
        # Emails land in files, so a message sent twice can be counted (books.py).
        EMAIL_BACKEND="tests.faults.mailbox.MailboxBackend",
        FAULTS_MAIL_DIR=str(workdir / "mail"),
        REQUEST_LOG_LEVEL="INFO",  # one line per request, with its X-Request-ID
        # Each simulated shopper buys far more often than a person: the hourly limits per
        # client address (orders placed, declined cards) would turn the run into 429s.
        CHECKOUT_LIMIT_PER_ADDRESS="1000000",
        PAYMENT_FAILURE_LIMIT_PER_ADDRESS="1000000",
    )


def hang_file(workdir: Path) -> Path:
    return workdir / "gateway-hangs"


def prepare(env: dict, *, shoppers: int, stock: int, low_stock: int) -> dict:
    """Migrate, load the demo, set known stock, make accounts; the figures the run needs."""
    for command in (["migrate", "--noinput"], ["load_demo"], ["collectstatic", "--noinput"]):
        manage(env, *command)
    staff_token = manage(env, "shell", "-c", STAFF_TOKEN).strip().splitlines()[-1]
    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Product

    sellable = Product.objects.exclude(
        pk__in=Product.objects.filter(parent__isnull=False).values("parent")
    )
    sellable.update(stock=stock)
    # Two products run short, so shoppers also meet "insufficient stock".
    short = list(
        sellable.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True)[:2]
    )
    Product.objects.filter(pk__in=short).update(stock=low_stock)
    emails = [account_email(n) for n in range(shoppers)]
    for email in emails:
        User.objects.create_user(email=email, password=PASSWORD, email_verified_at=timezone.now())
    initial = dict(Product.objects.values_list("pk", "stock"))
    plain = sellable.filter(parent__isnull=True, option1_name="").exclude(pk__in=short).first()
    connections.close_all()  # nothing of this process's stays open across the faults
    return {"staff_token": staff_token, "initial_stock": initial, "plain_product": plain.pk}


def account_email(n: int) -> str:
    return f"faults-shopper-{n}@example.com"


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def busy_workers(master: int, port: int) -> list[int]:
    """Workers holding an open client connection on `port` (serving a request right now)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":  # ESTABLISHED
            inodes.add(fields[9])
    return [pid for pid in worker_pids(master) if inodes & _socket_inodes(pid)]


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    with suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    found.add(link[8:-1])
    return found
