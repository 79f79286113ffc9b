#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_close_race.sh - many connections where the host closes first, all
# ending at once: iperf3 -R -P 8 (eight host->guest streams that the host's
# iperf3 ends together), several rounds. The guests' FINs then come in one
# rx batch with other segments. tapgate once kept a pcb that had reached
# TIME_WAIT, which lwIP frees without a callback: the next segment of the
# batch freed it and closing the connection freed it again (glibc: "double
# free detected", tapgate aborted). Every round must move data, tapgate must
# live through all of them, and every connection must be gone afterwards.
# Behind a veth and behind a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init close_race

ROUNDS=${TG_CLOSE_RACE_ROUNDS:-6}

for mode in $(tg_modes); do
	tg_round "$mode"
	port=$(tg_free_port)
	tg_bg iperf3 -s -B 127.0.0.1 -p "$port" >"$TMP/iperf3-server.$P.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	tg_start_tapgate --allow host
	for ((r = 1; r <= ROUNDS; r++)); do
		out=$TMP/iperf3.$P.$r.json
		tg_gwait "$out" timeout 30 iperf3 -c "$TG_GW_IP" -p "$port" -R -P 8 -t 1 -J \
			--connect-timeout 5000 ||
			tg_fail "$mode: round $r: iperf3 -R -P 8 failed: $(head -c 400 "$out")"
		tg_own_child "$TGPID" ||
			tg_fail "$mode: round $r: tapgate died: $(tail -n 3 "$TG_LOG")"
		bytes=$("$TG_PY" -c 'import json,sys
print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"])' "$out")
		[ "$bytes" -gt 0 ] || tg_fail "$mode: round $r: no data received"
	done
	tg_pass "$mode: $ROUNDS rounds of 8 streams closed by the host, tapgate alive"

	open=-1
	for ((i = 0; i < 50; i++)); do
		open=$(tg_stat daemon.conns_open)
		[ "$open" = 0 ] && break
		sleep 0.1
	done
	tg_expect_eq "$open" 0 "$mode: no connection left open (conns_open)"
	tg_stop_tapgate
done
