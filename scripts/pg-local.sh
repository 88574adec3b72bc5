#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 (no systemd), as the postgres user, and prints its DATABASE_URL.
# Used by .ci/run and by `npm test` when PostgreSQL is wanted locally. Installs Debian's postgresql when missing.
#   scripts/pg-local.sh start   -> prints postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-local.sh stop
set -euo pipefail
PGPORT="${PGPORT:-55432}"
PGDIR="${PGDIR:-/tmp/commonpot-pg-$PGPORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"

as_postgres() { if [ "$(id -u)" = 0 ]; then (cd / && su postgres -s /bin/bash -c "$*"); else bash -c "$*"; fi; }

case "${1:-start}" in
  start)
    if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
      echo "installing postgresql from Debian" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
      BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    if ! as_postgres "$BIN/pg_ctl -D $PGDIR status" >/dev/null 2>&1; then
      if [ ! -f "$PGDIR/PG_VERSION" ]; then
        mkdir -p "$PGDIR"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
        as_postgres "$BIN/initdb -D $PGDIR -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
      fi
      as_postgres "$BIN/pg_ctl -D $PGDIR -l $PGDIR/server.log -o \"-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c max_connections=300\" -w start" >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    as_postgres "$BIN/pg_ctl -D $PGDIR -m fast stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
