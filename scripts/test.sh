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
# The ConnectWise fidelity test drives the simulator with the npm package connectwise-rest.
FIDELITY="$ROOT/sims/connectwise/fidelity"
if [ -f "$FIDELITY/package-lock.json" ]; then
  if ! command -v npm >/dev/null; then "$ROOT/scripts/deps.sh" nodejs npm; fi
  if [ ! -d "$FIDELITY/node_modules" ] || [ "$FIDELITY/package-lock.json" -nt "$FIDELITY/node_modules" ]; then
    (cd "$FIDELITY" && npm ci --no-audit --no-fund --loglevel=error) && touch "$FIDELITY/node_modules"
  fi
fi
echo "PostgreSQL test cluster: $URL"
ctest --test-dir "$ROOT/$BUILD" --output-on-failure -j"$(nproc)" --timeout 600
# The web UI in a real browser: playwright-core (npm ci by scripts/web_deps.sh) drives Debian's
# Chromium (installed by `make test`) against the real server and simulators. Screenshots of the
# main pages are saved in $BUILD/screenshots.
echo "browser tests (Chromium)"
CAIRN_SIM_BIN="$ROOT/$BUILD/cairn-sim" CAIRN_SCREENSHOTS="$ROOT/$BUILD/screenshots" \
  node --test --test-concurrency=1 --test-reporter=spec "$ROOT/tests/browser/"
