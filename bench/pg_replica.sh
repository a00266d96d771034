#!/usr/bin/env bash
# A throwaway PostgreSQL primary and a streaming replica built from it with pg_basebackup,
# on two ports of this machine, for the replica test and the load bench:
#
#   bench/pg_replica.sh start DIR PORT     # primary on PORT, replica on PORT+1
#   bench/pg_replica.sh stop DIR
#
# Then DATABASE_URL=postgres://postgres@127.0.0.1:PORT/relais and
# DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:PORT+1/relais. Runs the servers as the
# `postgres` system user when started as root (PostgreSQL refuses to run as root).
set -euo pipefail
action="$1"; dir="$2"
bin="$(dirname "$(command -v pg_basebackup)")"
[ -x "$bin/initdb" ] || bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

case "$action" in
start)
  port="$3"; replica_port=$((port + 1))
  mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_pg "$bin/initdb -D '$dir/primary' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log'"
  as_pg "$bin/pg_ctl -D '$dir/primary' -l '$dir/primary.log' -w \
    -o \"-p $port -c listen_addresses=127.0.0.1 -k '$dir' -c wal_level=replica -c fsync=off\" start"
  as_pg "$bin/psql -h 127.0.0.1 -p $port -U postgres -qc 'CREATE DATABASE relais'"
  as_pg "$bin/pg_basebackup -h 127.0.0.1 -p $port -U postgres -D '$dir/replica' -R -X stream"
  as_pg "$bin/pg_ctl -D '$dir/replica' -l '$dir/replica.log' -w \
    -o \"-p $replica_port -c listen_addresses=127.0.0.1 -k '$dir' -c hot_standby=on\" start"
  as_pg "$bin/psql -h 127.0.0.1 -p $replica_port -U postgres -tAc 'SELECT pg_is_in_recovery()'" \
    | grep -q t
  echo "primary 127.0.0.1:$port, streaming replica 127.0.0.1:$replica_port"
  ;;
stop)
  for node in replica primary; do
    [ -d "$dir/$node" ] && as_pg "$bin/pg_ctl -D '$dir/$node' -m fast -w stop" || true
  done
  ;;
*) echo "usage: $0 start DIR PORT | stop DIR"; exit 2 ;;
esac
