"""Turn the benchmark's runs into a summary, HELD/MISSED targets, a table and JSON files."""

import json
import os
import platform
import statistics
import subprocess
import time
from importlib import metadata
from pathlib import Path

DOCS_START, DOCS_END = "<!-- bench:start -->", "<!-- bench:end -->"


def progress_line(r: dict) -> str:
    rps = r["requests"] / (r["duration_us"] / 1e6)
    return (
        f"  {r['case']:<12} {r['app']:<4} c={r['conns']:<3} rep={r['rep']} "
        f"{rps:8.0f} req/s  p99 {r['p99_us'] / 1000:6.1f} ms  errors {_errors(r)}  "
        f"(other processes: {r['other_cores']:.1f} cores)"
    )


def _errors(r: dict) -> int:
    # "unexpected" counts every answer other than the expected status, 5xx included.
    return r["socket_errors"] + r["timeouts"] + r["unexpected"]


def _stats(runs: list[dict]) -> dict:
    rps = [r["requests"] / (r["duration_us"] / 1e6) for r in runs]
    served = {k: sum(r["served"][k] for r in runs) for k in runs[0]["served"]}
    per_request = max(served["requests"], 1)
    services = {name for r in runs for name in r.get("services_cpu_ms", {})}
    return {
        "rps_median": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
        "cpu_ms_per_request": sum(r["cpu_ms"] for r in runs) / per_request,
        # The production setup's PostgreSQL and Redis, per request the servers served.
        "services_cpu_ms_per_request": {
            name: sum(r["services_cpu_ms"][name] for r in runs) / per_request
            for name in sorted(services)
        },
        "sql_per_request": served["statements"] / per_request,
        "product_sql_per_request": served["product"] / per_request,
        "transactions_per_request": served["transaction"] / per_request,
        "errors": sum(_errors(r) for r in runs),
        "server_errors": sum(r["server_errors"] for r in runs),
        "purchases_per_s": statistics.median(
            r["purchases"] / (r["duration_us"] / 1e6) for r in runs
        ),
        "reps": len(runs),
    }


def summarize(
    cases: list, cfg: dict, runs: list, memory: dict, problems: dict, production: dict
) -> dict:
    """`production`: the production setup's PostgreSQL and Redis versions, if it ran."""
    rows = []
    for case in cases:
        for conns in cfg["connections"]:
            row = {
                "case": case.key,
                "title": case.title,
                "conns": conns,
                "same_work": case.same_work,
                "setup": case.setup,
                "twin": case.twin,
            }
            for app in ("shop", "ref"):
                mine = [
                    r for r in runs if (r["case"], r["app"], r["conns"]) == (case.key, app, conns)
                ]
                row[app] = _stats(mine) if mine else None
            if row["shop"] is None:
                continue
            row["ratio"] = row["ref"] and row["shop"]["rps_median"] / row["ref"]["rps_median"]
            rows.append(row)
    results = {
        "meta": {**_meta(cfg), "production": production},
        "rows": rows,
        "memory": _memory(memory),
        "log_problems": problems,
        "runs": runs,
    }
    results["targets"] = targets(results)
    return results


def _memory(memory: dict) -> dict:
    if not memory:
        return {}
    out = {}
    for pid, early in memory["early"].items():
        late = memory["late"].get(pid)
        if late:
            out[str(pid)] = {
                "early": early,
                "late": late,
                "growth": late["rss_kb"] / early["rss_kb"] - 1,
            }
    return out


def _meta(cfg: dict) -> dict:
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": run("git", "rev-parse", "--short", "HEAD"),
        "cpu": f"{cpu} × {os.cpu_count()}",
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "gunicorn": metadata.version("gunicorn"),
        "wrk": run("wrk", "-v").splitlines()[0] if run("wrk", "-v") else "",
        "seconds": cfg["seconds"],
        "warmup": cfg["warmup"],
        "reps": cfg["reps"],
        "connections": cfg["connections"],
    }


def _row(results: dict, case: str, conns: int | None = None) -> list[dict]:
    return [
        r for r in results["rows"] if r["case"] == case and (conns is None or r["conns"] == conns)
    ]


