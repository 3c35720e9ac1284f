"""`make test-faults`: shoppers keep buying while workers die and PostgreSQL and Redis restart.

PostgreSQL and Redis (scripts/services.sh) and two gunicorn servers on the `cached_db`
session engine, all on loopback with their data in a temp dir; simulated shoppers from a
fixed seed for a fixed number of operations; faults in turn (stack.py, faults.py); then
the operator's cron and the books checked from the database (books.py); the report on
stdout and, with FAULTS_DOCS=1, in docs/RELIABILITY.md (report.py).

    .venv/bin/python -m tests.faults   # knobs: FAULTS_OPS, FAULTS_SHOPPERS, FAULTS_SEED, …
"""
