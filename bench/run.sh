#!/usr/bin/env bash
# `make bench`: the API, search and bulk-write benchmarks, side by side with nginx serving the
# same bytes. Prints a report (also saved as build/bench/report.txt) to copy into RESULTS.md.
#   SEARCH_ASSETS=1000000 API_COMPANIES=10000 API_ASSETS=100000 DURATION=10 bench/run.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/cairn"
TOOL="$ROOT/$BUILD/cairn-bench"
OUT="$ROOT/$BUILD/bench"
API_COMPANIES=${API_COMPANIES:-10000}
API_ASSETS=${API_ASSETS:-100000}
SEARCH_ASSETS=${SEARCH_ASSETS:-1000000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

report() { echo "$*" | tee -a "$OUT/report.txt"; }

# start_cairn DATA_DIR [DB]: starts the server, sets PORT and KEY.
start_cairn() {
  local data=$1; shift
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$data" --rate-limit 0 --threads 4 "$@" \
    > "$data.out" 2> "$data.log" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q listening "$data.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$data.out")
  KEY=$(sed -n 's/^  API key:  //p' "$data.out")
}

# wrk_run URL SCRIPT: prints "rps p50 p99"
wrk_run() {
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$2" -H "x-api-key: $KEY" "$1" > "$OUT/wrk.txt" 2>&1
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk.txt")
  if grep -q "Non-2xx" "$OUT/wrk.txt"; then grep "Non-2xx" "$OUT/wrk.txt" >&2; fi
  echo "$rps $p50 $p99"
}

report "Cairn benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r)"
report "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown); command: make bench"
report ""

# --- bulk write and the API data set --------------------------------------------------------
start_cairn "$OUT/api"
report "## Bulk write through the API (4 client threads, keep-alive)"
"$TOOL" seed-api --url "http://127.0.0.1:$PORT" --key "$KEY" --companies "$API_COMPANIES" \
  --assets "$API_ASSETS" --threads 4 | tee -a "$OUT/report.txt"
report ""

# --- API reads vs nginx serving the same bytes ----------------------------------------------
mkdir -p "$OUT/static/api/v1"
curl -sf -H "x-api-key: $KEY" "http://127.0.0.1:$PORT/api/v1/companies?page_size=25&page=7" > "$OUT/static/companies.json"
curl -sf -H "x-api-key: $KEY" "http://127.0.0.1:$PORT/api/v1/assets?id=5000" > "$OUT/static/asset.json"
NGINX_PORT=$((PORT + 1))
cat > "$OUT/nginx.conf" <<NGINX
worker_processes 2;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log $OUT/nginx-access.log;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $OUT/static;
    default_type application/json;
    location = /api/v1/companies { try_files /companies.json =404; }
    location = /api/v1/assets { try_files /asset.json =404; }
  }
}
NGINX
nginx -c "$OUT/nginx.conf" -p "$OUT" &
PIDS+=($!)
sleep 0.5
pages=$(( (API_COMPANIES + 24) / 25 ))
cat > "$OUT/companies.lua" <<LUA
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/companies?page_size=25&page=" .. math.random(1, $pages))
end
LUA
cat > "$OUT/assets.lua" <<LUA
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/assets?id=" .. math.random(1, $API_ASSETS))
end
LUA
# A second server on the same database that renders every page afresh, to show what the
# response cache is worth.
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$OUT/api" --rate-limit 0 --threads 4 \
  --no-response-cache > "$OUT/api-nocache.out" 2> /dev/null &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$OUT/api-nocache.out" 2>/dev/null && break; sleep 0.1; done
NOCACHE_PORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$OUT/api-nocache.out")
report "## API reads vs nginx (wrk -t2 -c$CONNS -d${DURATION}s, keep-alive; same machine)"
report "| endpoint | server | requests/s | p50 | p99 | ratio to nginx |"
report "|---|---|---|---|---|---|"
for ep in companies assets; do
  read -r n_rps n_p50 n_p99 < <(wrk_run "http://127.0.0.1:$NGINX_PORT" "$OUT/$ep.lua")
  read -r c_rps c_p50 c_p99 < <(wrk_run "http://127.0.0.1:$PORT" "$OUT/$ep.lua")
  ratio=$(awk -v a="$c_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')
  report "| $ep | cairn | $c_rps | $c_p50 | $c_p99 | $ratio |"
  if [ "$ep" = companies ]; then
    read -r u_rps u_p50 u_p99 < <(wrk_run "http://127.0.0.1:$NOCACHE_PORT" "$OUT/$ep.lua")
    ratio=$(awk -v a="$u_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')
    report "| $ep | cairn --no-response-cache | $u_rps | $u_p50 | $u_p99 | $ratio |"
  fi
  report "| $ep | nginx (same bytes) | $n_rps | $n_p50 | $n_p99 | 1.00 |"
done
report ""
cleanup; PIDS=()

# --- search over a large tenant -------------------------------------------------------------
report "## Search over $SEARCH_ASSETS assets (wrk -t1 -c4, a mix of 200 queries)"
mkdir -p "$OUT/search"
"$TOOL" seed-store --db "$OUT/search/cairn.db" --companies 2000 --assets "$SEARCH_ASSETS" | tee -a "$OUT/report.txt"
"$TOOL" queries --out "$OUT/queries.txt" --assets "$SEARCH_ASSETS"
"$BIN" user create --data-dir "$OUT/search" --email bench@example.com --role admin > /dev/null
SKEY=$("$BIN" apikey create --data-dir "$OUT/search" --user bench@example.com --name bench)
start_cairn "$OUT/search"
KEY=$SKEY
{
  echo "queries = {}"
  while IFS= read -r q; do printf 'table.insert(queries, "%s")\n' "$(printf '%s' "$q" | sed 's/ /%20/g')"; done < "$OUT/queries.txt"
  cat <<'LUA'
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/search?q=" .. queries[(i % #queries) + 1])
end
LUA
} > "$OUT/search.lua"
CONNS=4 read -r s_rps s_p50 s_p99 < <(CONNS=4 wrk_run "http://127.0.0.1:$PORT" "$OUT/search.lua")
report "| requests/s | p50 | p99 |"
report "|---|---|---|"
report "| $s_rps | $s_p50 | $s_p99 |"
echo
echo "report saved in $OUT/report.txt"
