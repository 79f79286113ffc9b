#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_restart.sh - a supervisor's immediate restart works (issue 13): 20
# times in a row, tapgate is stopped with SIGTERM and a new one started on
# the same device within 50 ms of the old one's exit; each new one must
# become ready and serve (the guest fetches a file through it). Before,
# a start within about 0.3 s of a clean stop failed with "Device or
# resource busy" on the AF_XDP socket. Also: a clean stop leaves nothing
# of the daemon in /run/tapgate (lock file, control socket), in bpffs or
# on the link.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init restart

echo ok >"$TMP/ok.txt"
ROUNDS=${TG_RESTART_ROUNDS:-20}
for mode in $(tg_modes); do
	tg_round "$mode"
tg_http_server "$TMP"
tg_start_tapgate --allow host
for ((r = 0; r < ROUNDS; r++)); do
	kill -TERM "$TGPID"
	wait "$TGPID" || tg_fail "round $r: tapgate exited with status $?"
	t0=$(tg_now_ms)
	tg_start_tapgate --allow host >/dev/null
	got=$(tg_gcurl "$(tg_gw_url ok.txt)" 2>&1) || true
	[ "$got" = ok ] || tg_fail "round $r: the restarted tapgate does not serve: '$got'"
	waited=$(grep -o 'waited [0-9]* ms[^;]*' "$TG_LOG" | head -1 || true)
	echo "  $mode round $r: ready $(($(tg_now_ms) - t0)) ms after the old one's exit${waited:+ ($waited)}"
done
tg_pass "$mode: $ROUNDS immediate restarts, each serving"
tg_stop_tapgate
left=$(ls /run/tapgate 2>/dev/null | grep -F "$HOSTDEV" || true)
[ -z "$left" ] || tg_fail "$mode: left in /run/tapgate after a clean stop: $left"
tg_pass "$mode: nothing of the daemon left in /run/tapgate"
done
