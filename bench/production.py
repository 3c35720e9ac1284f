"""The production setup's services for the benchmark: a throwaway PostgreSQL and Redis.

Started and stopped by scripts/services.sh on two free loopback ports, in a scratch
directory of their own (the script deletes it on stop). Their processes' CPU is read from
/proc by the PIDs the script records (PostgreSQL's postmaster.pid, Redis's pidfile).
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bench.servers import ROOT, free_ports

SCRIPT = ROOT / "scripts" / "services.sh"
NAMES = ("postgres", "redis")


def _stat(pid: int) -> tuple[str, list[str]]:
    """A process's name and its /proc/<pid>/stat fields from 3 (state) on."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()


def _alive(pid: int, name: str) -> bool:
    try:
        comm, fields = _stat(pid)
    except OSError:
        return False
    return comm.startswith(name) and fields[0] != "Z"


def _own_ticks(pid: int, with_children: bool = False) -> int:
    """utime + stime (+ cutime + cstime of the children it reaped) of one process."""
    fields = _stat(pid)[1]
    ticks = int(fields[11]) + int(fields[12])
    return ticks + int(fields[13]) + int(fields[14]) if with_children else ticks


def unavailable() -> str:
    """Why services.sh could not start PostgreSQL and Redis here ("" if it can): their
    binaries are missing and it is not root (as root it installs them with apt-get)."""
    installed = any(Path("/usr/lib/postgresql").glob("*/bin/postgres")) and shutil.which(
        "redis-server"
    )
    if installed or (os.geteuid() == 0 and shutil.which("apt-get")):
        return ""
    return (
        "PostgreSQL or redis-server is not installed (sudo apt-get install postgresql redis-server)"
    )


class Services:
    """PostgreSQL and Redis of scripts/services.sh, on free 127.0.0.1 ports."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shop-bench-services-"))
        pg_port, redis_port = free_ports(2)
        self.env = {
            **os.environ,
            "SERVICES_DIR": str(self.dir),
            "PG_PORT": str(pg_port),
            "REDIS_PORT": str(redis_port),
        }
        self.pids: dict[str, int] = {}

    def _script(self, command: str) -> str:
        out = subprocess.run(
            [str(SCRIPT), command], env=self.env, check=True, capture_output=True, text=True
        )
        return out.stdout

    def start(self) -> None:
        try:
            self._script("start")
        finally:
            self._read_pids()

    def _read_pids(self) -> None:
        """The PIDs services.sh recorded: PostgreSQL's postmaster.pid, Redis's pidfile."""
        files = {"postgres": self.dir / "pg" / "postmaster.pid", "redis": self.dir / "redis.pid"}
        for name, file in files.items():
            with contextlib.suppress(OSError, ValueError, IndexError):
                self.pids[name] = int(file.read_text().split()[0])

    def urls(self) -> dict[str, str]:
        """DATABASE_URL and REDIS_URL, as `services.sh env` exports them."""
        return dict(re.findall(r"^export (\w+)=(\S+)$", self._script("env"), re.M))

    def cpu_ticks(self) -> dict[str, int]:
        """CPU clock ticks so far of PostgreSQL (the postmaster, the children it reaped and
        its live backends and helpers) and of Redis."""
        postmaster = self.pids["postgres"]
        ticks = {"postgres": _own_ticks(postmaster, with_children=True), "redis": 0}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int(_stat(int(entry.name))[1][1]) == postmaster:
                        ticks["postgres"] += _own_ticks(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
        ticks["redis"] = _own_ticks(self.pids["redis"])
        return ticks

    def versions(self) -> dict[str, str]:
        """{"postgres": "15.18", "redis": "7.0.15"}, from the binaries' --version."""

        def version(pattern: str, *cmd: str) -> str:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            found = re.search(pattern, out)
            return found.group(1) if found else "?"

        pg_bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        return {
            "postgres": version(r"\(PostgreSQL\) (\S+)", str(pg_bins[-1]), "--version")
            if pg_bins
            else "?",
            "redis": version(r"v=(\S+)", "redis-server", "--version"),
        }

    def stop(self) -> None:
        """`services.sh stop`; then whatever it left of ours, by PID; then the directory."""
        self._read_pids()  # if start failed half-way
        try:
            self._script("stop")
        except subprocess.CalledProcessError as err:
            print(f"services.sh stop failed ({err.returncode}): {err.stderr}", flush=True)
        for name, pid in self.pids.items():
            if _alive(pid, name):
                os.kill(pid, signal.SIGKILL)  # PostgreSQL's backends exit with the postmaster
        shutil.rmtree(self.dir, ignore_errors=True)
