#!/usr/bin/env bash
# Runs every test of OrleansChat on a fresh machine: installs what is missing, runs the .NET suite and the
# JavaScript client suites, and ends with one line "N passed, N failed, N skipped" over all of them.
set -uo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg) # voice messages are checked and transcoded with ffmpeg/ffprobe
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need_apt+=(postgresql); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || { echo "could not install ${need_apt[*]}"; exit 1; }
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0

# Each step has a bound, so that a hang fails the run with a summary instead of outliving CI (here, on 2 cores:
# the .NET suite ~5 minutes with its build, the JavaScript suites ~2). A .NET test stuck for 10 minutes is aborted.
timeout --kill-after=30s 40m dotnet test OrleansChat.sln --logger "trx;LogFileName=dotnet.trx" \
  --blame-hang-timeout 10m --blame-hang-dump-type none \
  --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=1

# The JavaScript SDK: unit and integration tests, the obfuscated distribution build and its test, and the
# web page in headless Chromium. Node's runner prints TAP here ("# pass N"), which the summary below reads.
if [ -f clients/js/package.json ]; then
  # --test-force-exit (package.json) ends a test file whose failed test left a socket open.
  # The browser suite runs even when the SDK's fails, so that the summary counts both.
  (cd clients/js && timeout 10m npm ci --no-audit --no-fund --loglevel=error && npm run build || exit 1
    timeout --kill-after=30s 20m npm test; sdk=$?
    timeout --kill-after=30s 10m npm run test:browser; browser=$?
    [ "$sdk" -eq 0 ] && [ "$browser" -eq 0 ]) 2>&1 | tee "$results/js.tap"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi

passed=0; failed=0; skipped=0
trx="$results/dotnet.trx"
if [ -f "$trx" ]; then
  # The <Counters> element leaves skipped tests out; count the outcome of every test result instead.
  outcomes=$(grep -o '<UnitTestResult [^>]*' "$trx" | grep -o 'outcome="[A-Za-z]*"')
  count() { echo "$outcomes" | grep -c "outcome=\"$1\"" || true; }
  passed=$((passed + $(count Passed))); failed=$((failed + $(count Failed) + $(count Error) + $(count Timeout) + $(count Aborted)))
  skipped=$((skipped + $(count NotExecuted)))
  # dotnet test reports a failure hundreds of lines above the end of the log; repeat each one here, by name and
  # with the start of its message, so that the tail of a CI log says what failed.
  awk '/<UnitTestResult / { failing = /outcome="(Failed|Error|Timeout|Aborted)"/
                            if (failing) { match($0, /testName="[^"]*"/); print "FAILED " substr($0, RSTART + 10, RLENGTH - 11); shown = 0 } }
       failing && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
       failing && inmsg { done = sub(/<\/Message>.*/, ""); if (shown++ < 12) print "    " $0; if (done) inmsg = 0 }' "$trx"
else
  echo "no .NET test results were written"; status=1
fi
for tap in "$results"/*.tap; do
  [ -f "$tap" ] || continue
  # One summary block per node --test run in the file: add them all up.
  n() { awk -v key="$1" '$1 == "#" && $2 == key && $3 ~ /^[0-9]+$/ { sum += $3 } END { print sum + 0 }' "$tap"; }
  passed=$((passed + $(n pass))); failed=$((failed + $(n fail)))
  grep '^ *not ok ' "$tap" | sed 's/^ */FAILED /'
  skipped=$((skipped + $(n skipped) + $(n todo)))
done

[ "$failed" -gt 0 ] && status=1
[ $((passed + failed)) -eq 0 ] && { echo "no test ran"; status=1; }
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
