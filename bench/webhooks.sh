#!/usr/bin/env bash
# `make bench-webhooks`: webhook delivery on SQLite. CHANGES company renames through the API
# without a webhook, then as many with one active (company.updated) whose receiver runs in
# cairn-bench over HTTPS: the API's write rate both ways, and the latency from each change to
# its receipt (p50/p99). Prints a report (also build/bench-webhooks/report.txt) for bench/RESULTS.md.
#   CHANGES=1000 THREADS=4 bench/webhooks.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/$BUILD/bench-webhooks"
CHANGES=${CHANGES:-1000}
THREADS=${THREADS:-4}
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# (cairn-bench makes the receiver's CA in $OUT/tls; Cairn reads the file at each delivery.)
"$ROOT/$BUILD/cairn" serve --data-dir "$OUT/data" --listen 127.0.0.1:0 --rate-limit 0 \
  --webhook-allow 127.0.0.0/8 --webhook-ca-file "$OUT/tls/ca.pem" > "$OUT/cairn.out" 2> "$OUT/cairn.log" &
PIDS+=($!)
for _ in $(seq 400); do grep -q '^listening on ' "$OUT/cairn.out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/^listening on //p' "$OUT/cairn.out")
KEY=$(sed -n 's/^  API key:  //p' "$OUT/cairn.out")
{
  echo "Webhook benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); command: make bench-webhooks"
  echo "$CHANGES company renames through the API on $THREADS connections, SQLite, receiver over HTTPS on the same machine"
  "$ROOT/$BUILD/cairn-bench" webhooks --url "$URL" --key "$KEY" --tls-dir "$OUT/tls" --changes "$CHANGES" --threads "$THREADS"
} | tee "$OUT/report.txt"
