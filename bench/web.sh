#!/usr/bin/env bash
# `make bench-web`: the web UI's pages under load, signed in, side by side with the API calls
# each page makes (same server, same data, same wrk load), so the cost of rendering HTML on top
# of the API shows as a ratio. SQLite; the data set is made through the API.
#   WEB_COMPANIES=1000 WEB_ASSETS=20000 DURATION=8 bench/web.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/cairn"
TOOL="$ROOT/$BUILD/cairn-bench"
OUT="$ROOT/$BUILD/bench-web"
COMPANIES=${WEB_COMPANIES:-1000}
ASSETS=${WEB_ASSETS:-20000}
DURATION=${DURATION:-8}
CONNS=${CONNS:-16}
rm -rf "$OUT" && mkdir -p "$OUT"
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
report() { echo "$*" | tee -a "$OUT/report.txt"; }

"$BIN" serve --listen 127.0.0.1:0 --data-dir "$OUT/data" --rate-limit 0 > "$OUT/cairn.out" 2> "$OUT/cairn.log" &
PID=$!
for _ in $(seq 100); do grep -q 'API key:' "$OUT/cairn.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$OUT/cairn.out")
KEY=$(sed -n 's/^  API key:  //p' "$OUT/cairn.out")
EMAIL=$(sed -n 's/.*first admin created: \([^ ]*\).*/\1/p' "$OUT/cairn.out")
PASSWORD=$(sed -n 's/.*password: \([^ ]*\).*/\1/p' "$OUT/cairn.out" | head -1)
"$TOOL" seed-api --url "$URL" --key "$KEY" --companies "$COMPANIES" --assets "$ASSETS" --threads 4 > "$OUT/seed.txt"

# Sign in as a browser does: the form's token, tied to its pre-session cookie, then the session
# cookie from the answer.
curl -sS -D "$OUT/login.head" "$URL/login" > "$OUT/login.html"
PRE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(cairn_login=[^;]*\).*/\1/p' "$OUT/login.head" | tr -d '\r')
CSRF=$(sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$OUT/login.html" | head -1)
curl -sS -o /dev/null -D "$OUT/session.head" -H "Cookie: $PRE" --data-urlencode "_csrf=$CSRF" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$URL/login"
SESSION=$(sed -n 's/^[Ss]et-[Cc]ookie: \(__Host-cairn_session=[^;]*\).*/\1/p' "$OUT/session.head" | tr -d '\r')
[ -n "$SESSION" ] || { echo "bench/web.sh: sign-in failed" >&2; cat "$OUT/session.head" >&2; exit 1; }

# A company with assets, and one of its assets.
COMPANY=$(curl -sS -H "x-api-key: $KEY" "$URL/api/v1/assets?page_size=1&page=5" | grep -o '"company_id":[0-9]*' | head -1 | cut -d: -f2)
ASSET=$(curl -sS -H "x-api-key: $KEY" "$URL/api/v1/companies/$COMPANY/assets?page_size=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
N_ASSETS=$(curl -sS -H "x-api-key: $KEY" "$URL/api/v1/companies/$COMPANY/assets?page_size=1000" | grep -o '"asset_layout_id"' | wc -l)

# measure LABEL PATH HEADER: a row of the report.
measure() {
  local label=$1 path=$2 header=$3 size status
  status=$(curl -sS -o "$OUT/page" -w '%{http_code}' -H "$header" "$URL$path")
  [ "$status" = 200 ] || { echo "bench/web.sh: $path answered $status" >&2; exit 1; }
  size=$(wc -c < "$OUT/page")
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "$header" "$URL$path" > "$OUT/wrk.txt" 2>&1
  if grep -q "Non-2xx" "$OUT/wrk.txt"; then grep "Non-2xx" "$OUT/wrk.txt" >&2; exit 1; fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$OUT/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk.txt")
  report "| $label | \`$path\` | $((size / 1024)) KB | $rps | $p50 | $p99 |"
  LAST_RPS=$rps
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

report "Web UI benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); command: make bench-web"
report "$COMPANIES companies, $ASSETS assets (company $COMPANY has $N_ASSETS), SQLite; wrk -t2 -c$CONNS -d${DURATION}s, signed in"
report ""
report "| what | path | size | requests/s | p50 | p99 |"
report "|---|---|---|---|---|---|"
COOKIE="Cookie: $SESSION"
API="x-api-key: $KEY"
measure "web: companies, page 3" "/companies?page=3" "$COOKIE"; WEB_LIST=$LAST_RPS
measure "API: the same companies" "/api/v1/companies?page=3&page_size=51&sort=name&direction=asc" "$API"; API_LIST=$LAST_RPS
measure "web: a company's page" "/companies/$COMPANY" "$COOKIE"; WEB_COMPANY=$LAST_RPS
measure "API: its company and assets" "/api/v1/companies/$COMPANY/assets?page_size=1000" "$API"; API_COMPANY=$LAST_RPS
measure "web: an asset's page" "/assets/$ASSET" "$COOKIE"; WEB_ASSET=$LAST_RPS
measure "API: the asset" "/api/v1/assets?id=$ASSET" "$API"; API_ASSET=$LAST_RPS
measure "web: search" "/search?q=server" "$COOKIE"
report ""
report "web / API: companies list $(ratio "$WEB_LIST" "$API_LIST"), company page $(ratio "$WEB_COMPANY" "$API_COMPANY") (the page makes more calls than the one compared), asset page $(ratio "$WEB_ASSET" "$API_ASSET")"
