#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg_test_cluster.sh start DIR   # prints the URL of database cairn_test, one line
#   scripts/pg_test_cluster.sh stop DIR    # stops the cluster and deletes its data
#
# DIR is a directory owned by the caller (e.g. build/pgtest). It receives:
#   DIR/url      postgresql://postgres@127.0.0.1:PORT/cairn_test
#   DIR/cluster  the cluster's root: data/, sock/ (the Unix socket) and log (the server log)
# The root is DIR/pg when the server's user can write there and the socket path is short enough,
# otherwise a fresh /tmp/cairn-pg-XXXXXX. As root the server runs as the `postgres` user (initdb
# refuses to run as root); otherwise as the current user. Authentication is `trust`, the server
# listens on 127.0.0.1 only, and durability is off (fsync, synchronous_commit, full_page_writes):
# the data is for tests and deleted by `stop`.
#
# `start` is idempotent: when the cluster recorded in DIR is running it only prints the URL.
# A stale record (e.g. after a reboot) is cleared and a new cluster is created.
# Set PG_BIN to use binaries other than /usr/lib/postgresql/15/bin.
set -euo pipefail

readonly kMarker=.cairn-pg-cluster   # only directories holding this file are ever deleted
readonly kDatabase=cairn_test

die() {
  echo "pg_test_cluster: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

find_pg_bin() {
  local candidate
  for candidate in "${PG_BIN:-}" /usr/lib/postgresql/15/bin; do
    if [[ -n $candidate && -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
      echo "$candidate"
      return
    fi
  done
  # A developer machine with PostgreSQL on PATH (Homebrew, Fedora, ...).
  if candidate=$(command -v initdb 2>/dev/null) && [[ -x $(dirname "$candidate")/pg_ctl ]]; then
    dirname "$candidate"
    return
  fi
  die "initdb not found: postgresql-15 is not installed; run make deps (or set PG_BIN)"
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as the user who owns the cluster. The working directory is the cluster root
# because runuser keeps the caller's, which `postgres` may not be allowed to enter (/root).
as_owner() {
  if is_root; then
    (cd "$root" && runuser -u postgres -- "$@")
  else
    (cd "$root" && "$@")
  fi
}

# True when the owner can create files in $1.
owner_can_write() {
  if is_root; then
    runuser -u postgres -- test -w "$1" -a -x "$1" 2>/dev/null
  else
    test -w "$1" -a -x "$1"
  fi
}

# Sets $root to a new, empty cluster root owned by the server's user.
make_root() {
  local candidate=$dir/pg
  if [[ -e $candidate && ! -f $candidate/$kMarker ]]; then
    die "$candidate exists and was not made by this script; remove it or pick another DIR"
  fi
  rm -rf -- "$candidate"
  mkdir -p -- "$candidate"
  touch -- "$candidate/$kMarker"
  is_root && chown postgres: -- "$candidate"
  # Unix socket paths are limited to 107 bytes; ".s.PGSQL.NNNNN.lock" takes 20 of them.
  local sock=$candidate/sock
  if ((${#sock} <= 80)) && owner_can_write "$candidate"; then
    root=$candidate
    return
  fi
  rm -rf -- "$candidate"
  root=$(mktemp -d /tmp/cairn-pg-XXXXXX)
  touch -- "$root/$kMarker"
  chmod 755 -- "$root"
  is_root && chown postgres: -- "$root"
  return 0
}

# Deletes a cluster root we created, never anything else.
remove_root() {
  local r=$1
  [[ -n $r && -d $r && -f $r/$kMarker ]] || return 0
  rm -rf -- "$r"
}

is_running() {
  [[ -f $root/data/postmaster.pid ]] &&
    as_owner "$pg_bin/pg_ctl" status -D "$root/data" >/dev/null 2>&1
}

port_in_use() {
  # A successful connect means someone listens there. Bash-only: python3 may be absent.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  mkdir -p -- "$dir"
  dir=$(cd "$dir" && pwd)
  pg_bin=$(find_pg_bin)
  if is_root && ! id postgres >/dev/null 2>&1; then
    die "user postgres does not exist: postgresql-15 is not installed; run make deps"
  fi

  if [[ -f $dir/cluster && -f $dir/url ]]; then
    root=$(<"$dir/cluster")
    if is_running; then
      cat -- "$dir/url"
      return
    fi
    echo "pg_test_cluster: clearing stale cluster $root" >&2
    remove_root "$root"
  fi
  rm -f -- "$dir/cluster" "$dir/url"

  make_root
  mkdir -p -- "$root/data" "$root/sock"
  is_root && chown postgres: -- "$root/data" "$root/sock"
  chmod 700 -- "$root/data"
  echo "$root" >"$dir/cluster"

  if ! as_owner "$pg_bin/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --no-locale \
      >"$root/initdb.log" 2>&1; then
    cat -- "$root/initdb.log" >&2
    die "initdb failed (log above)"
  fi

  # Try ports from a per-process offset upward; another run may take a port between our check
  # and the server's bind, so a bind failure moves on to the next port.
  local port=$((54320 + $$ % 500)) attempt started=0
  for ((attempt = 0; attempt < 40; attempt++, port++)); do
    port_in_use "$port" && continue
    : >"$root/log"
    is_root && chown postgres: -- "$root/log"
    if as_owner "$pg_bin/pg_ctl" -D "$root/data" -l "$root/log" -w -t 60 \
        -o "-p $port -k $root/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
      started=1
      break
    fi
    if ! grep -qiE 'could not (bind|create (listen|any TCP))|address already in use' "$root/log"; then
      tail -n 20 -- "$root/log" >&2
      die "the server did not start (log above, full log in $root/log)"
    fi
  done
  ((started)) || die "no free port found in 40 attempts"

  if ! as_owner "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -v ON_ERROR_STOP=1 -c "CREATE DATABASE $kDatabase OWNER postgres" >&2; then
    die "could not create database $kDatabase (server log: $root/log)"
  fi

  local url="postgresql://postgres@127.0.0.1:$port/$kDatabase"
  echo "$url" >"$dir/url"
  echo "$url"
}

stop() {
  [[ -d $dir ]] || return 0
  [[ -f $dir/cluster ]] || return 0
  root=$(<"$dir/cluster")
  if [[ -d $root/data ]]; then
    pg_bin=$(find_pg_bin)
    if is_running; then
      as_owner "$pg_bin/pg_ctl" -D "$root/data" -m fast -w -t 60 stop >/dev/null ||
        die "pg_ctl stop failed (server log: $root/log)"
    fi
  fi
  remove_root "$root"
  rm -f -- "$dir/cluster" "$dir/url"
}

[[ $# -eq 2 ]] || usage
dir=$2
root=
pg_bin=
case $1 in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
