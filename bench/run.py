"""`make bench`: the shop against a bare-Django reference app, both under gunicorn, driven by wrk;
then the shop alone in the production setup (PostgreSQL, Redis, `cached_db`, two servers).

Environment knobs (defaults in brackets): BENCH_SECONDS [10] per measured run,
BENCH_WARMUP [2] seconds per case before measuring, BENCH_REPS [5] (at most 3 in the
production setup), BENCH_CONNECTIONS ["8 32"], BENCH_CASES [all] (comma-separated case
keys; `dashboard` first generates 100,000 orders in a database of its own), BENCH_SETUP
[all] (`sqlite` or `postgres`: only that setup's cases), BENCH_DOCS [0] (1: rewrite the
table in docs/PERFORMANCE.md), BENCH_KEEP [0] (1: keep the scratch directory), BENCH_MEMORY
[1] (0: skip the 20,000-request memory check).
`python -m bench.run --profile` profiles the shop's cases with cProfile instead.
A quick smoke run: BENCH_SECONDS=1 BENCH_WARMUP=1 BENCH_REPS=1 BENCH_CONNECTIONS=8 BENCH_MEMORY=0.
"""

import http.client
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.production import Services, unavailable
from bench.servers import (
    HOST,
    ROOT,
    Server,
    app_env,
    base_env,
    collect_static,
    prepare_dashboard,
    prepare_databases,
    prepare_shop,
)

LUA = Path(__file__).with_name("session.lua")
RESULTS = Path(__file__).with_name("results")
CART_LINES = 20
MEMORY_EARLY, MEMORY_LATE = 2_000, 20_000
CLK = os.sysconf("SC_CLK_TCK")
COUNTED = ("requests", "statements", "transaction", "product")
PRODUCTION_SERVERS, PRODUCTION_REPS = 2, 3


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    engine: str
    shop: tuple  # wrk script arguments; "{cookies}" and "{ids}" are filled in
    ref: tuple | None  # the reference's counterpart, if any
    same_work: bool = False  # the reference does the same work (the p99 target applies)
    database: str = ""  # the shop's scratch database, if not its own (see DATABASES)
    setup: str = "sqlite"  # or "postgres": the production setup (run_production)
    twin: str = ""  # the SQLite case whose figures the report shows beside this one


CASES = [
    Case("catalog", "GET / (product list page)", "db", ("get", "/", "{cookies}"),
         ("get", "/read", "{cookies}")),
    Case("product", "GET /products/apple/ (product page)", "db",
         ("get", "/products/apple/", "{cookies}"), ("get", "/read", "{cookies}")),
    Case("api_products", "GET /api/products", "db", ("get", "/api/products", "{cookies}"),
         ("get", "/read", "{cookies}")),
    Case("add_db", "POST /api/cart/items, db sessions", "db",
         ("add", "/api/cart/items", str(CART_LINES), "{ids}"),
         ("add", "/add", str(CART_LINES), "{ids}"), same_work=True),
    Case("cart_read", f"GET /api/cart, {CART_LINES} lines, db sessions", "db",
         ("get", "/api/cart", "{cookies}"), ("get", "/read", "{cookies}"), same_work=True),
    Case("cart_page", f"GET /cart/ (cart page, {CART_LINES} lines)", "db",
         ("get", "/cart/", "{cookies}"), ("get", "/read", "{cookies}")),
    Case("purchase", "add → checkout → pay (purchases/s)", "db", ("purchase", "5", "{ids}"),
         None),
    Case("add_signed", "POST /api/cart/items, signed_cookies", "signed_cookies",
         ("add", "/api/cart/items", str(CART_LINES), "{ids}"),
         ("add", "/add", str(CART_LINES), "{ids}"), same_work=True),
    Case("dashboard", "GET /admin/dashboard/ (100,000 orders)", "db",
         ("get", "/admin/dashboard/", "{cookies}"), None, database="dashboard"),
    # The production setup: PostgreSQL, Redis, cached_db sessions, two servers.
    Case("catalog_pg", "GET / (product list page)", "cached_db", ("get", "/", "{cookies}"),
         None, setup="postgres", twin="catalog"),
    Case("add_pg", "POST /api/cart/items", "cached_db",
         ("add", "/api/cart/items", str(CART_LINES), "{ids}"), None, setup="postgres",
         twin="add_db"),
    Case("cart_read_pg", f"GET /api/cart, {CART_LINES} lines", "cached_db",
         ("get", "/api/cart", "{cookies}"), None, setup="postgres", twin="cart_read"),
    Case("purchase_pg", "add → checkout → pay (purchases/s)", "cached_db",
         ("purchase", "5", "{ids}"), None, setup="postgres", twin="purchase"),
]  # fmt: skip
# The shop's databases, each run on its own: its own (catalog, carts) and the dashboard's
# (100,000 generated orders, a view-only staff member whose sessions are the "{cookies}").
DATABASES = ("", "dashboard")


