#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the store tests and prints its URL
# as the last line on stdout; everything else goes to stderr. Typical use:
#
#   export LIFELINE_TEST_POSTGRES="$(packaging/scripts/test-postgres.sh | tail -n1)"
#   go test ./rendezvous/store/
#   packaging/scripts/test-postgres.sh stop
#
# The server listens on 127.0.0.1 only, on a free port, with trust auth and
# durability switched off (fsync=off): it is for tests and nothing else.
# Running it again while that server is up prints the same URL. It installs
# nothing: the PostgreSQL server package must already be there.
set -euo pipefail

STATE=/tmp/lifeline-test-pg # remembers the data directory and port
ROLE=lifeline
DB=lifeline_test

log() { printf 'test-postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

case "${1:-start}" in
start | stop) ACTION="${1:-start}" ;;
*) die "usage: $0 [start|stop]" ;;
esac

# Debian installs the server outside PATH, one directory per major version.
BIN=""
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && BIN="$d"
done
if [ -z "$BIN" ] && [ "$ACTION" = start ]; then
	log "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install them with:"
	echo "apt-get install -y postgresql" >&2
	exit 1
fi

# initdb and postgres refuse to run as root, so root hands them to the
# postgres user that Debian's package creates.
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "no 'postgres' user; is the postgresql package installed?"
	as_pg() { runuser -u postgres -- "$@"; }
	PGOWNER=postgres
else
	as_pg() { "$@"; }
	PGOWNER="$(id -un)"
fi
# The postgres user may not be able to enter the caller's directory.
cd /tmp

# One invocation at a time: two test runs starting together share a server.
exec 9>"$STATE.lock"
flock -w 120 9 || die "another run holds $STATE.lock"

if [ -e "$STATE" ] && { [ ! -d "$STATE" ] || [ -L "$STATE" ] || [ ! -O "$STATE" ]; }; then
	die "$STATE exists but is not a directory owned by $(id -un); remove it"
fi

url_for() { echo "postgres://$ROLE@127.0.0.1:$1/$DB?sslmode=disable"; }

running() { # datadir port
	[ -n "$1" ] && [ -d "$1" ] && as_pg "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1 &&
		"$BIN/pg_isready" -q -h 127.0.0.1 -p "$2" -d postgres -U postgres
}

stop_server() {
	local data port
	data="$(cat "$STATE/datadir" 2>/dev/null || true)"
	port="$(cat "$STATE/port" 2>/dev/null || true)"
	if [ -n "$data" ] && [ -d "$data" ]; then
		if [ -n "$BIN" ] && as_pg "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
			log "stopping the server on port ${port:-?} ($data)"
			as_pg "$BIN/pg_ctl" -D "$data" -m fast -w stop >&2
		fi
		case "$data" in /tmp/lifeline-pg-*) rm -rf -- "$data" ;; esac
	fi
	rm -rf -- "$STATE"
}

if [ "$ACTION" = stop ]; then
	stop_server
	exit 0
fi

# Reuse a server started earlier, if it is still up.
if [ -d "$STATE" ]; then
	data="$(cat "$STATE/datadir" 2>/dev/null || true)"
	port="$(cat "$STATE/port" 2>/dev/null || true)"
	if [ -n "$port" ] && running "$data" "$port"; then
		log "reusing the server on port $port ($data)"
		url_for "$port"
		exit 0
	fi
	log "the server recorded in $STATE is gone; starting a new one"
	stop_server
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -m 700 "$STATE"
data="$(mktemp -d /tmp/lifeline-pg-XXXXXX)"
chown "$PGOWNER" "$data"
chmod 700 "$data"
echo "$data" >"$STATE/datadir"

log "initdb in $data ($BIN)"
as_pg "$BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$STATE/initdb.log" 2>&1 ||
	{ cat "$STATE/initdb.log" >&2; die "initdb failed"; }

# A port can be taken between the check and the bind, so try a few.
started=""
for _ in $(seq 1 20); do
	port=$((20000 + RANDOM % 40000))
	port_free "$port" || continue
	# Kept in the configuration rather than on the command line, so that
	# pg_ctl restart brings the server back the same way.
	cat >>"$data/postgresql.conf" <<EOF

# lifeline test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
	# 9>&-: the server outlives this script and must not inherit the lock.
	if as_pg "$BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >&2 9>&-; then
		started=1
		break
	fi
	grep -qi 'could not bind\|address already in use' "$data/server.log" || {
		cat "$data/server.log" >&2
		die "the server did not start"
	}
	log "port $port was taken; trying another"
done
[ -n "$started" ] || die "no free port found"
echo "$port" >"$STATE/port"

psql_admin() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }
psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB" >&2
psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2

log "started on port $port ($data)"
url_for "$port"
