#!/usr/bin/env bash
# The web UI's front-end libraries (htmx, Pico CSS: built into the binary) and the browser-test
# tooling (playwright-core), from the npm registry as package-lock.json pins them. Runs `npm ci`
# only when node_modules is missing or older than the lock file; installs Node.js and npm from
# Debian when the machine has neither.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! command -v npm > /dev/null; then
  "$ROOT/scripts/deps.sh" nodejs npm
fi
STAMP=node_modules/.package-lock.json
if [ -f "$STAMP" ] && [ "$STAMP" -nt package-lock.json ] \
   && [ -f node_modules/htmx.org/dist/htmx.min.js ] && [ -f node_modules/@picocss/pico/css/pico.min.css ]; then
  exit 0
fi
echo "npm ci (front-end libraries and browser-test tooling)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
touch "$STAMP"