def config() -> dict:
    wanted = os.environ.get("BENCH_CASES", "")
    setups = os.environ.get("BENCH_SETUP", "") or "sqlite,postgres"
    return {
        "seconds": float(os.environ.get("BENCH_SECONDS", "10")),
        "warmup": float(os.environ.get("BENCH_WARMUP", "2")),
        "reps": int(os.environ.get("BENCH_REPS", "5")),
        "connections": [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "8 32").split()],
        "cases": [
            c
            for c in CASES
            if (not wanted or c.key in wanted.split(",")) and c.setup in setups.split(",")
        ],
        "docs": os.environ.get("BENCH_DOCS") == "1",
        "keep": os.environ.get("BENCH_KEEP") == "1",
        "memory": os.environ.get("BENCH_MEMORY", "1") == "1",
    }


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        return shutil.which("wrk") or sys.exit("wrk is still missing after apt-get install")
    sys.exit("wrk is not installed: sudo apt-get install wrk")


def wrk(binary: str, servers: tuple, args: tuple, conns: int, seconds: float) -> dict:
    """One wrk run, its connections split evenly between `servers`; its BENCHJSON line."""
    cmd = [
        binary, f"-t{conns}", f"-c{conns}", f"-d{max(round(seconds), 1)}s", "--timeout=10s",
        f"-s{LUA}", f"http://{HOST}:{servers[0].port}", "--", *args,
    ]  # fmt: skip
    addrs = ",".join(f"{HOST}:{s.port}" for s in servers)
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 60, check=True,
        env={**os.environ, "BENCH_ADDRS": addrs},
    )  # fmt: skip
    for line in out.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line.removeprefix("BENCHJSON "))
    raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")


def machine_busy_ticks() -> int:
    """Clock ticks all CPUs spent busy (not idle, not waiting for I/O) since boot."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _every(servers: tuple, method: str) -> dict[int, object]:
    """One of Server's per-worker readings (counters, cpu_ticks, rss_kb) over `servers`."""
    return {pid: v for s in servers for pid, v in getattr(s, method)().items()}


def measure(
    binary: str,
    servers: tuple,
    args: tuple,
    conns: int,
    seconds: float,
    services: Services | None = None,
) -> dict:
    """wrk's numbers plus the servers': CPU, SQL statements and requests per worker; with
    `services`, PostgreSQL's and Redis's CPU too."""
    before, ticks0 = _every(servers, "counters"), _every(servers, "cpu_ticks")
    svc0 = services.cpu_ticks() if services else {}
    busy0, wrk0, t0 = machine_busy_ticks(), children_cpu_s(), time.monotonic()
    result = wrk(binary, servers, args, conns, seconds)
    busy1, wrk1, t1 = machine_busy_ticks(), children_cpu_s(), time.monotonic()
    svc1 = services.cpu_ticks() if services else {}
    after, ticks1 = _every(servers, "counters"), _every(servers, "cpu_ticks")
    served = {k: sum(after[p][k] - before.get(p, {}).get(k, 0) for p in after) for k in COUNTED}
    cpu_ticks = sum(ticks1[p] - ticks0.get(p, 0) for p in ticks1)
    svc_ticks = {name: svc1[name] - svc0[name] for name in svc1}
    result.update(
        conns=conns,
        served=served,
        cpu_ms=cpu_ticks * 1000 / CLK,
        services_cpu_ms={name: t * 1000 / CLK for name, t in svc_ticks.items()},
        workers_restarted=set(ticks1) != set(ticks0),
        worker_requests={p: after[p]["requests"] for p in after},
        rss_kb=_every(servers, "rss_kb"),
        wrk_cpu_s=wrk1 - wrk0,
        # Cores busy with anything but the app's workers, its services and wrk: noise.
        other_cores=((busy1 - busy0 - cpu_ticks - sum(svc_ticks.values())) / CLK - (wrk1 - wrk0))
        / (t1 - t0),
    )
    return result


