#!/usr/bin/env bash
# Where a reconnect's CPU goes in the cluster shape: the reconnect scenario against one silo and one gateway, and
# perf samples of both processes (999 Hz, 3 s) from the start of the last storm; the runtime writes a perf map so
# that JIT-compiled methods have names. Prints the bench log and each process's CPU by module.
#
#   CLIENTS=3000 ROUNDS=3 bench/connect-profile.sh          EXTRA_ENV="DOTNET_TieredPGO=0" for an A/B of a runtime setting
# Needs: perf (Debian's linux-perf), root, redis-server, PostgreSQL; a Release build (bench/run.sh builds one).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
clients=${CLIENTS:-3000} rounds=${ROUNDS:-3}
OUT=${OUT:-$ROOT/bench/results/connect-profile-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
trap 'stop_server; stop_backends' EXIT
start_backends "$OUT"
PROFILE_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 ${EXTRA_ENV:-}" start_cluster "$OUT/cluster.log"
dotnet "$BENCH" reconnect --url "$URL" --pid "$SERVER_PIDS" --db-pid "$DB_PID" --label cluster --clients "$clients" \
  --rounds "$rounds" > "$OUT/bench.log" 2>&1 &
BENCH_PID=$!
until grep -q "round $rounds: dropped" "$OUT/bench.log"; do sleep 0.2; kill -0 "$BENCH_PID" 2>/dev/null || break; done
silo=${SERVER_PIDS%%,*} gateway=${SERVER_PIDS##*,}
perf record -F 999 -g -p "$gateway" -o "$OUT/gateway.perf.data" -- sleep 3 > /dev/null 2>&1 &
PERF_GATEWAY=$!
perf record -F 999 -g -p "$silo" -o "$OUT/silo.perf.data" -- sleep 3 > /dev/null 2>&1 &
PERF_SILO=$!
wait "$BENCH_PID" || true
wait "$PERF_GATEWAY" "$PERF_SILO" || true # not a bare wait: the servers are this shell's children too
grep -v '^RESULT' "$OUT/bench.log"
for p in silo gateway; do
  echo "--- $p: exclusive CPU samples by module ([JIT] = JIT-compiled managed code) ---"
  perf report -i "$OUT/$p.perf.data" --no-children --stdio -g none --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -6 \
    | tee "$OUT/$p.by-module.txt"
done
echo "inclusive, by method: perf report -i $OUT/gateway.perf.data --children --stdio -g none --sort sym"
