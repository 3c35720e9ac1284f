"""The WSGI app that `make bench` serves: shop.wsgi, or the reference app when
DJANGO_SETTINGS_MODULE=bench.settings, wrapped with per-process counters.

Never used outside the benchmark. With BENCH_COUNTERS=1 it counts requests and the SQL
statements each worker runs (connection.execute_wrapper), and answers
GET /__bench__/counters itself, before Django, with this worker's totals. With
BENCH_PROFILE=<dir> it also profiles every request with cProfile; GET /__bench__/profile
writes this worker's profile to <dir>/<pid>-<n>.prof and starts a new one.
"""

import cProfile
import json
import os

from django.db import connection

from shop.wsgi import application as django_application

COUNTERS = {"pid": os.getpid(), "requests": 0, "statements": 0, "transaction": 0, "product": 0}
TRANSACTION_SQL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
PROFILE_DIR = os.environ.get("BENCH_PROFILE", "")
_profile = {"profiler": cProfile.Profile() if PROFILE_DIR else None, "dumps": 0}


def _count_sql(execute, sql, params, many, context):
    head = sql.lstrip()[:10].upper()
    if head.startswith(TRANSACTION_SQL):
        COUNTERS["transaction"] += 1
    else:
        COUNTERS["statements"] += 1
        if 'FROM "catalog_product"' in sql:
            COUNTERS["product"] += 1
    return execute(sql, params, many, context)


def _answer(start_response, data: dict):
    body = json.dumps(data).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Connection", "close")])
    return [body]


def _dump_profile() -> str:
    profiler = _profile["profiler"]
    _profile["dumps"] += 1
    path = os.path.join(PROFILE_DIR, f"{os.getpid()}-{_profile['dumps']}.prof")
    profiler.dump_stats(path)
    _profile["profiler"] = cProfile.Profile()
    return path


def counting_application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/__bench__/counters":
        return _answer(start_response, {**COUNTERS, "pid": os.getpid()})
    if path == "/__bench__/profile" and PROFILE_DIR:
        return _answer(start_response, {"pid": os.getpid(), "file": _dump_profile()})
    COUNTERS["requests"] += 1
    profiler = _profile["profiler"]
    if profiler is None:
        return django_application(environ, start_response)
    profiler.enable()
    try:
        result = django_application(environ, start_response)
        try:
            return list(result)
        finally:
            result.close()  # request_finished: closes the DB connection, like gunicorn would
    finally:
        profiler.disable()


if os.environ.get("BENCH_COUNTERS") == "1":
    # Sync gunicorn workers serve every request on the thread that imported this module.
    connection.execute_wrappers.append(_count_sql)
    application = counting_application
else:
    application = django_application
