#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_busy_poll.sh - tapgate run --busy-poll: with polling after traffic,
# the guest's 2000 one-byte round trips to the host's echo server (bench/rr)
# all complete, and once traffic stops the daemon sleeps again: no CPU
# tick over 3 s idle. Behind a veth and behind a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init busy_poll

RR=$ROOT/build/bench/rr
[ -x "$RR" ] || tg_fail "$RR is not built (make)"

# ticks PID: utime + stime of PID, in clock ticks.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	port=$(tg_free_port)
	tg_bg "$RR" server 127.0.0.1 "$port" >"$TMP/rr-server.$P.out" 2>&1
	for ((i = 0; i < 50; i++)); do
		grep -qx ready "$TMP/rr-server.$P.out" && break
		sleep 0.1
	done
	grep -qx ready "$TMP/rr-server.$P.out" || tg_fail "rr server did not start"
	tg_start_tapgate --allow host --busy-poll 200

	tg_gwait "$TMP/rr.$P.out" timeout 60 "$RR" client "$TG_GW_IP" "$port" 2000 ||
		tg_fail "$mode: round trips failed: $(cat "$TMP/rr.$P.out")"
	tg_pass "$mode: 2000 round trips with --busy-poll 200 ($(cut -d' ' -f2 "$TMP/rr.$P.out"))"

	sleep 0.5
	t0=$(ticks "$TGPID")
	sleep 3
	t1=$(ticks "$TGPID")
	tg_expect_eq $((t1 - t0)) 0 "$mode: idle after traffic: CPU ticks over 3 s"
	tg_stop_tapgate
done
