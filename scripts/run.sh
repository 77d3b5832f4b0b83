#!/usr/bin/env bash
# `make run`: starts Cairn on its embedded default (SQLite in ./data) in the foreground.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${CAIRN_DATA_DIR:-$ROOT/data}
if [ -f "$DATA/initial-admin.txt" ]; then
  echo "first admin credentials (from $DATA/initial-admin.txt):"
  sed 's/^/  /' "$DATA/initial-admin.txt"
fi
exec "$ROOT/$BUILD/cairn" serve --data-dir "$DATA" --listen "${CAIRN_LISTEN:-127.0.0.1:8080}"
