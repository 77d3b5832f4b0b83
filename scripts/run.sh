#!/usr/bin/env bash
# `make run`: Cairn on its embedded default (SQLite in ./data) with a demo beside it: four vendor
# simulators (ConnectWise PSA, HaloPSA, Syncro, Pulseway RMM) on loopback HTTPS, one integration
# for each, matched and synced, so a newcomer sees companies, people, locations and devices
# arrive. Cairn stays in the foreground; Ctrl-C stops it and the simulators.
#   CAIRN_LISTEN=127.0.0.1:8080  DEMO=0 (Cairn alone)  SIM_PORTS="9441 9442 9443 9444"
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${CAIRN_DATA_DIR:-$ROOT/data}
LISTEN=${CAIRN_LISTEN:-127.0.0.1:8080}
DEMO=${DEMO:-1}
read -r CW_PORT HALO_PORT SYNCRO_PORT PULSEWAY_PORT <<< "${SIM_PORTS:-9441 9442 9443 9444}"
CAIRN="$ROOT/$BUILD/cairn"
SIM="$ROOT/$BUILD/cairn-sim"
TLS="$DATA/sim-tls"
LOGS="$DATA/logs"
mkdir -p "$DATA" "$LOGS"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE: until FILE says "listening on ...", then prints the URL.
wait_for() {
  for _ in $(seq 200); do
    if grep -q '^listening on ' "$1" 2>/dev/null; then sed -n 's/^listening on //p' "$1"; return 0; fi
    sleep 0.05
  done
  echo "did not start; see $1 and ${1%.out}.log" >&2
  return 1
}

if [ "$DEMO" = 1 ]; then
  # Simulators first: Cairn is started trusting their throwaway CA. The shared fleet makes
  # Syncro and Pulseway know some of the same machines, so their cards stack on one asset.
  start_sim() {  # vendor port extra-args...
    local vendor=$1 port=$2; shift 2
    "$SIM" --vendor "$vendor" --listen "127.0.0.1:$port" --tls-dir "$TLS" --shared-fleet-seed 7 "$@" \
      > "$LOGS/sim-$vendor.out" 2> "$LOGS/sim-$vendor.log" &
    PIDS+=($!)
  }
  start_sim connectwise "$CW_PORT" --seed 1
  start_sim halo "$HALO_PORT" --seed 2
  start_sim syncro "$SYNCRO_PORT" --seed 3 --rate-limit 0
  start_sim pulseway "$PULSEWAY_PORT" --seed 4
  for v in connectwise halo syncro pulseway; do
    wait_for "$LOGS/sim-$v.out" > /dev/null || { echo "the $v simulator did not start (is its port taken? set SIM_PORTS)" >&2; exit 1; }
  done
fi

"$CAIRN" serve --data-dir "$DATA" --listen "$LISTEN" --ca-file "$TLS/ca.pem" --sync-poll-ms 200 \
  > "$LOGS/cairn.out" 2> "$LOGS/cairn.log" &
CAIRN_PID=$!
PIDS+=("$CAIRN_PID")
URL=$(wait_for "$LOGS/cairn.out") || { tail -5 "$LOGS/cairn.log" >&2; exit 1; }
cat "$LOGS/cairn.out"
if [ -f "$DATA/initial-admin.txt" ]; then
  echo "first admin credentials (from $DATA/initial-admin.txt):"
  sed 's/^/  /' "$DATA/initial-admin.txt"
fi

