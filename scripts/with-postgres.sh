#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on 127.0.0.1.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Creates a temporary data directory, starts the newest PostgreSQL found under
# /usr/lib/postgresql/*/bin on a free loopback port (unix sockets stay in the temporary
# directory, trust authentication), creates the database medcredit_test, and runs COMMAND
# with MEDCREDIT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/medcredit_test.
# The server is stopped and the directory deleted however COMMAND ends; the exit status is
# COMMAND's. Nothing is printed after COMMAND's own output.
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user
# (created by Debian's postgresql package) through runuser.
set -euo pipefail

if [ $# -eq 0 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

say() { printf 'with-postgres: %s\n' "$*" >&2; }

# The glob sorts as text (10 before 9): pick the newest version numerically.
pg_bin=$(for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && echo "$dir"
done | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
    say "PostgreSQL server not found under /usr/lib/postgresql/*/bin"
    say "install it with: sudo apt-get install -y --no-install-recommends postgresql"
    exit 1
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        say "running as root but there is no 'postgres' user (install Debian's postgresql package)"
        exit 1
    fi
    as_pg=(runuser -u postgres --)
    # The server user must reach the directory, so keep it under /tmp whatever TMPDIR says.
    tmp=$(mktemp -d /tmp/medcredit-pg.XXXXXXXX)
    chown postgres: "$tmp"
else
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/medcredit-pg.XXXXXXXX")
fi
data=$tmp/data
log=$tmp/server.log

# Run a PostgreSQL program as the server user, from a directory it may enter.
pg() { (cd "$tmp" && "${as_pg[@]}" "$@"); }

cleanup() {
    local status=$?
    if [ -f "$data/postmaster.pid" ]; then
        pg "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

pg "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$tmp/initdb.log" 2>&1 || {
    say "initdb failed:"
    cat "$tmp/initdb.log" >&2
    exit 1
}

# A free port can be taken between asking and binding: try a few.
started=0
for _ in 1 2 3 4 5; do
    port=$(free_port)
    options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$tmp'"
    # Durability is pointless for a database that is deleted afterwards.
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if pg "$pg_bin/pg_ctl" -D "$data" -l "$log" -o "$options" -w -t 60 start >/dev/null 2>&1; then
        started=1
        break
    fi
done
if ((!started)); then
    say "PostgreSQL did not start; its log:"
    cat "$log" >&2 || true
    exit 1
fi

"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres medcredit_test

export MEDCREDIT_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/medcredit_test"
say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
    "(throwaway, $tmp)"
say "MEDCREDIT_TEST_DATABASE_URL=$MEDCREDIT_TEST_DATABASE_URL"

status=0
"$@" || status=$?
exit "$status"
