#!/usr/bin/env bash
# Runs every test: unit, store contract (SQLite and a throwaway PostgreSQL cluster), end to end.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGDIR="$ROOT/$BUILD/pgtest"
URL=$("$ROOT/scripts/pg_test_cluster.sh" start "$PGDIR")
trap '"$ROOT/scripts/pg_test_cluster.sh" stop "$PGDIR" >/dev/null 2>&1 || true' EXIT
export CAIRN_TEST_PG_URL="$URL"
export CAIRN_BIN="$ROOT/$BUILD/cairn"
echo "PostgreSQL test cluster: $URL"
ctest --test-dir "$ROOT/$BUILD" --output-on-failure -j"$(nproc)" --timeout 600
