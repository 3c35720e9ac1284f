"""A pytest plugin for `make test-mutation` only (pyproject.toml, `[tool.mutmut]`).

shop/settings.py names the SQLite test database file after the process id when the settings
are read. mutmut forks its workers from one process that has read them already, so two
workers running at once would share one file and drop each other's tables (every mutant
then looks killed). Each pytest session here gets a file named after its own process.
"""

import json
import os
import tempfile
from pathlib import Path

from hypothesis import Phase, settings

# A failing property test is reported at its first failing example: shrinking it to the
# smallest one can take minutes, and a mutant needs only to be known killed.
settings.register_profile(
    "mutation", phases=[Phase.explicit, Phase.generate], database=None, derandomize=True
)
settings.load_profile("mutation")


def _test_database() -> Path:
    return Path(tempfile.gettempdir()) / f"shop-mutant-{os.getpid()}.sqlite3"


def pytest_sessionstart(session) -> None:
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(_test_database())


def pytest_unconfigure(config) -> None:
    """Workers end without closing their connections: remove the WAL files left behind."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_test_database()}{suffix}").unlink(missing_ok=True)


def _left_out(item) -> bool:
    """Tests run once per session engine run on the db engine only: the engine does not touch
    the mutated code, and four runs of each would make every survivor four times dearer.
    Tests racing threads (django_db(transaction=True)) are left out: under a mutant they can
    spin until their 60-second barrier times out; `make test` and `make test-services` run them.
    """
    callspec = getattr(item, "callspec", None)
    if callspec and callspec.params.get("session_engine") not in (None, "db"):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def _fastest_first(items) -> None:
    """mutmut hands a mutant's tests over in no particular order; run the quickest first (by
    the timings of its clean run), so a killed mutant is known after as little work as can be."""
    stats = Path("mutmut-stats.json")
    if os.environ.get("MUTANT_UNDER_TEST") and stats.exists():
        seconds = json.loads(stats.read_text())["duration_by_test"]
        items.sort(key=lambda item: seconds.get(item.nodeid, 0.0))


def pytest_collection_modifyitems(config, items) -> None:
    keep, drop = [], []
    for item in items:
        (drop if _left_out(item) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    _fastest_first(items)
