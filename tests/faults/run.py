"""The run: services, database, servers, shoppers and faults, the operator's cron, the books.

Exits 1 if a check of the books fails, a 500 or a traceback page was seen, a request hung
past the clients' timeout, or a fault could not be run.
"""

import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.api.live import ROOT, manage
from tests.faults import report
from tests.faults.cache_engine import carts_lost_on_redis_restart
from tests.faults.client import Journal
from tests.faults.faults import Schedule
from tests.faults.shoppers import Budget, Context, Shopper, Staff, final_carts
from tests.faults.stack import (
    configure_django,
    hang_file,
    prepare,
    server_environment,
    services,
)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Config:
    ops: int = _int("FAULTS_OPS", 15000)
    shoppers: int = _int("FAULTS_SHOPPERS", 8)
    seed: int = _int("FAULTS_SEED", 20261123)
    crowd: int = _int("FAULTS_CROWD", 16)
    crowd_seconds: int = _int("FAULTS_CROWD_SECONDS", 8)
    hang_seconds: int = _int("FAULTS_HANG_SECONDS", 8)
    pg_down_seconds: int = _int("FAULTS_PG_DOWN_SECONDS", 5)
    gateway_timeout: int = 3
    workers: int = 2
    stock: int = 400
    low_stock: int = 12
    deadline: int = _int("FAULTS_DEADLINE", 900)  # seconds the load may take at most
    docs: bool = os.environ.get("FAULTS_DOCS") == "1"

    @property
    def signed_in(self) -> int:
        return (self.shoppers + 1) // 2


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    config = Config()
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="shop-faults-"))
    print(f"faults: {config}", flush=True)
    try:
        with services(workdir) as svc:
            return run(config, svc, workdir)
    except KeyboardInterrupt as err:
        print(f"faults: interrupted ({err or 'Ctrl-C'}); everything started was stopped")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(config: Config, svc, workdir: Path) -> int:
    configure_django(svc.urls(), workdir)
    from tests.faults import books  # the ORM: only once Django is set up
    from tests.services.servers import AppServer, free_ports, start_all, stop_all

    env = server_environment(workdir, config.gateway_timeout)
    data = prepare(env, shoppers=config.shoppers, stock=config.stock, low_stock=config.low_stock)
    servers = [
        AppServer(port, env, workdir / f"server-{i + 1}.log", workers=config.workers)
        for i, port in enumerate(free_ports(2))
    ]
    try:
        start_all(servers)
        print(f"faults: servers {[s.url for s in servers]}, load starts", flush=True)
        ctx, schedule, shoppers, elapsed = load(config, svc, servers, workdir, data)
        carts = final_carts(shoppers)
    finally:
        stop_all(servers)
        if keep := os.environ.get("FAULTS_LOGS"):  # the servers' logs, for a closer look
            Path(keep).mkdir(parents=True, exist_ok=True)
            for server in servers:
                shutil.copy(server.log_path, keep)
    # The operator's cron, as if it ran after the claims' timeouts (a dead worker's payment
    # or email claim is settled only once PAYMENT_CLAIM_TIMEOUT / OUTBOX_CLAIM_TIMEOUT passed).
    cron = {**env, "PAYMENT_CLAIM_TIMEOUT": "0", "OUTBOX_CLAIM_TIMEOUT": "0"}
    for command in ("reconcile_payments", "send_emails"):
        print(f"faults: manage.py {command}: {manage(cron, command).strip()}", flush=True)
    lost = carts_lost_on_redis_restart(env, svc, workdir, data["plain_product"])
    print(f"faults: cache engine: {lost[0]} of {lost[1]} carts lost on a Redis restart", flush=True)
    mail = workdir / "mail"
    checks = books.check_all(
        ctx.ledger, data["initial_stock"], carts, mail, ctx.journal.wall_started
    )
    findings, failed = findings_of(ctx.journal, servers)
    findings += [note for check in checks for note in check.notes]
    if schedule.error or len(schedule.log) < len(schedule.faults):
        findings.append(
            f"Only {len(schedule.log)} of {len(schedule.faults)} faults ran ({schedule.error!r})."
        )
        failed = True
    text = report.render(
        config=config,
        journal=ctx.journal,
        faults=schedule.log,
        checks=checks,
        findings=findings,
        elapsed=elapsed,
        cache_engine_lost=lost,
    )
    print("\n" + text + "\n", flush=True)
    for check in checks:
        for detail in check.details[:20]:
            print(f"faults: {check.name}: {detail}", flush=True)
    if config.docs:
        report.write_docs(text)
    failed = failed or not all(check.ok for check in checks)
    print("faults: " + ("FAILED" if failed else "all checks held"), flush=True)
    return 1 if failed else 0


