#!/usr/bin/env bash
# `make bench-sync`: the sync engine against the ConnectWise (or, VENDOR=halo, Halo) simulator at issue 4's size: 2,000
# companies, 40,000 contacts, 4,000 sites, 200,000 configurations, 2,000 agreements. Measures the
# initial import (records/s), Cairn's peak resident memory, and a no-change re-sync's time as a
# share of the import. Prints a report (also build/bench-sync/report.txt) for bench/RESULTS.md.
# RESYNCS=n: n no-change re-syncs instead of one (each reported).
# SIM_ENV / CAIRN_ENV: environment for the simulator / Cairn (experiments, e.g. LD_PRELOAD=...).
# PERF=/tmp/x.perf PERF_PHASE=import|resync|full records a profile of that phase (it slows what it
# profiles: not for figures).
#   VENDOR=connectwise|halo COMPANIES=2000 CONTACTS=20 SITES=2 DEVICES=100 AGREEMENTS=1 bench/sync.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR=${VENDOR:-connectwise}
OUT="$ROOT/$BUILD/bench-sync-$VENDOR"
COMPANIES=${COMPANIES:-2000}
CONTACTS=${CONTACTS:-20}
SITES=${SITES:-2}
DEVICES=${DEVICES:-100}
AGREEMENTS=${AGREEMENTS:-1}
# LATENCY_MS=50: every vendor call takes that much longer (the simulator sleeps, on enough threads
# that Cairn's concurrent calls do not queue behind each other); the report then compares the
# import with the floor that latency sets: calls x latency / the concurrency Cairn uses for them.
LATENCY_MS=${LATENCY_MS:-0}
SIM_THREADS=2
[ "$LATENCY_MS" -gt 0 ] && SIM_THREADS=8
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
report() { echo "$*" | tee -a "$OUT/report.txt"; }
wait_for() {
  for _ in $(seq 400); do
    if grep -q '^listening on ' "$1" 2>/dev/null; then sed -n 's/^listening on //p' "$1"; return 0; fi
    sleep 0.05
  done
  echo "did not start: $1" >&2; return 1
}

env ${SIM_ENV:-} "$ROOT/$BUILD/cairn-sim" --vendor "$VENDOR" --listen 127.0.0.1:0 --seed 1 --tls-dir "$OUT/tls" \
  --companies "$COMPANIES" --contacts-per-company "$CONTACTS" --sites-per-company "$SITES" \
  --devices-per-company "$DEVICES" --agreements-per-company "$AGREEMENTS" --inactive-share 0.05 \
  --threads "$SIM_THREADS" --control-token bench > "$OUT/sim.out" 2> "$OUT/sim.log" &
PIDS+=($!)
SIM_URL=$(wait_for "$OUT/sim.out")
if [ "$LATENCY_MS" -gt 0 ]; then
  curl -sS --cacert "$OUT/tls/ca.pem" -H "X-Sim-Token: bench" -H "Content-Type: application/json" \
    --data "{\"latency_ms\": $LATENCY_MS}" "$SIM_URL/_sim/faults" > /dev/null
fi
env ${CAIRN_ENV:-} "$ROOT/$BUILD/cairn" serve --data-dir "$OUT/data" --listen 127.0.0.1:0 --ca-file "$OUT/tls/ca.pem" \
  --rate-limit 0 --sync-poll-ms 100 > "$OUT/cairn.out" 2> "$OUT/cairn.log" &
