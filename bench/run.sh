#!/usr/bin/env bash
# Same-run baseline: builds Release, then for each scenario starts OrleansChat (Gateway.Web, embedded silo) and
# runs the load generator against it, then does the same against the raw WebSocket floor server, and prints every
# figure side by side with the ratio OrleansChat/floor. Servers are restarted per scenario (clean RSS, empty logs)
# and always killed on exit.
#
#   bench/run.sh [scenario...] [-- extra bench args]      scenarios: bigroom smallgroups dm idle (default: all)
#   e.g. bench/run.sh bigroom idle -- --clients 2000
#   SERVERS="orleans floor" (default) chooses the servers; NO_BUILD=1 skips the build; SERVER_ENV="DOTNET_gcServer=0"
#   runs OrleansChat with those environment variables (A/B runs of runtime settings; the client keeps its own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

scenarios=()
extra=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
  scenarios+=("$1"); shift
done
[[ ${#scenarios[@]} -eq 0 ]] && scenarios=(bigroom smallgroups dm idle)
servers=(${SERVERS:-orleans floor})

# 10,000 sockets need ~10,000 descriptors in each process (client and server).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "ulimit -n: $(ulimit -n); nproc: $(nproc); $(free -g | awk '/Mem:/ {print "memory: " $2 " GiB"}')"

OUT=${OUT:-$ROOT/bench/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: > "$RESULTS"

if [[ -z ${NO_BUILD:-} ]]; then
  dotnet build "$ROOT/Gateway.Web/Gateway.Web.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/FloorServer/FloorServer.csproj" -c Release -nologo -v q
  dotnet build "$ROOT/bench/OrleansChat.Bench/OrleansChat.Bench.csproj" -c Release -nologo -v q
fi

GATEWAY_DIR=$ROOT/Gateway.Web/bin/Release/net10.0
FLOOR_DIR=$ROOT/bench/FloorServer/bin/Release/net10.0
BENCH=$ROOT/bench/OrleansChat.Bench/bin/Release/net10.0/OrleansChat.Bench.dll

SERVER_PID=
BENCH_PID=
stop_server() {
  if [[ -n $BENCH_PID ]]; then kill "$BENCH_PID" 2>/dev/null || true; BENCH_PID=; fi
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_server() { # $1 = orleans|floor; sets SERVER_PID and URL
  local port; port=$(free_port); URL=http://127.0.0.1:$port
  if [[ $1 == orleans ]]; then
    (cd "$GATEWAY_DIR" && exec env ${SERVER_ENV:-} dotnet Gateway.Web.dll --Urls "$URL" \
      --Cluster:Mode Embedded --Cluster:SiloPort "$(free_port)" --Cluster:GatewayPort "$(free_port)" \
      --Cluster:ClusterId "bench-$port" --Auth:DevLoginEnabled true \
      --Sockets:IdleTimeout 01:00:00 --Sockets:MaxConnectionsPerAddress 0 --RateLimits:Enabled false \
      --Logging:LogLevel:Default Warning) > "$OUT/$1-$2.server.log" 2>&1 &
  else
    (cd "$FLOOR_DIR" && exec dotnet FloorServer.dll --Urls "$URL") > "$OUT/$1-$2.server.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 300); do
    if curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"openId":"probe","name":"probe"}' "$URL/api/auth/login"; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server $1 died:"; tail -20 "$OUT/$1-$2.server.log"; exit 1; }
    sleep 0.1
  done
  echo "server $1 did not start"; exit 1
}

for scenario in "${scenarios[@]}"; do
  for server in "${servers[@]}"; do
    start_server "$server" "$scenario"
    echo "=== $scenario against $server ($URL, pid $SERVER_PID) ==="
    # In the background + wait, so that INT/TERM stop the run at once (bash defers traps during a foreground job).
    timeout 110 dotnet "$BENCH" "$scenario" --url "$URL" --pid "$SERVER_PID" --label "$server" --out "$RESULTS" "${extra[@]}" \
      > "$OUT/$server-$scenario.bench.log" 2>&1 &
    BENCH_PID=$!
    tail -n +1 --pid="$BENCH_PID" -f "$OUT/$server-$scenario.bench.log" &
    wait "$BENCH_PID" || echo "bench $scenario against $server failed (exit $?)"
    sleep 0.3
    BENCH_PID=
    stop_server
  done
done

echo
echo "=== results ($OUT) ==="
awk -F'\t' '
  { key = $2 "\t" $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key } v[$1 "\t" key] = $4 }
  END {
    printf "%-12s %-34s %14s %14s %10s\n", "scenario", "metric", "orleans", "floor", "ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, "\t"); o = v["orleans\t" k]; f = v["floor\t" k]
      r = (o != "" && f != "" && f + 0 != 0) ? sprintf("%.2f", o / f) : "-"
      printf "%-12s %-34s %14s %14s %10s\n", p[1], p[2], (o == "" ? "-" : o), (f == "" ? "-" : f), r
    }
  }' "$RESULTS" | tee "$OUT/summary.txt"