def load(config: Config, svc, servers, workdir: Path, data: dict):
    """Shoppers, the staff member and the fault schedule, until the budget is spent."""
    started = time.monotonic()
    journal = Journal(started)
    ctx = Context(bases=[s.url for s in servers], journal=journal, budget=Budget(config.ops))
    shoppers = [
        Shopper(n, seed=config.seed, signed_in=n < config.signed_in, ctx=ctx)
        for n in range(config.shoppers)
    ]
    staff = Staff(data["staff_token"], seed=config.seed, ctx=ctx)
    schedule = Schedule(ctx, svc, servers, hang_file(workdir), config)
    threads = [threading.Thread(target=s.run, daemon=True) for s in shoppers]
    helpers = [threading.Thread(target=staff.run, daemon=True)]
    helpers.append(threading.Thread(target=schedule.run, daemon=True))
    try:
        for thread in threads + helpers:
            thread.start()
        deadline = started + config.deadline
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0.1))
        ctx.load_done.set()
        for thread in helpers:
            thread.join(timeout=max(deadline - time.monotonic(), 60))
        if any(t.is_alive() for t in threads + helpers):
            raise RuntimeError(f"the load did not finish within FAULTS_DEADLINE={config.deadline}s")
    finally:
        ctx.budget.stop()
        ctx.crowd_done.set()
        ctx.load_done.set()
        hang_file(workdir).unlink(missing_ok=True)
    return ctx, schedule, shoppers, time.monotonic() - started


def findings_of(journal: Journal, servers) -> tuple[list[str], bool]:
    """Unclean answers and hangs, each with its request and the server's log lines."""
    findings, failed = [], False
    logs = [s.log_path.read_text(errors="replace").splitlines() for s in servers]
    unclean = [
        (op, a) for op in journal.operations for a in op.attempts if a.problem or a.error == "hang"
    ]
    groups: dict[str, list] = {}
    for op, a in unclean:
        groups.setdefault(a.problem or "hang past the clients' timeout", []).append((op, a))
    for problem, items in groups.items():
        fatal = problem in ("500", "traceback page") or problem.startswith("hang")
        failed = failed or fatal
        op, a = items[0]
        lines = _log_lines(logs[a.server], a.request_id)
        findings.append(
            f"{'**' if fatal else ''}{len(items)} × {problem}{'**' if fatal else ''}; first at "
            f"{a.started:.1f} s: {op.method} {op.path} ({op.kind}) on server {a.server + 1}, "
            f"request `{a.request_id}`"
            + (f"; server log: `{' ⏎ '.join(lines)[:900]}`" if lines else "")
        )
    for index, lines in enumerate(logs):
        causes = _tracebacks(lines)
        if causes:
            listed = "; ".join(
                f"{count} × `{cause[:240]}`" for cause, count in causes.most_common(6)
            )
            findings.append(
                f"server {index + 1} logged {causes.total()} traceback(s), ending in: {listed}"
            )
    return findings, failed


EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Shutdown|Interrupted|Timeout)\b.*")
APP_FRAME = re.compile(
    rf'^\s*File "{re.escape(str(ROOT))}/(?!\.venv/)([^"]+)", line (\d+), in (\w+)'
)


def _log_lines(lines: list[str], request_id: str) -> list[str]:
    """One request's log lines, each traceback shortened to the shop's own frames and the
    exceptions."""
    found = []
    for i, line in enumerate(lines):
        if f"[{request_id}]" in line:
            found.append(line.strip())
            for follow in lines[i + 1 : i + 200]:
                if follow[:4].isdigit():
                    break
                if EXCEPTION.match(follow):
                    found.append(follow.strip())
                elif match := APP_FRAME.match(follow):
                    found.append(f"at {match[1]}:{match[2]} {match[3]}")
    return found


def _tracebacks(lines: list[str]) -> Counter:
    """The last exception line of each logged traceback, counted."""
    causes, last = Counter(), None
    for line in lines:
        if line[:4].isdigit():
            if last:
                causes[last] += 1
            last = None
        elif EXCEPTION.match(line):
            last = line.strip()
    if last:
        causes[last] += 1
    return causes


if __name__ == "__main__":
    sys.exit(main())