def targets(results: dict) -> list[dict]:
    """Each floor of issue 17, HELD or MISSED (n/a when its case was not run)."""
    out = []

    def check(name: str, rows: list, ok, show) -> None:
        if not rows:
            out.append({"target": name, "status": "n/a", "detail": "case not run"})
            return
        held = all(ok(r) for r in rows)
        detail = "; ".join(f"c={r['conns']}: {show(r)}" for r in rows)
        out.append({"target": name, "status": "HELD" if held else "MISSED", "detail": detail})

    def ratio_at_least(case, floor, label):
        check(
            f"{label} ≥ {floor}× reference",
            [r for r in _row(results, case) if r["ref"]],
            lambda r: r["ratio"] >= floor,
            lambda r: f"{r['ratio']:.2f}×",
        )

    ratio_at_least("add_signed", 0.5, "add, signed_cookies:")
    ratio_at_least("add_db", 0.7, "add, db sessions:")
    check(
        "add, db sessions: ≤ 3 SQL statements",
        _row(results, "add_db"),
        lambda r: r["shop"]["sql_per_request"] <= 3.0,
        lambda r: f"{r['shop']['sql_per_request']:.2f}",
    )
    ratio_at_least("cart_read", 0.5, "GET /api/cart (20 lines):")
    check(
        "GET /api/cart (20 lines): one product query",
        _row(results, "cart_read"),
        lambda r: r["shop"]["product_sql_per_request"] == 1.0,
        lambda r: f"{r['shop']['product_sql_per_request']:.2f}",
    )
    for case, label in (("catalog", "catalog page"), ("cart_page", "cart page")):
        check(
            f"{label}: ≤ 4 queries",
            _row(results, case),
            lambda r: r["shop"]["sql_per_request"] <= 4.0,
            lambda r: f"{r['shop']['sql_per_request']:.2f}",
        )
        check(
            f"{label}: ≤ 5 ms server CPU per request",
            _row(results, case),
            lambda r: r["shop"]["cpu_ms_per_request"] <= 5.0,
            lambda r: f"{r['shop']['cpu_ms_per_request']:.2f} ms",
        )
    check(
        "p99 at 8 connections ≤ 2× the reference's (cases doing the same work)",
        [r for r in results["rows"] if r["conns"] == 8 and r["same_work"] and r["ref"]],
        lambda r: r["shop"]["p99_ms"] <= 2 * r["ref"]["p99_ms"],
        lambda r: f"{r['case']} {r['shop']['p99_ms']:.1f}/{r['ref']['p99_ms']:.1f} ms",
    )
    check(
        "checkout + pay: ≥ 40 purchases/s, zero errors",
        _row(results, "purchase"),
        lambda r: r["shop"]["purchases_per_s"] >= 40 and r["shop"]["errors"] == 0,
        lambda r: f"{r['shop']['purchases_per_s']:.0f}/s, {r['shop']['errors']} errors",
    )
    rows = results["rows"]
    logs = sum(len(v) for v in results["log_problems"].values())
    errors = sum(r[a]["errors"] for r in rows for a in ("shop", "ref") if r[a])
    out.append(
        {
            "target": "zero errors in every case (no 5xx, no database is locked)",
            "status": "HELD" if rows and errors == 0 and logs == 0 else "MISSED",
            "detail": f"{errors} failed requests, {logs} error lines in the server logs",
        }
    )
    memory = results["memory"]
    if memory:
        held = all(m["growth"] <= 0.10 and m["late"]["requests"] >= 20_000 for m in memory.values())
        detail = "; ".join(
            f"worker {pid}: {m['early']['rss_kb'] / 1024:.1f} MB after {m['early']['requests']} "
            f"→ {m['late']['rss_kb'] / 1024:.1f} MB after {m['late']['requests']} requests "
            f"({m['growth']:+.1%})"
            for pid, m in memory.items()
        )
        out.append(
            {
                "target": "worker RSS after 20,000 requests within 10% of after 2,000",
                "status": "HELD" if held else "MISSED",
                "detail": detail,
            }
        )
    return out


def _fmt_app(s: dict | None) -> tuple[str, str, str, str, str]:
    if not s:
        return ("—",) * 5
    return (
        f"{s['rps_median']:,.0f} ({s['rps_min']:,.0f}–{s['rps_max']:,.0f})",
        f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f}",
        f"{s['cpu_ms_per_request']:.2f}",
        f"{s['sql_per_request']:.2f}",
        str(s["errors"]),
    )


def _noise(results: dict, setup: str) -> str:
    """The CPU other processes took during one setup's runs."""
    other = sorted(
        r["other_cores"] for r in results["runs"] if r.get("setup", "sqlite") == setup
    ) or [0.0]
    return (
        f"CPU taken by other processes during the runs: median "
        f"{statistics.median(other):.2f} cores, max {other[-1]:.2f} (near 0 on a quiet machine)."
    )


def _purchases_or_rps(s: dict | None, case: str) -> str:
    if not s:
        return "—"
    rps = f"{s['rps_median']:,.0f} ({s['rps_min']:,.0f}–{s['rps_max']:,.0f})"
    return f"{s['purchases_per_s']:,.0f} purchases/s ({rps} req/s)" if "purchase" in case else rps


