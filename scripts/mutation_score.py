#!/usr/bin/env python3
"""Print the mutation score of the last `mutmut run` and its survivors (make test-mutation).

Reads mutmut's result files (mutants/<source path>.meta) for the source paths of
`[tool.mutmut]` in pyproject.toml. Killed = killed by a test, timed out or caught by the type
check; every other mutant (survived, no tests, not checked, ...) counts against the score.
Exits 1 if the score is below the bar or a survivor is not listed as equivalent, with a
reason, in docs/MUTATION.md; listed names that no longer survive are reported as stale.
"""

import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

BAR = 90.0  # percent killed, docs/MUTATION.md
KILLED = {"killed", "timeout", "caught by type check"}
LISTED = re.compile(r"^- `([^`]+__mutmut_\d+)`", re.MULTILINE)


def results(root: Path) -> dict[str, dict[str, str]]:
    """{source path: {mutant name: status}} of the last run."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    found = {}
    for path in config["source_paths"]:
        meta = root / "mutants" / f"{path}.meta"
        if not meta.exists():
            sys.exit(f"No results for {path}: run `make test-mutation` first.")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        found[path] = {name: status_by_exit_code[code] for name, code in sorted(codes.items())}
    return found


def main(root: Path) -> int:
    found = results(root)
    doc = root / "docs" / "MUTATION.md"
    equivalent = set(LISTED.findall(doc.read_text())) if doc.exists() else set()
    total = killed = 0
    survivors = []
    print(f"{'module':34} {'killed':>7} {'total':>6} {'score':>7}")
    for path, statuses in found.items():
        counts = Counter(status in KILLED for status in statuses.values())
        total += len(statuses)
        killed += counts[True]
        share = 100 * counts[True] / len(statuses) if statuses else 100.0
        print(f"{path:34} {counts[True]:7} {len(statuses):6} {share:6.1f}%")
        survivors += [(name, s) for name, s in statuses.items() if s not in KILLED]
    score = 100 * killed / total if total else 100.0
    print(f"\nMutation score: {killed} killed / {total} mutants = {score:.1f}% (bar: {BAR:.0f}%)")
    unexplained = [name for name, _ in survivors if name not in equivalent]
    print(
        f"\nSurvivors: {len(survivors)} ({len(survivors) - len(unexplained)} listed as equivalent"
    )
    print("in docs/MUTATION.md); see one with `.venv/bin/mutmut show NAME`:")
    for name, status in survivors:
        note = "equivalent" if name in equivalent else "NOT EXPLAINED: add a test or list it"
        print(f"  {name} [{status}] {note}")
    stale = sorted(equivalent - {name for name, _ in survivors})
    for name in stale:
        print(f"  stale entry in docs/MUTATION.md (no longer survives): {name}")
    return 0 if score >= BAR and not unexplained and not stale else 1


if __name__ == "__main__":
    sys.exit(main(Path(__file__).resolve().parent.parent))