def make_carts(server: Server, ids: list[int], count: int, path: Path) -> Path:
    """`count` sessions holding CART_LINES lines each, added through the app itself."""
    add = "/api/cart/items" if server.app == "shop" else "/add"
    cookies = []
    for _ in range(count):
        cookie = ""
        for pk in ids[:CART_LINES]:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
            headers = {"Content-Type": "application/json"}
            if cookie:
                headers["Cookie"] = f"sessionid={cookie}"
            conn.request("POST", add, json.dumps({"product_id": pk}), headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{server.name}: {add} answered {resp.status}")
            for value in resp.msg.get_all("Set-Cookie") or []:
                if value.startswith("sessionid="):
                    cookie = value.split(";", 1)[0].removeprefix("sessionid=")
            conn.close()
        cookies.append(cookie)
    path.write_text("\n".join(cookies) + "\n")
    return path


def fill(args: tuple, cookies: Path | None, ids: list[int]) -> tuple:
    table = {"{cookies}": str(cookies), "{ids}": ",".join(map(str, ids))}
    return tuple(table.get(a, a) for a in args)


def memory_snapshot(server: Server) -> dict:
    counts = server.counters()
    rss = server.rss_kb()
    return {pid: {"requests": counts[pid]["requests"], "rss_kb": rss.get(pid)} for pid in counts}


def top_up(binary: str, server: Server, cases: list, ctx: dict, until: int, limit_s: float):
    """Keep the shop busy with its cases until every worker served `until` requests."""
    deadline, i = time.monotonic() + limit_s, 0
    while time.monotonic() < deadline:
        if min(c["requests"] for c in server.counters().values()) >= until:
            return
        case = cases[i % len(cases)]
        wrk(binary, (server,), fill(case.shop, ctx["cookies"]["shop"], ctx["ids"]), 8, 2)
        i += 1


def run_engine(
    binary: str, engine: str, cases: list, cfg: dict, env: dict, work: Path, ids, staff=None
):
    """Start the shop and the reference on one session engine and run their cases; with
    `staff` (a cookie file), the shop on the dashboard's database, signed in as staff."""
    database = "dashboard" if staff else ""
    shop = Server("shop", engine, env, work, database=database)
    ref = Server("ref", engine, env, work)
    runs, memory = [], {}
    try:
        shop.start()
        ref.start()
        max_conns = max(cfg["connections"])
        cookies = {
            s.app: make_carts(s, ids, max_conns, work / f"carts-{s.app}-{engine}.txt")
            for s in ((ref,) if staff else (shop, ref))
        }
        if staff:
            cookies["shop"] = staff
        ctx = {"cookies": cookies, "ids": ids}
        for case in cases:  # warm-up: every code path once, before anything is measured
            for server, args in ((shop, case.shop), (ref, case.ref)):
                if args and cfg["warmup"] > 0:
                    args = fill(args, cookies[server.app], ids)
                    wrk(binary, (server,), args, 8, cfg["warmup"])
        check_memory = cfg["memory"] and engine == "db" and not staff  # the default engine
        if check_memory:
            top_up(binary, shop, cases, ctx, MEMORY_EARLY, 60)
            memory["early"] = memory_snapshot(shop)
        for case in cases:
            for rep in range(cfg["reps"]):
                for conns in cfg["connections"]:
                    pair = [(shop, case.shop), (ref, case.ref)]
                    for server, args in pair if rep % 2 == 0 else pair[::-1]:  # alternate
                        if not args:
                            continue
                        result = measure(
                            binary, (server,), fill(args, cookies[server.app], ids), conns,
                            cfg["seconds"],
                        )  # fmt: skip
                        result.update(case=case.key, app=server.app, rep=rep, setup="sqlite")
                        runs.append(result)
                        print(report.progress_line(result), flush=True)
        if check_memory:
            top_up(binary, shop, cases, ctx, MEMORY_LATE, 180)
            memory["late"] = memory_snapshot(shop)
        problems = {s.name: s.log_problems() for s in (shop, ref)}
    finally:
        ref.stop()
        shop.stop()
    return runs, memory, problems


def run_production(binary: str, cases: list, cfg: dict, env: dict, work: Path):
    """The production setup: PostgreSQL and Redis from scripts/services.sh, and two shop
    servers on `cached_db` sessions sharing them; each wrk run splits its connections
    evenly between the two (session.lua). No reference app here: the SQLite cases are
    the comparison. Stops the servers, then the services, whatever happens."""
    services, servers = Services(), []
    try:
        print(f"production setup: PostgreSQL and Redis in {services.dir}…", flush=True)
        services.start()
        urls = services.urls()
        ids = prepare_shop(app_env(env, "shop", work, "cached_db", urls=urls))
        servers = [
            Server("shop", "cached_db", env, work, urls=urls, label=f"pg{i}")
            for i in range(1, PRODUCTION_SERVERS + 1)
        ]
        for server in servers:
            server.start()
        group = tuple(servers)
        carts = make_carts(servers[0], ids, max(cfg["connections"]), work / "carts-shop-pg.txt")
        for case in cases:
            if cfg["warmup"] > 0:
                wrk(binary, group, fill(case.shop, carts, ids), 8, cfg["warmup"])
        runs = []
        for case in cases:
            for rep in range(min(cfg["reps"], PRODUCTION_REPS)):
                for conns in cfg["connections"]:
                    args = fill(case.shop, carts, ids)
                    result = measure(binary, group, args, conns, cfg["seconds"], services)
                    result.update(case=case.key, app="shop", rep=rep, setup="postgres")
                    runs.append(result)
                    print(report.progress_line(result), flush=True)
        problems = {s.name: s.log_problems() for s in servers}
        return runs, problems, services.versions()
    finally:
        for server in servers:
            server.stop()
        services.stop()


def profile(binary: str, cfg: dict, env: dict, work: Path, ids: list[int]) -> None:
    """Profile each shop case with cProfile in the gunicorn workers; print the top functions."""
    import pstats

    prof_dir = work / "profiles"
    prof_dir.mkdir()
    RESULTS.mkdir(exist_ok=True)
    for engine in ("db", "signed_cookies"):
        # The shop's own database only (the dashboard case is measured, not profiled here).
        cases = [c for c in cfg["cases"] if c.engine == engine and not c.database]
        if not cases:
            continue
        shop = Server("shop", engine, env, work, profile_dir=str(prof_dir))
        try:
            shop.start()
            cookies = make_carts(shop, ids, 8, work / f"profile-carts-{engine}.txt")
            for case in cases:
                args = fill(case.shop, cookies, ids)
                wrk(binary, (shop,), args, 8, cfg["warmup"])
                shop.dump_profiles()  # discard the warm-up
                result = wrk(binary, (shop,), args, 8, cfg["seconds"])
                files = shop.dump_profiles()
                out = RESULTS / f"profile-{case.key}.txt"
                with out.open("w") as fh:
                    stats = pstats.Stats(stream=fh)
                    for file in files:
                        if os.path.getsize(file) > 100:  # a worker may have served nothing
                            stats.add(file)
                    fh.write(f"{case.title}: {result['requests']} requests\n")
                    stats.sort_stats("tottime").print_stats(30)
                    stats.sort_stats("cumulative").print_stats(40)
                print(f"{case.key}: {result['requests']} requests profiled -> {out}")
        finally:
            shop.stop()


def main() -> None:
    cfg = config()
    binary = ensure_wrk()
    missing = any(c.setup == "postgres" for c in cfg["cases"]) and unavailable()
    if missing and os.environ.get("BENCH_SETUP"):
        sys.exit(f"the production setup cannot run: {missing}")
    if missing:  # the default: run what can run, say what was left out
        print(f"warning: production setup skipped: {missing}", flush=True)
        cfg["cases"] = [c for c in cfg["cases"] if c.setup != "postgres"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(f"warning: load average {load:.1f} before starting; results will be noisy")
    work = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    try:
        env = base_env(work)
        print(f"scratch directory {work}; preparing databases…", flush=True)
        collect_static(env, work)
        sqlite = [c for c in cfg["cases"] if c.setup == "sqlite"]
        ids = prepare_databases(env, work) if sqlite else []
        if "--profile" in sys.argv[1:]:
            profile(binary, cfg, env, work, ids)
            return
        runs, memory, problems, production = [], {}, {}, {}
        for database in DATABASES:
            for engine in ("db", "signed_cookies"):
                cases = [c for c in cfg["cases"] if (c.engine, c.database) == (engine, database)]
                if not cases:
                    continue
                staff = prepare_dashboard(env, work) if database == "dashboard" else None
                r, m, p = run_engine(binary, engine, cases, cfg, env, work, ids, staff)
                runs += r
                problems.update(p)
                if engine == "db" and not database:
                    memory = m
        postgres = [c for c in cfg["cases"] if c.setup == "postgres"]
        if postgres:
            r, p, production = run_production(binary, postgres, cfg, env, work)
            runs += r
            problems.update(p)
        results = report.summarize(CASES, cfg, runs, memory, problems, production)
        report.write(results, RESULTS, ROOT / "docs" / "PERFORMANCE.md" if cfg["docs"] else None)
        print(report.table(results))
    finally:
        if not cfg["keep"]:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
