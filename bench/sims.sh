#!/usr/bin/env bash
# `make bench-sims`: how fast each vendor simulator serves its largest kind over loopback HTTPS,
# at a million devices, and how much memory it holds. A sync benchmark must never wait on a
# simulator, so each must serve at least 50,000 records/s (issue 3).
#   COMPANIES=1000 DEVICES_PER_COMPANY=1000 DURATION=10 CONNS=8 bench/sims.sh build
# Prints a report (also build/bench-sims/report.txt) to copy into bench/RESULTS.md.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIM="$ROOT/$BUILD/cairn-sim"
OUT="$ROOT/$BUILD/bench-sims"
COMPANIES=${COMPANIES:-1000}
DEVICES_PER_COMPANY=${DEVICES_PER_COMPANY:-1000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
VENDORS=${VENDORS:-"connectwise halo syncro pulseway"}
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
report() { echo "$*" | tee -a "$OUT/report.txt"; }

TOTAL=$((COMPANIES * DEVICES_PER_COMPANY))
report "Simulator throughput, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r)"
report "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); command: make bench-sims"
report "$COMPANIES companies x $DEVICES_PER_COMPANY devices = $TOTAL devices per simulator;" \
  "wrk -t2 -c$CONNS -d${DURATION}s over HTTPS, random pages of the largest kind at the largest page size"
report ""
report "| vendor | request | records/page | pages/s | records/s | p50 | p99 | RSS after |"
report "|---|---|---|---|---|---|---|---|"

for vendor in $VENDORS; do
  # Per vendor: the list of its largest kind at its largest page size, the auth header, and any
  # flag that lifts a limit a benchmark must not measure.
  extra=()
  case $vendor in
    connectwise)
      per_page=1000
      path="/v4_6_release/apis/3.0/company/configurations?pageSize=$per_page&page="
      auth="Authorization: Basic $(printf 'cairnsim+sim-cw-public:sim-cw-private' | base64 -w0)"
      hdr2="clientId: sim-cw-client-id" ;;
    halo)
      per_page=1000
      path="/api/Asset?pageinate=true&page_size=$per_page&page_no="
      auth="" ; hdr2="" ;;
    syncro)
      per_page=100
      extra=(--assets-per-page "$per_page" --rate-limit 0)
      path="/api/v1/customer_assets?page="
      auth="Authorization: Bearer sim-syncro-api-key" ; hdr2="" ;;
    pulseway)
      per_page=100
      path="/api/v3/devices?\$top=$per_page&\$skip="
      auth="Authorization: Basic $(printf 'sim-pulseway-token-id:sim-pulseway-token-secret' | base64 -w0)"
      hdr2="" ;;
  esac
  "$SIM" --vendor "$vendor" --listen 127.0.0.1:0 --seed 1 --companies "$COMPANIES" \
    --devices-per-company "$DEVICES_PER_COMPANY" --tls-dir "$OUT/tls" --threads 2 "${extra[@]}" \
    > "$OUT/$vendor.out" 2> "$OUT/$vendor.log" &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do grep -q '^listening on' "$OUT/$vendor.out" 2>/dev/null && break; sleep 0.1; done
  origin=$(sed -n 's/^listening on //p' "$OUT/$vendor.out")
  if [ -z "$origin" ]; then
    report "| $vendor | (did not start: $(tail -1 "$OUT/$vendor.log")) | | | | | | |"
    continue
  fi
  if [ "$vendor" = halo ]; then
    token=$(curl -s --cacert "$OUT/tls/ca.pem" -X POST "$origin/auth/token?tenant=cairn-sim" \
      -d 'grant_type=client_credentials&client_id=sim-halo-client-id&client_secret=sim-halo-client-secret&scope=all' |
      sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    auth="Authorization: Bearer $token"
  fi
  pages=$((TOTAL / per_page))
  if [ "$vendor" = pulseway ]; then
    # $skip counts records, not pages.
    expr="tostring((math.random(0, $pages - 1)) * $per_page)"
  else
    expr="tostring(math.random(1, $pages))"
  fi
  cat > "$OUT/$vendor.lua" <<LUA
math.randomseed(42)
wrk.headers["Accept"] = "application/json"
request = function()
  return wrk.format("GET", "$path" .. $expr)
end
LUA
  headers=(-H "$auth")
  [ -n "$hdr2" ] && headers+=(-H "$hdr2")
  # One request first: a failure should say so rather than be measured.
  first=$(curl -s -o "$OUT/$vendor.sample.json" -w '%{http_code}' --cacert "$OUT/tls/ca.pem" \
    "${headers[@]}" "$origin${path}1")
  if [ "$first" != 200 ]; then
    report "| $vendor | (GET ${path}1 answered $first: $(head -c 200 "$OUT/$vendor.sample.json")) | | | | | | |"
    continue
  fi
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$OUT/$vendor.lua" "${headers[@]}" "$origin" > "$OUT/$vendor.wrk" 2>&1
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$vendor.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/$vendor.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/$vendor.wrk")
  non2xx=$(awk '/Non-2xx/ {print $4}' "$OUT/$vendor.wrk")
  records=$(awk -v r="$rps" -v n="$per_page" 'BEGIN { printf "%d", r * n }')
  rss=$(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")
  report "| $vendor | \`GET ${path}N\` | $per_page | $rps | **$records** | $p50 | $p99 | $rss |${non2xx:+ ($non2xx non-2xx)}"
  kill "$pid" 2>/dev/null || true
done
