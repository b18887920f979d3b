#!/usr/bin/env bash
# A throwaway PostgreSQL 15 with TLS, for the sync tests (the session's shared server, and the
# private ones of the fault tests that stop and start their server).
#
#   postgres.sh start DIR PORT CERT KEY   initdb in DIR/data, TLS with CERT/KEY (PEM), listening on
#                                         127.0.0.1 and 127.0.0.2 (the second is a host name the
#                                         certificate doesn't name) and a socket in DIR/sock
#   postgres.sh stop DIR [smart|fast|immediate]
#   postgres.sh restart DIR               start again after a stop, same port and settings
#
# PostgreSQL refuses to run as root: as root, it runs as the postgres user (runuser). Only TLS
# connections with a password are accepted over TCP (hostssl, scram-sha-256); the socket trusts
# the postgres superuser, which the tests use to set up clinics.
set -euo pipefail
cmd="${1:?start|stop|restart}"
dir="${2:?DIR}"
pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is not installed ($pgbin): run scripts/setup.sh" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port="${3:?PORT}"; cert="${4:?CERT}"; key="${5:?KEY}"
    mkdir -p "$dir/sock"
    # The postgres user must reach the folder (mktemp makes it 0700, root's).
    [ "$(id -u)" = 0 ] && chmod 755 "$dir" && chown -R postgres "$dir"
    as_pg "$pgbin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1
    install -m 600 "$cert" "$dir/data/server.crt"
    install -m 600 "$key" "$dir/data/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/data/server.crt" "$dir/data/server.key"
    cat >"$dir/data/pg_hba.conf" <<HBA
local   all all                 trust
hostssl all all 127.0.0.1/32    scram-sha-256
hostssl all all 127.0.0.2/32    scram-sha-256
host    all all 0.0.0.0/0       reject
HBA
    # fsync off: a test server; an immediate stop is still recovered from the WAL (the OS keeps it).
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1,127.0.0.2'
unix_socket_directories = '$dir/sock'
ssl = on
fsync = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
CONF
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
    ;;
  restart)
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
    ;;
  stop)
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m "${3:-fast}" -w -t 30 stop >/dev/null
    ;;
  *) echo "postgres.sh: unknown command $cmd" >&2; exit 2 ;;
esac
