#!/usr/bin/env bash
# Runs a command against a PostgreSQL server of its own: initdb in a temporary folder (as an
# unprivileged user when run as root), started on 127.0.0.1 at a free port, stopped and removed
# when the command ends. The command gets
#   ROWGATE_TEST_PG        postgresql://rowgate@127.0.0.1:PORT/rowgate  (the application's role:
#                          no superuser, no BYPASSRLS; it owns the database and migrates it)
#   ROWGATE_TEST_PG_ADMIN  postgresql://postgres@127.0.0.1:PORT/rowgate (the superuser, for checks)
# Exit status: the command's, or 1 if PostgreSQL cannot be started (a test that needs it fails).
# Usage: tests/pg/with_pg.sh COMMAND [ARG]...
set -uo pipefail

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with_pg.sh: no PostgreSQL server found under /usr/lib/postgresql (install postgresql)" >&2
  exit 1
fi

as_user=()
owner="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  owner="rowgate-pg"
  if ! id -u "$owner" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner" 2>/dev/null ||
      id -u "$owner" >/dev/null 2>&1 || { echo "with_pg.sh: cannot create the user $owner" >&2; exit 1; }
  fi
  as_user=(runuser -u "$owner" --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/rowgate-pg.XXXXXX")"
chmod 755 "$dir"
[ "$owner" != "$(id -un)" ] && chown "$owner" "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

stop() {
  "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

if ! "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  echo "with_pg.sh: initdb failed" >&2
  exit 1
fi
# Durable as in production (fsync, synchronous_commit on); room for bulk loads between checkpoints.
if ! "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c shared_buffers=256MB \
        -c max_wal_size=4GB -c max_connections=200" >/dev/null; then
  cat "$dir/server.log" >&2
  echo "with_pg.sh: PostgreSQL did not start" >&2
  exit 1
fi
psql_admin=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
if ! "${psql_admin[@]}" -d postgres \
    -c "CREATE ROLE rowgate LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE" \
    -c "CREATE DATABASE rowgate OWNER rowgate" >&2; then
  echo "with_pg.sh: cannot create the role and database" >&2
  exit 1
fi

export ROWGATE_TEST_PG="postgresql://rowgate@127.0.0.1:$port/rowgate"
export ROWGATE_TEST_PG_ADMIN="postgresql://postgres@127.0.0.1:$port/rowgate"
export ROWGATE_PG_BIN="$bin"
"$@"
