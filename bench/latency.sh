#!/usr/bin/env bash
# `make bench-latency`: the sync import with 50 ms per vendor call, against the floor that
# latency sets and against the same import without latency measured just before on the same
# machine (the import cannot beat the larger of the two). VENDOR=connectwise|halo as bench/sync.sh.
#   VENDOR=halo bench/latency.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR=${VENDOR:-connectwise}
LATENCY=${LATENCY:-50}
OUT="$ROOT/$BUILD/bench-sync-$VENDOR"
LATENCY_MS=0 VENDOR="$VENDOR" "$ROOT/bench/sync.sh" "$BUILD" > /dev/null
NO_LATENCY_S=$(sed -n 's/^| initial import .* in \([0-9.]*\) s = .*/\1/p' "$OUT/report.txt")
[ -n "$NO_LATENCY_S" ] || { echo "bench/latency.sh: no import time in $OUT/report.txt" >&2; exit 1; }
NO_LATENCY_S=$NO_LATENCY_S LATENCY_MS=$LATENCY VENDOR="$VENDOR" "$ROOT/bench/sync.sh" "$BUILD"
