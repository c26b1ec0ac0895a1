#!/usr/bin/env bash
# Same-run baseline: builds Release, then for each scenario starts OrleansChat (Gateway.Web, embedded silo) and
# runs the load generator against it, then does the same against the raw WebSocket floor server, and prints every
# figure side by side with the ratio OrleansChat/floor. Servers are restarted per scenario (clean RSS, empty logs)
# and always killed on exit.
#
#   bench/run.sh [--shape embedded|cluster] [--silos N] [--gateways N] [scenario...] [-- extra bench args]
#   scenarios: bigroom smallgroups dm idle (default: all), reconnect, fillroom
#   e.g. bench/run.sh bigroom idle -- --clients 2000
#   --shape cluster (the deployed shape): a throwaway redis and PostgreSQL (stock settings), `Silo migrate` on a
#   fresh database per scenario, --silos Silo processes (Redis clustering, PostgreSQL grain state and message log)
#   and --gateways Gateway.Web processes in Client mode (the load generator spreads its clients over them). CPU
#   per delivery is summed over every silo and gateway; the database's CPU (the postmaster and its backends) is
#   reported apart (dbCPU%). PG_OPTIONS="-c max_connections=200" passes settings to PostgreSQL.
#   SERVERS="orleans floor" (default) chooses the servers; NO_BUILD=1 skips the build; SERVER_ENV="DOTNET_gcServer=0"
#   runs OrleansChat with those environment variables (A/B runs of runtime settings; the client keeps its own).
#   BENCH_TIMEOUT=S (110) kills a load generator that runs longer (a long --warm-seconds needs more).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

scenarios=()
extra=()
SHAPE=embedded
while [[ $# -gt 0 ]]; do
  case $1 in
    --) shift; extra=("$@"); break ;;
    --shape) SHAPE=$2; shift 2 ;;
    --silos) SILOS=$2; shift 2 ;;
    --gateways) GATEWAYS=$2; shift 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
[[ $SHAPE == embedded || $SHAPE == cluster ]] || { echo "--shape embedded|cluster, not $SHAPE"; exit 2; }
[[ ${#scenarios[@]} -eq 0 ]] && scenarios=(bigroom smallgroups dm idle)
ours=orleans; [[ $SHAPE == cluster ]] && ours=cluster
servers=(${SERVERS:-$ours floor})

# 10,000 sockets need ~10,000 descriptors in each process (client and server).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "ulimit -n: $(ulimit -n); nproc: $(nproc); $(free -g | awk '/Mem:/ {print "memory: " $2 " GiB"}'); shape: $SHAPE"

OUT=${OUT:-$ROOT/bench/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: > "$RESULTS"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
if [[ -z ${NO_BUILD:-} ]]; then build_release; fi

BENCH_PID=
stop_all() {
  if [[ -n $BENCH_PID ]]; then kill "$BENCH_PID" 2>/dev/null || true; BENCH_PID=; fi
  stop_server
  stop_backends
}
trap stop_all EXIT
trap 'exit 130' INT TERM
if [[ $SHAPE == cluster ]]; then
  export SILOS GATEWAYS
  echo "cluster shape: $SILOS silo(s), $GATEWAYS gateway(s)"
  start_backends "$OUT"
fi

for scenario in "${scenarios[@]}"; do
  for server in "${servers[@]}"; do
    start_server "$server" "$OUT/$server-$scenario.server.log"
    echo "=== $scenario against $server ($URL, pids $SERVER_PIDS) ==="
    db=0; [[ $server == cluster ]] && db=$DB_PID
    # In the background + wait, so that INT/TERM stop the run at once (bash defers traps during a foreground job).
    timeout "${BENCH_TIMEOUT:-110}" dotnet "$BENCH" "$scenario" --url "$URL" --pid "$SERVER_PIDS" --db-pid "$db" --label "$server" --out "$RESULTS" "${extra[@]}" \
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
awk -F'\t' -v ours="$ours" '
  { key = $2 "\t" $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key } v[$1 "\t" key] = $4 }
  END {
    printf "%-12s %-34s %14s %14s %10s\n", "scenario", "metric", ours, "floor", "ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, "\t"); o = v[ours "\t" k]; f = v["floor\t" k]
      r = (o != "" && f != "" && f + 0 != 0) ? sprintf("%.2f", o / f) : "-"
      printf "%-12s %-34s %14s %14s %10s\n", p[1], p[2], (o == "" ? "-" : o), (f == "" ? "-" : f), r
    }
  }' "$RESULTS" | tee "$OUT/summary.txt"