CAIRN_PID=$!
PIDS+=("$CAIRN_PID")
URL=$(wait_for "$OUT/cairn.out")
KEY=$(sed -n 's/^  API key:  //p' "$OUT/cairn.out")
api() { curl -sS -X "$1" -H "x-api-key: $KEY" -H "Content-Type: application/json" ${3:+--data "$3"} "$URL$2"; }
first_id() { grep -o '"id":[0-9]*' | head -1 | cut -d: -f2; }
layout() { api POST /api/v1/asset_layouts "{\"asset_layout\":{\"name\":\"$1\",\"icon\":\"fas fa-box\",\"fields\":[{\"label\":\"Serial Number\",\"field_type\":\"Text\"},{\"label\":\"Email\",\"field_type\":\"Text\"}]}}" | first_id; }
HOST=${SIM_URL#https://}
if [ "$VENDOR" = halo ]; then
  BODY="{\"integration\":{\"slug\":\"halo\",\"credentials\":{\"resource_server\":\"$SIM_URL/api\",\"tenant\":\"cairn-sim\",\"client_id\":\"sim-halo-client-id\",\"client_secret\":\"sim-halo-client-secret\"},\"default_layouts\":{\"users\":$(layout People),\"sites\":$(layout Sites),\"assets\":$(layout Assets)}}}"
else
  BODY="{\"integration\":{\"slug\":\"cw_manage\",\"credentials\":{\"site\":\"$HOST\",\"company\":\"cairnsim\",\"public_key\":\"sim-cw-public\",\"private_key\":\"sim-cw-private\",\"client_id\":\"sim-cw-client-id\"},\"default_layouts\":{\"contacts\":$(layout People),\"locations\":$(layout Locations),\"configurations\":$(layout Configurations)}}}"
fi
ID=$(api POST /api/v1/integrations "$BODY" | first_id)
# run: starts a run and waits; prints "<seconds> <run json>".
run() {
  local start end body run state
  start=$(date +%s.%N)
  body=$(api POST "/api/v1/integrations/$ID/sync" "${1:-{\}}")
  run=$(printf %s "$body" | first_id)
  for _ in $(seq 36000); do
    body=$(api GET "/api/v1/sync_runs/$run")
    state=$(printf %s "$body" | grep -o '"state":"[a-z]*"' | head -1 | cut -d'"' -f4)
    [ "$state" = queued ] || [ "$state" = running ] || break
    sleep 0.1
  done
  end=$(date +%s.%N)
  # The run's own time, from its creation (the queue included) to its end, as Cairn stamps them
  # (to the millisecond; the polling above would add up to 0.1 s); the client's clock if absent.
  local created finished
  created=$(printf %s "$body" | grep -o '"created_at":"[^"]*"' | head -1 | cut -d'"' -f4)
  finished=$(printf %s "$body" | grep -o '"finished_at":"[^"]*"' | head -1 | cut -d'"' -f4)
  if [ -n "$created" ] && [ -n "$finished" ]; then
    start=$(date -d "$created" +%s.%N); end=$(date -d "$finished" +%s.%N)
  fi
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') $body"
}
run > /dev/null  # discovery
api POST "/api/v1/integrations/$ID/match" '{"action":"create_all"}' > /dev/null
# PERF=<file> records a profile of Cairn during one phase (PERF_PHASE=import, resync or full).
profile_start() {
  if [ -n "${PERF:-}" ] && [ "${PERF_PHASE:-import}" = "$1" ]; then
    perf record -F "${PERF_HZ:-200}" ${PERF_GRAPH---call-graph dwarf,16384} -p "$CAIRN_PID" -o "$PERF" 2> "$OUT/perf.log" &
    PERF_PID=$!
  fi
}
profile_stop() { if [ -n "${PERF_PID:-}" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; PERF_PID=; fi; }
profile_start import
cpu() { awk '{ printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }
CAIRN_CPU0=$(cpu "$CAIRN_PID"); SIM_CPU0=$(cpu "${PIDS[0]}")
# Cairn's own memory (anonymous: heap, stacks; not the memory-mapped database, which is the
# system's file cache) sampled every 50 ms during the import; VmHWM below counts both.
( peak=0; while kill -0 "$CAIRN_PID" 2> /dev/null; do
    a=$(awk '/RssAnon/ { print $2 }' "/proc/$CAIRN_PID/status" 2> /dev/null || echo 0)
    [ "${a:-0}" -gt "$peak" ] && { peak=$a; echo "$peak" > "$OUT/anon-peak"; }
    sleep 0.05
  done ) &
SAMPLER=$!
read -r IMPORT_S IMPORT_JSON < <(run)
kill "$SAMPLER" 2> /dev/null || true; wait "$SAMPLER" 2> /dev/null || true
ANON_PEAK=$(awk '{ printf "%d", $1 / 1024 }' "$OUT/anon-peak")
CAIRN_CPU=$(awk -v a="$CAIRN_CPU0" -v b="$(cpu "$CAIRN_PID")" 'BEGIN { printf "%.1f", b - a }')
SIM_CPU=$(awk -v a="$SIM_CPU0" -v b="$(cpu "${PIDS[0]}")" 'BEGIN { printf "%.1f", b - a }')
profile_stop
RSS=$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$CAIRN_PID/status")
RSS_ANON=$(awk '/RssAnon/ {printf "%d", $2 / 1024}' "/proc/$CAIRN_PID/status")
RSS_FILE=$(awk '/RssFile/ {printf "%d", $2 / 1024}' "/proc/$CAIRN_PID/status")
created=$(printf %s "$IMPORT_JSON" | grep -o '"created":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s }')
profile_start resync
CAIRN_CPU0=$(cpu "$CAIRN_PID"); SIM_CPU0=$(cpu "${PIDS[0]}")
read -r RESYNC_S RESYNC_JSON < <(run)
RESYNC_CAIRN_CPU=$(awk -v a="$CAIRN_CPU0" -v b="$(cpu "$CAIRN_PID")" 'BEGIN { printf "%.1f", b - a }')
RESYNC_SIM_CPU=$(awk -v a="$SIM_CPU0" -v b="$(cpu "${PIDS[0]}")" 'BEGIN { printf "%.1f", b - a }')
# RESYNCS=n: n - 1 more no-change re-syncs, each reported (the machines are noisy).
MORE_RESYNCS=""
for _ in $(seq 2 "${RESYNCS:-1}"); do MORE_RESYNCS="$MORE_RESYNCS $(run | cut -d' ' -f1) s"; done
profile_stop
profile_start full
read -r FULL_S FULL_JSON < <(run '{"full":true}')
profile_stop
SIM_RSS=$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/${PIDS[0]}/status")

report "Sync benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); command: make bench-sync"
report "$VENDOR simulator: $COMPANIES companies x ($CONTACTS contacts, $SITES sites, $DEVICES configurations, $AGREEMENTS agreements); SQLite"
report ""
report "| what | figure |"
report "|---|---|"
report "| initial import (companies matched, everything created) | $created records in ${IMPORT_S} s = **$(awk -v n="$created" -v s="$IMPORT_S" 'BEGIN { printf "%d", n / s }') records/s** |"
report "| CPU during the import (2 cores shared) | Cairn ${CAIRN_CPU} s, simulator ${SIM_CPU} s |"
report "| Cairn's own memory during the import (anonymous, peak of samples every 50 ms) | **${ANON_PEAK} MiB** |"
report "| Cairn peak resident memory, mapped files included | ${RSS} MiB (after the import: ${RSS_ANON} MiB own, ${RSS_FILE} MiB mapped files: the database and binaries) |"
report "| no-change re-sync (incremental where the vendor has a cursor) | ${RESYNC_S} s = **$(awk -v a="$RESYNC_S" -v b="$IMPORT_S" 'BEGIN { printf "%.1f%%", 100 * a / b }')** of the import |"
[ -n "$MORE_RESYNCS" ] && report "| further no-change re-syncs |$MORE_RESYNCS |"
report "| CPU during the no-change re-sync | Cairn ${RESYNC_CAIRN_CPU} s, simulator ${RESYNC_SIM_CPU} s |"
report "| no-change full re-sync (every record listed and compared) | ${FULL_S} s = $(awk -v a="$FULL_S" -v b="$IMPORT_S" 'BEGIN { printf "%.1f%%", 100 * a / b }') of the import |"
report "| simulator peak resident memory | ${SIM_RSS} MiB |"
report ""
REQUESTS=$(printf %s "$IMPORT_JSON" | grep -o '"requests":[0-9]*' | cut -d: -f2)
report "import run: $REQUESTS calls to the vendor"
if [ "$LATENCY_MS" -gt 0 ]; then
  # The latency floor: ConnectWise reads company sites four companies at a time (one call per
  # company), in the background beside every other call, which are made in turn; HaloPSA reads
  # its pages two at a time.
  if [ "$VENDOR" = connectwise ]; then
    FLOOR=$(awk -v r="$REQUESTS" -v p="$COMPANIES" -v l="$LATENCY_MS" 'BEGIN { a = r - p; b = p / 4; printf "%.2f", (a > b ? a : b) * l / 1000 }')
    HOW="max(calls - site calls, site calls / 4) x latency"
  else
    FLOOR=$(awk -v r="$REQUESTS" -v l="$LATENCY_MS" 'BEGIN { printf "%.2f", r / 2 * l / 1000 }')
    HOW="calls / 2 x latency"
  fi
  report "with ${LATENCY_MS} ms per call: the import took ${IMPORT_S} s; the latency floor ${HOW} = ${FLOOR} s"
  # NO_LATENCY_S (bench/latency.sh measures it just before): the same import without latency,
  # a floor of its own. The import cannot beat the larger of the two.
  if [ -n "${NO_LATENCY_S:-}" ]; then
    BOUND=$(awk -v a="$FLOOR" -v b="$NO_LATENCY_S" 'BEGIN { printf "%.2f", (a + 0 > b + 0 ? a : b) }')
    report "the same import without latency took ${NO_LATENCY_S} s; import / max(latency floor, import without latency) = ${IMPORT_S} / ${BOUND} = **ratio $(awk -v a="$IMPORT_S" -v b="$BOUND" 'BEGIN { printf "%.2f", a / b }')**"
  else
    report "import / latency floor = **ratio $(awk -v a="$IMPORT_S" -v b="$FLOOR" 'BEGIN { printf "%.2f", a / b }')**"
  fi
fi
