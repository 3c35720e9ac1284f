"""The fault schedule: each fault in turn, under load, logged with its time.

Fault i starts once the shoppers have spent i+1 shares of the budget (of faults + 1 shares),
so every fault meets traffic; the budget is held at the next share until the fault is over
and both servers are ready again, so the next fault never starts before.
"""

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.faults.shoppers import Context, Shopper
from tests.faults.stack import Services, busy_workers, worker_pids

READY_WAIT = 60  # seconds a fault may take to heal before the run gives up on it
PROBE_EVERY = 0.25


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0
    notes: list[str] = field(default_factory=list)
    ready_again: dict[int, float | None] = field(default_factory=dict)  # server → s after end

    def note(self, at: float, text: str) -> None:
        self.notes.append(f"{at:6.1f}s {text}")
        print(f"faults: {at:6.1f}s {self.name}: {text}", flush=True)


class Probe:
    """Reads a cart (a session: PostgreSQL and Redis) from each server every PROBE_EVERY
    seconds, beside the load and without retries: when each server answers again."""

    def __init__(self, bases: list[str], ctx: Context):
        self.bases, self.ctx = bases, ctx
        self.answers: list[list[tuple[float, float, bool]]] = [[] for _ in bases]
        self.stop = threading.Event()

    def run(self) -> None:
        sessions = [requests.Session() for _ in self.bases]
        while not self.stop.wait(PROBE_EVERY):
            for index, base in enumerate(self.bases):
                sent = self.ctx.journal.now()
                try:
                    ok = sessions[index].get(f"{base}/api/cart", timeout=5).status_code == 200
                except requests.RequestException:
                    ok = False
                self.answers[index].append((sent, self.ctx.journal.now(), ok))

    def first_success(self, index: int, since: float) -> float | None:
        for sent, done, ok in list(self.answers[index]):
            if ok and sent >= since:
                return done
        return None


