#!/usr/bin/env bash
# What an idle connection costs in live managed objects, by type, OrleansChat minus the floor. Runs the idle
# scenario against each server, takes a gcdump (a full GC, then live objects only) once the sockets are open,
# and prints the types whose bytes differ most, per connection. RSS also holds garbage not yet collected and
# native memory; this isolates what the code keeps alive.
#
#   bench/idle-heap.sh [extra bench args]        e.g. bench/idle-heap.sh --clients 5000
# Needs: dotnet tool install -g dotnet-gcdump; a Release build (bench/run.sh builds one).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
export PATH=$PATH:$HOME/.dotnet/tools
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
OUT=$ROOT/bench/results/idle-heap
mkdir -p "$OUT"
trap stop_server EXIT

for server in orleans floor; do
  start_server "$server" "$OUT/$server.server.log"
  dotnet "$BENCH" idle --url "$URL" --pid "$SERVER_PID" --label "$server" "$@" > "$OUT/$server.bench.log" 2>&1 &
  BENCH_PID=$!
  until grep -q "sockets open" "$OUT/$server.bench.log" 2>/dev/null; do sleep 0.5; kill -0 "$BENCH_PID" || break; done
  sleep 5
  dotnet-gcdump collect -p "$SERVER_PID" -o "$OUT/$server.gcdump" > /dev/null
  dotnet-gcdump report "$OUT/$server.gcdump" > "$OUT/$server.heap.txt"
  wait "$BENCH_PID" || true
  stop_server
  grep -E "kb_per_connection|open_connections" "$OUT/$server.bench.log"
done

python3 - "$OUT/orleans.heap.txt" "$OUT/floor.heap.txt" "$(awk '/open_connections/ {print $NF}' "$OUT/orleans.bench.log")" <<'PY'
import re, sys
def live_bytes_by_type(path):
    # gcdump report rows: "<bytes per object, or total for 'Bytes >' rows>  <count>  <type>  [assembly]"
    totals = {}
    for line in open(path):
        m = re.match(r'\s*([\d,]+)\s+([\d,]+)\s+(.*?)\s*(\(Bytes > \w+\))?\s+\[.*\]\s*$', line)
        if not m:
            continue
        size, count = int(m.group(1).replace(',', '')), int(m.group(2).replace(',', ''))
        bytes_, n = totals.get(m.group(3), (0, 0))
        totals[m.group(3)] = (bytes_ + (size if m.group(4) else size * count), n + count)
    return totals
ours, floor, connections = live_bytes_by_type(sys.argv[1]), live_bytes_by_type(sys.argv[2]), int(sys.argv[3])
total = lambda t: sum(b for b, _ in t.values())
print(f"live managed bytes: orleans {total(ours)/1e6:.1f} MB, floor {total(floor)/1e6:.1f} MB, "
      f"difference {(total(ours) - total(floor)) / connections:.0f} B per connection ({connections} connections)")
rows = sorted(((ours.get(t, (0, 0))[0] - floor.get(t, (0, 0))[0], t) for t in set(ours) | set(floor)), reverse=True)
print(f"{'B/conn':>7} {'orleans n':>9} {'floor n':>8}  type")
for diff, t in rows[:40]:
    print(f"{diff / connections:7.0f} {ours.get(t, (0, 0))[1]:9} {floor.get(t, (0, 0))[1]:8}  {t[:130]}")
PY
