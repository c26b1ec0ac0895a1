#!/usr/bin/env bash
# Repeated same-run comparisons of one scenario. One run's p99 at a low rate is set by its one or two slowest
# bursts out of 40-80, so it swings by 30 % from run to run on either server; a goal is judged on the median of
# several rounds. Each round is one bench/run.sh of the scenario against both servers, the order alternating
# (orleans first in odd rounds, floor first in even ones) so that drift over the rounds hits both alike. Then,
# per step: each server's median p99 and net CPU per delivery, and the median of the rounds' ratios; and for each
# whole-run figure (the RESULT lines: memory per idle connection, say) the same medians.
#
#   ROUNDS=5 bench/pairs.sh SCENARIO [-- extra bench args]      e.g. bench/pairs.sh bigroom
#   NO_BUILD=1 skips the build; OUT=dir sets where the rounds go (default bench/results/pairs-<scenario>-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scenario=$1; shift
[[ ${1:-} == -- ]] && shift
rounds=${ROUNDS:-5}
OUT=${OUT:-$ROOT/bench/results/pairs-$scenario-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

if [[ -z ${NO_BUILD:-} ]]; then (source "$ROOT/bench/lib.sh"; build_release); fi
for round in $(seq "$rounds"); do
  order="orleans floor"; (( round % 2 == 0 )) && order="floor orleans"
  echo "=== round $round of $rounds: $order ==="
  SERVERS=$order NO_BUILD=1 OUT=$OUT/round-$round bench/run.sh "$scenario" -- "$@" > "$OUT/round-$round.log" 2>&1 \
    || echo "round $round failed: see $OUT/round-$round.log"
done

python3 - "$OUT" "$scenario" <<'PY' | tee "$OUT/summary.txt"
import glob, math, os, re, statistics, sys
out, scenario = sys.argv[1], sys.argv[2]

def results(log):
    """The whole-run figures of one bench log: {metric: value}."""
    found = {}
    for line in open(log):
        m = re.match(r"RESULT \S+ \S+ (\S+) = (\S+)", line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found

def steps(log):
    """Counted steps of one bench log: {sends/s (2 significant digits): (p99 ms, net CPU us per delivery)}."""
    rows = {}
    for line in open(log):
        f = line.split()
        if len(f) in (15, 17) and f[0].isdigit():  # 17: with the database columns (cluster shape)
            sends = float(f[1])
            key = round(sends, 1 - int(math.floor(math.log10(sends))))
            rows[int(key)] = (float(f[6]), float(f[11]))
    return rows

rounds = []
for d in sorted(glob.glob(f"{out}/round-*/"), key=lambda p: int(re.search(r"round-(\d+)", p).group(1))):
    o, f = (os.path.join(d, f"{s}-{scenario}.bench.log") for s in ("orleans", "floor"))
    if os.path.exists(o) and os.path.exists(f):
        rounds.append((steps(o), steps(f), results(o), results(f)))

med = statistics.median

print(f"{scenario}: {len(rounds)} rounds; medians per step, ratio = median of the rounds' orleans/floor ratios")
print(f"{'sends/s':>8} {'n':>2} | {'p99 orleans':>11} {'p99 floor':>9} {'ratio':>6}  ratios by round         "
      f"| {'CPU orleans':>11} {'CPU floor':>9} {'ratio':>6}")
for rate in sorted({r for o, f, *_ in rounds for r in o if r in f}):
    pairs = [(o[rate], f[rate]) for o, f, *_ in rounds if rate in o and rate in f]
    p99 = [o[0] / f[0] for o, f in pairs]
    cpu = [o[1] / f[1] for o, f in pairs if f[1] > 0]
    print(f"{rate:>8} {len(pairs):>2} | {med([o[0] for o, _ in pairs]):>11.1f} {med([f[0] for _, f in pairs]):>9.1f} "
          f"{med(p99):>6.2f}  {' '.join(f'{r:.2f}' for r in p99):<23} | {med([o[1] for o, _ in pairs]):>11.2f} "
          f"{med([f[1] for _, f in pairs]):>9.2f} {(med(cpu) if cpu else float('nan')):>6.2f}")

print(f"\n{'whole-run figure':<34} {'orleans':>10} {'floor':>10} {'ratio':>6}  orleans by round")
for metric in (rounds[0][2] if rounds else {}):
    ours = [o[metric] for *_, o, f in rounds if metric in o and metric in f]
    floor = [f[metric] for *_, o, f in rounds if metric in o and metric in f]
    ratios = [a / b for a, b in zip(ours, floor) if b != 0]
    print(f"{metric:<34} {med(ours):>10.4g} {med(floor):>10.4g} {(med(ratios) if ratios else float('nan')):>6.2f}  "
          f"{' '.join(f'{v:.4g}' for v in ours)}")
PY
