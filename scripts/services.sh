#!/usr/bin/env bash
# Throwaway PostgreSQL + Redis for local dev, tests and CI (no systemd needed).
#   scripts/services.sh start|stop|status|env
#   scripts/services.sh restart-pg|stop-pg|start-pg|restart-redis   # faults (tests/faults)
#   eval "$(scripts/services.sh env)"   # exports DATABASE_URL and REDIS_URL
# State lives in ${SERVICES_DIR:-$PWD/.services} (gitignored); `stop` deletes it.
# Ports: PG_PORT (default 54329), REDIS_PORT (default 63799); 127.0.0.1 only.
# Missing server packages are installed with apt-get (needs root).
set -euo pipefail

DIR=${SERVICES_DIR:-$PWD/.services}
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}
PGDATA="$DIR/pg"
REDIS_PID="$DIR/redis.pid"
TIMEOUT=30

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# postgres refuses to run as root: use the Debian `postgres` user (or `shoptest`).
PG_USER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=postgres; id postgres >/dev/null 2>&1 || PG_USER=shoptest
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

install_missing() {
  [ -n "$(pg_bin)" ] && command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "postgresql/redis-server missing; run as root or install them"
  log "installing postgresql and redis-server via apt-get (waits for dpkg lock)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q </dev/null >&2
  apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql redis-server </dev/null >&2
  [ -n "$(pg_bin)" ] || die "PostgreSQL binaries still missing after install"
}

# wait_for DESCRIPTION CMD...: retry CMD for up to $TIMEOUT seconds.
wait_for() {
  local what=$1 i; shift
  for ((i = 0; i < TIMEOUT * 2; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what not ready after ${TIMEOUT}s (logs in $DIR)"
}

# alive PID NAME: live (non-zombie) process named NAME* -- guards stale pidfiles/pid reuse.
alive() { [[ -n "$1" && "$(cat "/proc/$1/stat" 2>/dev/null)" =~ ^$1\ \($2[^\)]*\)\ [^Z] ]]; }
pg_running() { alive "$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null)" postgres; }
gone() { ! alive "$@"; }
redis_running() { alive "$(cat "$REDIS_PID" 2>/dev/null)" redis; }
# port_busy PORT: something already listens on 127.0.0.1:PORT (not ours: ours was checked first).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
psql_su() { as_pg psql -h "$PGDATA" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

start_pg() {
  if pg_running; then log "postgres already running on 127.0.0.1:$PG_PORT"; return 0; fi
  local bin; bin=$(pg_bin)
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "initdb in $PGDATA (as $PG_USER)"
    [ "$PG_USER" = shoptest ] && ! id shoptest >/dev/null 2>&1 && useradd --system --no-create-home shoptest
    mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PGDATA"
    as_pg test -w "$PGDATA" || die "$PG_USER cannot write $PGDATA (parent dirs not traversable?); set SERVICES_DIR, e.g. /tmp/shop-services"
    as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || die "initdb failed, see $DIR/initdb.log"
    cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDATA'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  port_busy "$PG_PORT" && die "127.0.0.1:$PG_PORT is taken by another process; set PG_PORT"
  log "starting postgres on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" start -D "$PGDATA" -l "$PGDATA/server.log" -w -t "$TIMEOUT" >/dev/null \
    || die "postgres failed to start, see $PGDATA/server.log"
  wait_for postgres "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres
  # Idempotent setup: role shop/shop (CREATEDB for Django's test_shop) and database shop.
  [ "$(psql_su -c "select 1 from pg_roles where rolname = 'shop'")" = 1 ] \
    || psql_su -c "create role shop login createdb password 'shop'"
  [ "$(psql_su -c "select 1 from pg_database where datname = 'shop'")" = 1 ] \
    || psql_su -c "create database shop owner shop"
}

start_redis() {
  if redis_running; then log "redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  port_busy "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is taken by another process; set REDIS_PORT"
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$DIR/redis.log" --dir "$DIR" \
    || die "redis failed to start, see $DIR/redis.log"
  wait_for redis sh -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG"
}

stop_all() {
  if pg_running; then log "stopping postgres"; as_pg "$(pg_bin)/pg_ctl" stop -D "$PGDATA" -m fast -w >/dev/null; fi
  if redis_running; then
    local pid; pid=$(cat "$REDIS_PID")
    log "stopping redis (pid $pid)"; kill "$pid"
    wait_for "redis shutdown" gone "$pid" redis
  fi
  rm -rf "$PGDATA" "$REDIS_PID" "$DIR/redis.log" "$DIR/initdb.log"
  rmdir "$DIR" 2>/dev/null || true
  log "stopped; state removed"
}

# Faults for tests/faults: the data stays (unlike `stop`); Redis keeps nothing (no persistence).
stop_pg() {
  if pg_running; then log "stopping postgres (fast)"; as_pg "$(pg_bin)/pg_ctl" stop -D "$PGDATA" -m fast -w >/dev/null; fi
}
restart_pg() {
  pg_running || die "postgres is not running"
  log "restarting postgres (fast)"
  as_pg "$(pg_bin)/pg_ctl" restart -D "$PGDATA" -m fast -w -t "$TIMEOUT" -l "$PGDATA/server.log" >/dev/null \
    || die "postgres failed to restart, see $PGDATA/server.log"
}
stop_redis() {
  if redis_running; then
    local pid; pid=$(cat "$REDIS_PID")
    log "stopping redis (pid $pid)"; kill "$pid"
    wait_for "redis shutdown" gone "$pid" redis
  fi
}

case "${1:-}" in
  start) install_missing; mkdir -p "$DIR"; chmod 755 "$DIR"; start_pg; start_redis; log "ready" ;;
  stop) stop_all ;;
  stop-pg) stop_pg ;;
  start-pg) start_pg ;;
  restart-pg) restart_pg ;;
  restart-redis) stop_redis; start_redis ;;
  status)
    pg_running && echo "postgres: running on 127.0.0.1:$PG_PORT" || echo "postgres: stopped"
    redis_running && echo "redis: running on 127.0.0.1:$REDIS_PORT (pid $(cat "$REDIS_PID"))" || echo "redis: stopped" ;;
  env)
    echo "export DATABASE_URL=postgres://shop:shop@127.0.0.1:$PG_PORT/shop"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0" ;;
  *) echo "usage: $0 start|stop|status|env|restart-pg|stop-pg|start-pg|restart-redis" >&2; exit 2 ;;
esac
