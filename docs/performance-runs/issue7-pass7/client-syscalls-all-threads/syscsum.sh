#!/usr/bin/env bash
# syscsum.sh OUT RATE: per-delivery counts over the steady window of each run in OUT.
out=$1 rate=$2
for s in orleans floor; do
  [ -f "$out/$s-bench.log" ] || continue
  t0=$(grep "senders, 1000 deliveries" "$out/$s-bench.log" | sed 's/^\[ *\([0-9.]*\)s\].*/\1/')
  end=$(awk -F, '/^ *[0-9]/ { t = $1 } END { print t }' "$out/$s-client.csv")
  for side in client server; do
    awk -F, -v a="$(echo "$t0 + 7" | bc)" -v b="$(echo "$end - 4" | bc)" -v rate="$rate" -v name="$s $side" '
      /^ *[0-9]/ && $1 + 0 >= a && $1 + 0 <= b { sum[$4] += $2; if ($4 == "task-clock") secs += 1 }
      END { d = rate * 1000 * secs; printf "%-15s %4.0f s |", name, secs;
            n = split("task-clock context-switches cpu-migrations raw_syscalls:sys_enter syscalls:sys_enter_recvfrom syscalls:sys_enter_epoll_wait syscalls:sys_enter_futex syscalls:sys_enter_sendto syscalls:sys_enter_sendmsg", ev, " ");
            for (i = 1; i <= n; i++) { v = sum[ev[i]] / d; if (ev[i] == "task-clock") printf " cpu_us %.2f", v * 1000; else { e = ev[i]; sub(/.*:sys_enter_?/, "", e); if (e == "") e = "syscalls"; printf " %s %.3f", e, v } }
            print "" }' "$out/$s-$side.csv"
  done
done