def production_table(results: dict) -> list[str]:
    """The production setup's rows, each beside its SQLite twin's figures (if that ran)."""
    rows = [r for r in results["rows"] if r["setup"] == "postgres"]
    if not rows:
        return []
    m, versions = results["meta"], results["meta"].get("production") or {}
    reps = max(r["shop"]["reps"] for r in rows)
    twins = "" if any(_row(results, r["twin"]) for r in rows) else " (not run this time)"
    lines = [
        "",
        f"**Production setup**: PostgreSQL {versions.get('postgres', '?')} and Redis "
        f"{versions.get('redis', '?')} (throwaway servers from `scripts/services.sh`: "
        f"fsync off, no persistence), sessions on `cached_db`, two gunicorn servers × 2 sync "
        f"workers on the same machine, each wrk run's connections split evenly between them; "
        f"{reps} × {m['seconds']:g} s per case and connection count, after {m['warmup']:g} s "
        f"of warm-up. {_noise(results, 'postgres')} The SQLite columns repeat the shop's "
        f"figures of the same case above{twins}.",
        "",
        "| case | conns | req/s median (min–max) | SQLite req/s | p50 / p99 ms | SQLite "
        "p50 / p99 ms | CPU ms/req app servers | SQLite CPU ms/req | CPU ms/req PostgreSQL "
        "/ Redis | SQL/req | SQLite SQL/req | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        pg = r["shop"]
        twin = next((t["shop"] for t in _row(results, r["twin"], r["conns"])), None)
        mine, theirs = _fmt_app(pg), _fmt_app(twin)
        svc = pg["services_cpu_ms_per_request"]
        lines.append(
            f"| {r['title']} | {r['conns']} | {_purchases_or_rps(pg, r['case'])} "
            f"| {_purchases_or_rps(twin, r['case'])} | {mine[1]} | {theirs[1]} | {mine[2]} "
            f"| {theirs[2]} | {svc.get('postgres', 0):.2f} / {svc.get('redis', 0):.2f} "
            f"| {mine[3]} | {theirs[3]} | {mine[4]} |"
        )
    return lines


def table(results: dict) -> str:
    m = results["meta"]
    run = (
        f"Run {m['date']} at {m['commit']} on {m['cpu']}; Python {m['python']}, Django "
        f"{m['django']}, gunicorn {m['gunicorn']}"
    )
    rows = [r for r in results["rows"] if r["setup"] == "sqlite"]
    lines = [f"{run}."]  # only the production setup ran
    if rows:
        lines = [
            f"{run} (2 sync workers), SQLite WAL; "
            f"{m['reps']} × {m['seconds']:g} s per case and connection count, after "
            f"{m['warmup']:g} s of warm-up. {_noise(results, 'sqlite')}",
            "",
            "| case | conns | shop req/s median (min–max) | ref req/s median (min–max) | shop/ref "
            "| p50 / p99 ms shop | p50 / p99 ms ref | CPU ms/req shop | CPU ms/req ref "
            "| SQL/req shop | SQL/req ref | errors shop / ref |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for r in rows:
        shop, ref = _fmt_app(r["shop"]), _fmt_app(r["ref"])
        first = shop[0]
        if r["case"] == "purchase":
            first = f"{r['shop']['purchases_per_s']:,.0f} purchases/s ({shop[0]} req/s)"
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") else "—"
        lines.append(
            f"| {r['title']} | {r['conns']} | {first} | {ref[0]} | {ratio} | {shop[1]} | {ref[1]} "
            f"| {shop[2]} | {ref[2]} | {shop[3]} | {ref[3]} | {shop[4]} / {ref[4]} |"
        )
    lines += production_table(results)
    lines += ["", "| target | status | measured |", "|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | **{t['status']}** | {t['detail']} |")
    return "\n".join(lines)


def write(results: dict, folder: Path, docs: Path | None) -> None:
    """JSON (this run and latest.json) and the table (latest.md); optionally into the docs."""
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = json.dumps(results, indent=1, default=str)
    (folder / f"bench-{stamp}.json").write_text(text)
    (folder / "latest.json").write_text(text)
    (folder / "latest.md").write_text(table(results) + "\n")
    print(f"results written to {folder}/bench-{stamp}.json")
    if docs and docs.exists():
        content = docs.read_text()
        head, _, rest = content.partition(DOCS_START)
        _, _, tail = rest.partition(DOCS_END)
        docs.write_text(f"{head}{DOCS_START}\n{table(results)}\n{DOCS_END}{tail}")
        print(f"table written to {docs}")
