"""The run's report in Markdown: setup, faults, operations, errors by class and window, books.

Printed at the end of every run; with FAULTS_DOCS=1 it replaces the marked section of
docs/RELIABILITY.md (the text around the markers is kept).
"""

import re
from collections import Counter, defaultdict
from pathlib import Path

from tests.faults.client import GATEWAY_CODES, MAX_ATTEMPTS, TIMEOUT, Attempt, Journal

DOCS = Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md"
START, END = "<!-- faults:start -->", "<!-- faults:end -->"
ERROR_CLASSES = [
    "network error",
    "hang",
    "500",
    "503 + Retry-After",
    "503 no Retry-After",
    "other 5xx",
    "502/504 card outcome",
]


def error_class(attempt: Attempt) -> str:
    if attempt.error == "hang":
        return "hang"
    if attempt.status is None:
        return "network error"
    if attempt.status == 500:
        return "500"
    if attempt.status == 503:
        return "503 + Retry-After" if attempt.retry_after else "503 no Retry-After"
    if attempt.code in GATEWAY_CODES:
        return "502/504 card outcome"
    return "other 5xx"


def recovery(journal: Journal, fault, server: int) -> float | None:
    """Seconds from the fault's end to the end of the first request to `server` that was sent
    after it and succeeded (no 5xx, an answer)."""
    ends = [
        a.ended
        for operation in journal.operations
        for a in operation.attempts
        if a.server == server and a.started >= fault.ended and not a.failed
    ]
    return min(ends) - fault.ended if ends else None


def windows(journal: Journal, faults) -> list[tuple[str, float, float]]:
    """(label, from, to) of each fault's window: the fault, then until both servers recovered."""
    result = []
    for i, fault in enumerate(faults):
        healed = [recovery(journal, fault, s) for s in (0, 1)]
        healed += [v for v in fault.ready_again.values() if v is not None]
        tail = max([v for v in healed if v is not None] + [0.0]) + 1.0
        result.append((f"{i + 1}. {fault.name}", fault.started - 0.5, fault.ended + tail))
    return result


def window_of(at: float, spans) -> str:
    for label, start, end in spans:
        if start <= at <= end:
            return label
    return "calm (no fault)"


def _count(value: int) -> str:
    return f"{value:,}" if value else "·"


def render(
    *, config, journal: Journal, faults, checks, findings, elapsed: float, cache_engine_lost
) -> str:
    ops = journal.operations
    attempts = [a for op in ops for a in op.attempts]
    lines = [
        "### Setup",
        "",
        f"PostgreSQL and Redis (`scripts/services.sh`), two gunicorn servers with "
        f"{config.workers} sync workers each (`DEBUG=0`, `SESSION_ENGINE=…cached_db`, "
        f"`PAYMENT_GATEWAY_TIMEOUT={config.gateway_timeout}`), all on 127.0.0.1. "
        f"{config.shoppers} shoppers ({config.signed_in} signed in) and a staff member, "
        f"seed {config.seed}, {config.ops:,} operations "
        f"({len(attempts):,} requests with retries) in {elapsed:.0f} s. Clients time out after "
        f"{TIMEOUT} s and retry a network error or a 5xx up to {MAX_ATTEMPTS} times in all "
        f"(the same Idempotency-Key), honouring `Retry-After`.",
        "",
        "### Faults",
        "",
        "| # | fault | at | lasted | probe answered: server 1 / 2 | shoppers served: 1 / 2 "
        "| what happened |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, fault in enumerate(faults, 1):
        ready = " / ".join(_seconds(fault.ready_again.get(s)) for s in (0, 1))
        rec = " / ".join(_seconds(recovery(journal, fault, s)) for s in (0, 1))
        notes = "; ".join(re.sub(r"^\s*[\d.]+s ", "", note) for note in fault.notes[1:-1])
        lines.append(
            f"| {i} | {fault.name} | {fault.started:.1f} s | {fault.ended - fault.started:.1f} s "
            f"| {ready} | {rec} | {notes} |"
        )
    lines += [
        "",
        "Time to recover, from the fault's end: *probe answered* is the first cart read "
        "(session: PostgreSQL and Redis) sent to that server afterwards by a probe asking "
        "every 0.25 s; *shoppers served* the first shopper's request sent to it afterwards "
        "that was answered without a 5xx (clients back off, so this is later).",
        "",
        "### Operations by outcome",
        "",
        "| operation | count | 2xx | 4xx (codes) | 502/504 card outcome | gave up "
        "| needed a retry |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    by_kind = defaultdict(list)
    for op in ops:
        by_kind[op.kind].append(op)
    for kind, group in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        codes = Counter(
            f"{op.status} {op.code}".strip() for op in group if op.status and 400 <= op.status < 500
        )
        code_text = ", ".join(f"{c} × {k}" for k, c in codes.most_common(4)) or "·"
        card = sum(op.code in GATEWAY_CODES for op in group)
        failed = sum(op.status is None or op.status >= 500 for op in group) - card
        lines.append(
            f"| {kind} | {len(group):,} | {_count(sum(op.ok for op in group))} | {code_text} "
            f"| {_count(card)} | {_count(failed)} "
            f"| {_count(sum(len(op.attempts) > 1 for op in group))} |"
        )
    spans = windows(journal, faults)
    table = defaultdict(Counter)
    slowest = defaultdict(float)
    for a in attempts:
        window = window_of(a.ended, spans)  # counted where the outcome was seen
        slowest[window] = max(slowest[window], a.ended - a.started)
        if a.failed:
            table[window][error_class(a)] += 1
    lines += [
        "",
        "### Failed requests by class and fault window",
        "",
        "| window | " + " | ".join(ERROR_CLASSES) + " | slowest request |",
        "|---|" + "---:|" * (len(ERROR_CLASSES) + 1),
    ]
    for label in ["calm (no fault)"] + [s[0] for s in spans]:
        row = table.get(label, Counter())
        cells = " | ".join(_count(row[c]) for c in ERROR_CLASSES)
        lines.append(f"| {label} | {cells} | {slowest[label]:.1f} s |")
    waits = Counter(a.retry_after for a in attempts if a.status == 503)
    lines += [
        "",
        "`Retry-After` of the 503s: "
        + (", ".join(f"{k} s × {v}" for k, v in sorted(waits.items(), key=str)) or "none")
        + ".",
        "",
        "A 502/504 card outcome is the fault cards' answer (processing error, lost reply) or "
        "the hanging gateway's; a client retries it once.",
        "",
        "### The books",
        "",
        "| check | figures | result |",
        "|---|---|---|",
    ]
    for check in checks:
        lines.append(f"| {check.name} | {check.figure} | {'held' if check.ok else '**FAILED**'} |")
    lost, made = cache_engine_lost
    lines += [
        "",
        f"On the `cache` session engine (sessions in Redis alone; measured after the load on a "
        f"third server): guest carts lost on a Redis restart: {lost} of {made}. The throwaway "
        "Redis runs without persistence, as a cache; with the `cache` engine give Redis "
        "persistence (README, Production), or use `cached_db`, which lost none above.",
    ]
    lines += ["", "### Findings", ""]
    lines += [f"- {finding}" for finding in findings] or ["- None: no 500, traceback page or hang."]
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def write_docs(text: str, path: Path = DOCS) -> None:
    content = path.read_text()
    head, _, rest = content.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{START}\n{text}\n{END}{tail}")
    print(f"faults: report written to {path}", flush=True)