if [ "$DEMO" = 1 ]; then
  ADMIN=$(sed -n 's/^email: *//p' "$DATA/initial-admin.txt" 2>/dev/null | head -1)
  KEY=$("$CAIRN" apikey create --data-dir "$DATA" --user "${ADMIN:-admin@cairn.local}" --name "make run demo" | tail -1)
  api() {  # method path [json]
    curl -sS -X "$1" -H "x-api-key: $KEY" -H "Content-Type: application/json" ${3:+--data "$3"} "$URL$2"
  }
  first_id() { grep -o '"id":[0-9]*' | head -1 | cut -d: -f2; }
  # A layout by name, created when missing; prints its id.
  layout() {
    local id
    id=$(api GET "/api/v1/asset_layouts?name=$(printf %s "$1" | sed 's/ /%20/g')" | first_id)
    [ -n "$id" ] || id=$(api POST /api/v1/asset_layouts "{\"asset_layout\":{\"name\":\"$1\",\"icon\":\"$2\",\"fields\":[{\"label\":\"Serial Number\",\"field_type\":\"Text\"},{\"label\":\"Operating System\",\"field_type\":\"Text\"},{\"label\":\"IP Address\",\"field_type\":\"Text\"},{\"label\":\"Email\",\"field_type\":\"Text\"},{\"label\":\"Phone\",\"field_type\":\"Text\"}]}}" | first_id)
    echo "$id"
  }
  PEOPLE=$(layout "People" "fas fa-user")
  LOCATIONS=$(layout "Locations" "fas fa-building")
  DEVICES=$(layout "Computers" "fas fa-laptop")
  # An integration by name: created, or given the simulators' credentials again; prints its id.
  # ConnectWise, the PSA, owns the companies' details; the others leave them alone.
  integration() {  # name body
    local id
    id=$(api GET "/api/v1/integrations?name=$(printf %s "$1" | sed 's/ /%20/g')" | first_id)
    if [ -n "$id" ]; then api PUT "/api/v1/integrations/$id" "$2" > /dev/null; else id=$(api POST /api/v1/integrations "$2" | first_id); fi
    echo "$id"
  }
  CW=$(integration "Demo ConnectWise" "{\"integration\":{\"slug\":\"cw_manage\",\"name\":\"Demo ConnectWise\",\"credentials\":{\"site\":\"127.0.0.1:$CW_PORT\",\"company\":\"cairnsim\",\"public_key\":\"sim-cw-public\",\"private_key\":\"sim-cw-private\",\"client_id\":\"sim-cw-client-id\"},\"default_layouts\":{\"contacts\":$PEOPLE,\"locations\":$LOCATIONS,\"configurations\":$DEVICES}}}")
  HALO=$(integration "Demo HaloPSA" "{\"integration\":{\"slug\":\"halo\",\"name\":\"Demo HaloPSA\",\"credentials\":{\"resource_server\":\"https://127.0.0.1:$HALO_PORT/api\",\"tenant\":\"cairn-sim\",\"client_id\":\"sim-halo-client-id\",\"client_secret\":\"sim-halo-client-secret\"},\"default_layouts\":{\"users\":$PEOPLE,\"sites\":$LOCATIONS,\"assets\":$DEVICES},\"options\":{\"do_not_update_company_details\":true}}}")
  SYNCRO=$(integration "Demo Syncro" "{\"integration\":{\"slug\":\"syncro\",\"name\":\"Demo Syncro\",\"credentials\":{\"domain\":\"127.0.0.1:$SYNCRO_PORT\",\"api_key\":\"sim-syncro-api-key\"},\"default_layouts\":{\"contacts\":$PEOPLE,\"assets\":$DEVICES},\"options\":{\"do_not_update_company_details\":true}}}")
  PULSEWAY=$(integration "Demo Pulseway" "{\"integration\":{\"slug\":\"pulseway_rmm\",\"name\":\"Demo Pulseway\",\"credentials\":{\"server\":\"127.0.0.1:$PULSEWAY_PORT\",\"token_id\":\"sim-pulseway-token-id\",\"token_secret\":\"sim-pulseway-token-secret\"},\"default_layouts\":{\"systems\":$DEVICES},\"options\":{\"do_not_update_company_details\":true}}}")

  # sync ID: runs it and waits; prints the run's state and counts.
  sync() {
    local run state body
    body=$(api POST "/api/v1/integrations/$1/sync" '{}')
    run=$(printf %s "$body" | first_id)
    [ -n "$run" ] || { echo "    could not start: $body"; return 0; }
    for _ in $(seq 600); do
      body=$(api GET "/api/v1/sync_runs/$run")
      state=$(printf %s "$body" | grep -o '"state":"[a-z]*"' | head -1 | cut -d'"' -f4)
      [ "$state" = queued ] || [ "$state" = running ] || break
      sleep 0.2
    done
    echo "    run $run $state: $(printf %s "$body" | grep -o '"counts":{.*},"errors"' | sed 's/^"counts"://; s/,"errors"$//; s/"unarchived":0,//g; s/"failed":0//g; s/,}/}/g')"
  }
  echo
  echo "demo: four vendor simulators on https://127.0.0.1:{$CW_PORT,$HALO_PORT,$SYNCRO_PORT,$PULSEWAY_PORT} (logs in $LOGS)"
  for pair in "ConnectWise:$CW" "HaloPSA:$HALO" "Syncro:$SYNCRO" "Pulseway:$PULSEWAY"; do
    name=${pair%%:*}; id=${pair#*:}
    echo "  $name (integration $id): discovering companies, matching them (create and/or match all), syncing"
    sync "$id" > /dev/null
    api POST "/api/v1/integrations/$id/match" '{"action":"create_all"}' > /dev/null
    sync "$id"
  done
  echo
  echo "look: $URL/login (sign in as the first admin above): Companies, and Integrations with each run's report"
  echo "  or through the API: $URL/api/v1/companies, $URL/api/v1/sync_runs (x-api-key: the admin key above)"
  echo "the simulators' control API changes their data: curl -k -H 'X-Sim-Token: sim-control-token' -d '{\"kind\":\"configurations\",\"action\":\"rename\",\"count\":3}' https://127.0.0.1:$CW_PORT/_sim/mutate"
  echo "then sync again: curl -X POST -H 'x-api-key: KEY' $URL/api/v1/integrations/sync_all"
fi
echo "Ctrl-C stops Cairn${DEMO:+ and the simulators}."
wait "$CAIRN_PID"
