#!/usr/bin/env bash
# A quick profile of one server under a fixed load: runs one scenario at a fixed send rate (--factor 1), and
# meanwhile collects runtime counters (dotnet-counters), a CPU-sampling trace (dotnet-trace collect-linux, 8 s) and
# every thread's managed stack a few times (dotnet-stack) and a GC trace (8 s); then prints the counters, the trace's
# top methods by inclusive CPU samples (kernel frames included), the most frequent running frames, and the GC
# report (bench/TraceReport: each collection's pause and promoted bytes, allocations by type, owner and stack).
#
#   bench/profile.sh orleans|floor SCENARIO RATE [extra bench args]
#   e.g. bench/profile.sh orleans dm 1000
# Needs: dotnet tool install -g dotnet-counters dotnet-stack dotnet-trace   (build: run bench/run.sh once first)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
server=$1 scenario=$2 rate=$3; shift 3
export PATH=$PATH:$HOME/.dotnet/tools
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT=$ROOT/bench/results/profile-$server-$scenario-$rate
mkdir -p "$OUT"
start_server "$server" "$OUT/server.log"
PID=$SERVER_PID
trap stop_server EXIT

dotnet "$BENCH" "$scenario" --url "$URL" --pid "$PID" \
  --label "$server" --start-rate "$rate" --factor 1 --budget-seconds 24 "$@" > "$OUT/bench.log" 2>&1 &
BENCH_PID=$!
# Wait for the set-up to finish (the step table header), then sample while the steps run.
wait_for_steps "$OUT/bench.log" "$BENCH_PID"
sleep 3
dotnet-counters collect -p "$PID" --format csv -o "$OUT/counters.csv" --duration 00:00:00:10 \
  --counters System.Runtime,Microsoft.AspNetCore.Server.Kestrel,System.Net.Sockets > /dev/null 2>&1 || true
# collect-linux samples real CPU (perf events, kernel frames included; needs root); collect would sample wall clock.
dotnet-trace collect-linux -p "$PID" --profile cpu-sampling --duration 00:00:00:08 -o "$OUT/cpu.nettrace" > /dev/null 2>&1 || true
# GC keyword at verbose level: collections, mark times by root, and an allocation sample (with stack) per ~100 KB.
dotnet-trace collect -p "$PID" --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:00:08 -o "$OUT/gc.nettrace" > /dev/null 2>&1 || true
for i in $(seq 15); do dotnet-stack report -p "$PID" > "$OUT/stack$i.txt" 2>&1 || true; sleep 0.5; done
wait "$BENCH_PID" || true
cat "$OUT/bench.log"
echo "--- counters (mean over 10 s) ---"
awk -F, 'NR > 1 { n[$3] += 1; s[$3] += $NF } END { for (k in s) printf "%-75s %14.1f\n", k, s[k] / n[k] }' "$OUT/counters.csv" | sort
if [[ -f $OUT/cpu.nettrace ]]; then
  dotnet-trace report "$OUT/cpu.nettrace" topN -n 80 --inclusive > "$OUT/cpu-top-inclusive.txt" 2>&1 || true
  echo "--- dotnet-trace: top methods by inclusive CPU samples ---"; cat "$OUT/cpu-top-inclusive.txt"
fi
echo "--- top of stack in sampled threads (excluding idle waits), 15 samples ---"
# dotnet-stack prints each thread as "Thread (0x..):" followed by frames, innermost first.
awk '/^ *Thread \(/ { top = 1; next } /\[Native Frames\]/ { next } top && NF { f = $0; sub(/^ +/, "", f); top = 0; print f }' "$OUT"/stack*.txt \
  | grep -v -E 'WaitHandle|Monitor\.Wait|LowLevelLifoSemaphore|WaitForSignal|Thread\.Sleep|\[Native Frames\]|SemaphoreSlim\.Wait|Interop\+Sys\.WaitForSocketEvents|LowLevelMonitor' \
  | sort | uniq -c | sort -rn | head -25
echo "--- any frame in OrleansChat/Orleans/Kestrel/WebSockets/Json, counted over all samples ---"
grep -h -o -E '(OrleansChat|Orleans|System\.Net\.WebSockets|System\.Text\.Json|Microsoft\.AspNetCore)[A-Za-z0-9_.`<>+]*' "$OUT"/stack*.txt \
  | sort | uniq -c | sort -rn | head -25
if [[ -f $OUT/gc.nettrace ]]; then
  dotnet build bench/TraceReport/TraceReport.csproj -c Release -nologo -v q > /dev/null
  dotnet bench/TraceReport/bin/Release/net10.0/TraceReport.dll "$OUT/gc.nettrace" > "$OUT/gc-report.txt" 2>&1 || true
  echo "--- GC trace (full report: $OUT/gc-report.txt) ---"
  sed -n '/^=== collections/,/^--- by type and/p' "$OUT/gc-report.txt" | head -60
fi
