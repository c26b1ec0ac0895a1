#!/usr/bin/env bash
# sysc2.sh orleans|floor OUT RATE: a fixed-rate bigroom run with perf stat (per second, all threads) on client and server.
set -uo pipefail
cd /work/main; ROOT=$PWD; source bench/lib.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
server=$1 out=$2 rate=$3; mkdir -p "$out"
EV=task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg
start_server "$server" "$out/$server-server.log"; trap stop_server EXIT
perf stat -I 1000 -x, -e $EV -p "$SERVER_PID" -o "$out/$server-server.csv" &
SP=$!
perf stat -I 1000 -x, -e $EV -o "$out/$server-client.csv" -- dotnet "$BENCH" bigroom --url "$URL" --pid "$SERVER_PID" \
  --label "$server" --start-rate "$rate" --factor 1 --budget-seconds 24 > "$out/$server-bench.log" 2>&1
kill -INT $SP; wait $SP 2>/dev/null
