#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_status.sh - many sandboxes per host (issue 13): three daemons on
# three veths; `tapgate status` lists all three (device, pid, program id,
# attach mode) from their control sockets, `--json` too, and `tapgate
# stats IF --prometheus` prints the counters in the Prometheus text format.
# A daemon killed with SIGKILL shows as not answering, not as running.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init status

P=${TG_BASE}a
pids=()
for i in 1 2 3; do
	ip link add "${P}${i}h" type veth peer name "${P}${i}v"
	tg_host_dev_quiet "${P}${i}h"
	ip link set dev "${P}${i}h" up
	ip link set dev "${P}${i}v" up
	tg_bg "$TG" run --dev "${P}${i}h" --dns 127.0.0.1:9 >"$TMP/tg$i.log" 2>&1 </dev/null
	pids+=("$BGPID")
done
for i in 1 2 3; do
	for ((t = 0; t < 100; t++)); do
		grep -q "ready on ${P}${i}h" "$TMP/tg$i.log" && break
		sleep 0.1
	done
	grep -q "ready on ${P}${i}h" "$TMP/tg$i.log" || tg_fail "tapgate $i not ready: $(cat "$TMP/tg$i.log")"
done

out=$("$TG" status) || tg_fail "tapgate status failed: $out"
echo "$out" | sed 's/^/  | /'
for i in 1 2 3; do
	line=$(grep "^${P}${i}h " <<<"$out") || tg_fail "device ${P}${i}h missing from tapgate status"
	read -r _ pid _ prog mode _ <<<"$line"
	tg_expect_eq "$pid" "${pids[$((i - 1))]}" "status: ${P}${i}h's pid"
	[ "$prog" -gt 0 ] || tg_fail "status: ${P}${i}h has no program id"
	grep -q tg_steer <<<"$(bpftool prog show id "$prog")" || tg_fail "prog id $prog is not tg_steer"
	case "$mode" in native | generic) ;; *) tg_fail "status: attach mode '$mode'" ;; esac
done
tg_pass "tapgate status lists the three daemons with their pids and programs"

n=$("$TG" status --json | "$TG_PY" -c '
import json, sys
print(len([d for d in json.load(sys.stdin) if d["device"].startswith(sys.argv[1])]))' "$P")
tg_expect_eq "$n" 3 "tapgate status --json: three objects"

prom=$("$TG" stats "${P}1h" --prometheus) || tg_fail "stats --prometheus failed"
grep -q "^tapgate_xdp_packets_total{device=\"${P}1h\",verdict=\"drop_policy\"} [0-9]*$" <<<"$prom" ||
	tg_fail "no tapgate_xdp_packets_total line for drop_policy"
grep -q "^tapgate_conns_open{device=\"${P}1h\"} 0$" <<<"$prom" ||
	tg_fail "no tapgate_conns_open line"
bad=$(grep -v '^#' <<<"$prom" | grep -cvE '^[a-z_]+\{[^}]*\} [0-9]+$' || true)
tg_expect_eq "$bad" 0 "every Prometheus sample line is well formed"

kill -KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
rc=0
out=$("$TG" status) || rc=$?
tg_expect_eq "$rc" 1 "tapgate status exits 1 when a daemon does not answer"
grep -q "^${P}2h .*\(Connection refused\|No such file\)" <<<"$out" ||
	tg_fail "the killed daemon is not reported as not answering: $out"
tg_pass "the killed daemon shows as not answering"
for i in 1 3; do
	kill -TERM "${pids[$((i - 1))]}"
	wait "${pids[$((i - 1))]}" || tg_fail "tapgate $i exited with status $?"
done
tg_pass "the others stop cleanly"