class Schedule:
    """Runs the faults in a thread beside the load."""

    def __init__(self, ctx: Context, svc: Services, servers, hang_file: Path, config):
        self.ctx, self.svc, self.servers, self.hang_file = ctx, svc, servers, hang_file
        self.config = config
        self.crowd: list[Shopper] = []
        c = config
        self.faults = [
            (f"kill -9 a worker serving a checkout or payment ({self.label(0)})", self.kill),
            ("restart Redis", self.restart_redis),
            ("restart PostgreSQL (fast)", self.restart_pg),
            (f"gateway hangs for {c.hang_seconds} s, a worker killed mid-payment", self.hang),
            (f"stop PostgreSQL for {c.pg_down_seconds} s", self.stop_pg),
            (f"overload: {c.crowd} more shoppers for {c.crowd_seconds} s", self.overload),
        ]
        self.log: list[Fault] = []
        self.error: BaseException | None = None
        self.probe = Probe([s.url for s in servers], ctx)

    def label(self, server: int) -> str:
        return f"server {server + 1}"

    def triggers(self) -> list[int]:
        shares = len(self.faults) + 1
        return [self.ctx.budget.total * (i + 1) // shares for i in range(len(self.faults))]

    def run(self) -> None:
        probe = threading.Thread(target=self.probe.run, daemon=True)
        probe.start()
        try:
            triggers = self.triggers()
            budget = self.ctx.budget
            budget.hold_at(triggers[1] if len(triggers) > 1 else budget.total)
            for i, (name, action) in enumerate(self.faults):
                if not budget.wait_until(triggers[i]):
                    return
                fault = Fault(name, started=self.ctx.journal.now())
                self.log.append(fault)
                fault.note(fault.started, f"starts ({budget.used} operations done)")
                action(fault)
                fault.ended = self.ctx.journal.now()
                fault.note(fault.ended, "ends")
                self.wait_ready(fault)
                budget.hold_at(triggers[i + 2] if i + 2 < len(triggers) else budget.total)
        except BaseException as err:  # the run reports it and stops the load
            self.error = err
            self.ctx.budget.stop()
            raise
        finally:
            self.probe.stop.set()
            probe.join(timeout=10)

    def wait_ready(self, fault: Fault) -> None:
        """Wait until the probe has read a cart from each server since the fault ended."""
        deadline = time.monotonic() + READY_WAIT
        for index in range(len(self.servers)):
            while (at := self.probe.first_success(index, fault.ended)) is None:
                if time.monotonic() > deadline:
                    fault.note(
                        self.ctx.journal.now(), f"{self.label(index)} not back in {READY_WAIT}s"
                    )
                    break
                time.sleep(0.05)
            fault.ready_again[index] = None if at is None else at - fault.ended

    # --- the faults ------------------------------------------------------------------
    def kill(self, fault: Fault, server: int = 0, kinds=("checkout", "pay"), wait=15.0) -> None:
        """SIGKILL a worker of our own gunicorn that is serving a request, while the clients
        have a checkout or payment in flight on that server; note its respawn."""
        app = self.servers[server]
        deadline = time.monotonic() + wait
        busy, flying = [], 0
        while time.monotonic() < deadline:
            flying = self.ctx.journal.flying(server, set(kinds))
            busy = busy_workers(app.proc.pid, app.port) if flying else []
            if busy:
                break
            time.sleep(0.005)
        workers = worker_pids(app.proc.pid)
        victim = (busy or workers)[0]
        os.kill(victim, signal.SIGKILL)
        at = self.ctx.journal.now()
        state = "serving a request" if busy else "idle"
        fault.note(
            at,
            f"{self.label(server)}: worker {victim} killed ({state}; {flying} "
            f"{'/'.join(kinds)} request(s) in flight there)",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = worker_pids(app.proc.pid)
            if len(now) >= len(workers) and victim not in now:
                fault.note(
                    self.ctx.journal.now(),
                    f"worker respawned after {self.ctx.journal.now() - at:.1f}s",
                )
                return
            time.sleep(0.05)
        fault.note(self.ctx.journal.now(), "worker NOT respawned within 30s")

    def restart_redis(self, fault: Fault) -> None:
        self.svc.run("restart-redis")

    def restart_pg(self, fault: Fault) -> None:
        self.svc.run("restart-pg")

    def stop_pg(self, fault: Fault) -> None:
        self.svc.run("stop-pg")
        fault.note(self.ctx.journal.now(), "PostgreSQL stopped")
        time.sleep(self.config.pg_down_seconds)
        self.svc.run("start-pg")
        fault.note(self.ctx.journal.now(), "PostgreSQL started")

    def hang(self, fault: Fault) -> None:
        """The gateway takes the money and hangs past PAYMENT_GATEWAY_TIMEOUT for a while;
        meanwhile a worker of server 2 dies in the middle of a (hanging) payment."""
        seconds = self.config.hang_seconds
        self.hang_file.touch()
        until = time.monotonic() + seconds
        time.sleep(min(1.0, seconds / 4))
        self.kill(fault, server=1, kinds=("pay",), wait=max(until - time.monotonic() - 1, 0.1))
        time.sleep(max(until - time.monotonic(), 0))
        self.hang_file.unlink(missing_ok=True)
        fault.note(self.ctx.journal.now(), "gateway answers again")

    def overload(self, fault: Fault) -> None:
        """More shoppers at once than the servers have workers: they must wait or get a 503."""
        ctx, config = self.ctx, self.config
        self.crowd = [
            Shopper(n, seed=config.seed, signed_in=False, ctx=ctx, overload=True)
            for n in range(config.crowd)
        ]
        threads = [threading.Thread(target=s.run, daemon=True) for s in self.crowd]
        for thread in threads:
            thread.start()
        time.sleep(config.crowd_seconds)
        ctx.crowd_done.set()
        for thread in threads:
            thread.join(timeout=120)
