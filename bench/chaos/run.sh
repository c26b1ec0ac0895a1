#!/usr/bin/env bash
# The chaos suite, one command, loopback only, bounded in time:
#   bench/chaos/run.sh              the full run: 2 silos + 2 Client-mode gateways (real processes) over a throwaway
#                                   redis and PostgreSQL, with the prod overlay's failure detection (Orleans'
#                                   defaults); kill -9 of a silo, a gateway, both, restarts, PostgreSQL and redis down
#                                   and restarted, a slow PostgreSQL.
#   bench/chaos/run.sh --soak M     the soak: M minutes of churn (connect, join, send, leave, disconnect), resources
#                                   sampled every 5 minutes, at the end and 30 s after.
#   bench/chaos/run.sh --only a,b   the full run with only the faults whose names contain a or b (e.g. redis).
# The CI-sized run (a silo kill and a gateway kill, ~30 s) is part of the test command:
#   Tests/Reliability/ChaosSuiteTests.A_silo_kill_and_a_gateway_kill_lose_duplicate_and_skip_nothing.
# It prints one table (acked, lost, duplicated, seq gaps, live deliveries missed while connected, recovery per
# fault) and keeps the whole log in bench/results/chaos-*.log. Needs redis-server and PostgreSQL (see README).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=full test=Full_run_with_the_prod_failure_detection
if [[ ${1:-} == --soak ]]; then
  mode=soak test=Soak_with_churn
  export ORLEANSCHAT_SOAK_MINUTES=${2:-30}
elif [[ ${1:-} == --only ]]; then
  export ORLEANSCHAT_CHAOS_ONLY=${2:?--only needs parts of fault names, e.g. redis,PostgreSQL}
fi
mkdir -p bench/results
log="bench/results/chaos-$mode-$(date -u +%Y%m%dT%H%M%SZ).log"
export ORLEANSCHAT_CHAOS_LOG="$PWD/${log%.log}.progress"  # the faults and the table as they happen
[[ ${ORLEANSCHAT_NO_BUILD:-} == 1 ]] || dotnet build Tests/Tests.csproj -v q -nologo | tail -n 3
# Bounded: the full run takes ~5 min on 2 cores; the soak its minutes plus ~2.
ORLEANSCHAT_CHAOS=$mode timeout "$(( ${ORLEANSCHAT_SOAK_MINUTES:-0} * 60 + 900 ))" \
  dotnet test Tests/Tests.csproj --no-build --filter "FullyQualifiedName~ChaosSuiteTests.$test" \
  --logger "console;verbosity=detailed" > "$log" 2>&1 || status=$?
cat "$ORLEANSCHAT_CHAOS_LOG" 2>/dev/null || grep -v '^{"EventId' "$log" | sed -n '/Standard Output Messages:/,/^$/p' | sed 's/^ *//'
grep -E '^\s*(Passed|Failed)!?' "$log" | tail -n 1
echo "full log: $log"
exit "${status:-0}"
