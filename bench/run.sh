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

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
if [[ -z ${NO_BUILD:-} ]]; then build_release; fi

BENCH_PID=
stop_all() {
  if [[ -n $BENCH_PID ]]; then kill "$BENCH_PID" 2>/dev/null || true; BENCH_PID=; fi
  stop_server
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for scenario in "${scenarios[@]}"; do
  for server in "${servers[@]}"; do
    start_server "$server" "$OUT/$server-$scenario.server.log"
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
