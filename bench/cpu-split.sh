#!/usr/bin/env bash
# Where one server's CPU goes under a fixed load, counted exclusively: the kernel, the runtime (libcoreclr,
# libclrjit) and JIT-compiled code, then the top symbols. perf samples the server (1999 Hz, 8 s, from 10 s into
# the steps); the runtime writes a perf map so that JIT-compiled methods have names (W^X off, or perf sees one
# anonymous memfd). profile.sh ranks methods inclusively; this answers "how much of a delivery is the kernel's".
#
#   bench/cpu-split.sh orleans|floor SCENARIO RATE [extra bench args]
#   e.g. bench/cpu-split.sh floor bigroom 10
# Needs: perf (Debian's linux-perf) and root; a Release build (bench/run.sh builds one).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
server=$1 scenario=$2 rate=$3; shift 3
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT=$ROOT/bench/results/cpu-split-$server-$scenario-$rate
mkdir -p "$OUT"
PROFILE_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0" start_server "$server" "$OUT/server.log"
trap stop_server EXIT

dotnet "$BENCH" "$scenario" --url "$URL" --pid "$SERVER_PID" --label "$server" --start-rate "$rate" --factor 1 \
  --budget-seconds 24 "$@" > "$OUT/bench.log" 2>&1 &
BENCH_PID=$!
wait_for_steps "$OUT/bench.log" "$BENCH_PID"
sleep 10
perf record -B -F 1999 -g -p "$SERVER_PID" -o "$OUT/perf.data" -- sleep 8 > /dev/null 2>&1
wait "$BENCH_PID" || true

report() { perf report -i "$OUT/perf.data" --no-children --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
grep -A8 "step  sends/s" "$OUT/bench.log" | grep -v RESULT
echo "--- exclusive CPU samples by module ([JIT] = JIT-compiled managed code) ---"
report --sort dso | head -8 | tee "$OUT/by-module.txt"
echo "--- top symbols, exclusive ---"
report --sort sym | head -40 | cut -c1-200 | tee "$OUT/by-symbol.txt"
