# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_ENV := SECRET_KEY=test-only-secret DEBUG=0

.PHONY: run test venv migrate demo lint format test-services test-faults test-browser test-api-fuzz test-mutation bench clean

# requirements-dev.lock: what development, tests and CI install; requirements.lock: what
# production installs. Both pinned with hashes (see README, "Dependencies").
$(BIN)/django-admin: requirements-dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

venv: $(BIN)/django-admin

run: venv
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv
	$(TEST_ENV) $(BIN)/pytest -m "not browser and not services" $(ARGS)

# The whole suite again on PostgreSQL + Redis (sessions: cached_db): throwaway servers on free
# loopback ports with data in a fresh temp dir, stopped and removed afterwards, pass or fail.
test-services: venv
	@set -e; export SERVICES_DIR="$$(mktemp -d "$${TMPDIR:-/tmp}/shop-services.XXXXXX")"; \
	set -- $$($(BIN)/python scripts/free_ports.py 2); export PG_PORT=$$1 REDIS_PORT=$$2; \
	trap 'scripts/services.sh stop' EXIT; trap 'exit 130' INT TERM; \
	scripts/services.sh start; eval "$$(scripts/services.sh env)"; \
	$(TEST_ENV) SESSION_ENGINE=django.contrib.sessions.backends.cached_db \
		$(BIN)/pytest -m "not browser" $(ARGS)

# Faults under load (docs/RELIABILITY.md): PostgreSQL, Redis and two gunicorn servers on free
# loopback ports, shoppers from a fixed seed while workers die and the services restart, then
# the books; everything stopped by PID and the temp dir removed. Knobs: FAULTS_OPS,
# FAULTS_SHOPPERS, FAULTS_SEED, FAULTS_DOCS=1 (rewrite the report in docs/RELIABILITY.md).
test-faults: venv
	$(BIN)/python -m tests.faults

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# End-to-end tests in Debian's Chromium (installed with apt-get if missing; never downloaded
# by Playwright). Screenshots land in artifacts/screenshots/.
test-browser: venv
	@test -x /usr/bin/chromium || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends chromium fonts-liberation; }
	$(TEST_ENV) $(BIN)/pytest -m browser tests/browser $(ARGS)

# Schemathesis against a live gunicorn of the shop (DEBUG=0, scratch SQLite with the demo data,
# free loopback port, stopped by PID): zero failures, fixed seed, bounded examples.
test-api-fuzz: venv
	$(BIN)/python -m tests.api.fuzz $(ARGS)

# Mutation testing of the money, stock and state code (docs/MUTATION.md; not in CI): a fresh
# mutmut run in mutants/, then the score and the survivors; fails below 90% killed or on a
# survivor docs/MUTATION.md does not explain. ARGS="'orders.states.*'" reruns only those mutants.
test-mutation: venv
	@if [ -z "$(ARGS)" ]; then rm -rf mutants; fi
	$(TEST_ENV) $(BIN)/mutmut run $(ARGS)
	$(BIN)/python scripts/mutation_score.py

# Shop vs bare-Django reference under gunicorn + wrk (docs/PERFORMANCE.md); knobs: BENCH_SECONDS,
# BENCH_WARMUP, BENCH_REPS, BENCH_CONNECTIONS, BENCH_CASES, BENCH_DOCS=1 (rewrite the docs table).
bench: venv
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) staticfiles
