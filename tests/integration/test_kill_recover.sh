#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_kill_recover.sh - fail closed, then recover. tapgate serves a guest;
# it is killed with SIGKILL (no chance to detach). Its XDP program must stay
# on the device and drop: the guest's curl fails, the host device still
# takes in the guest's frames (so they were sent) while nothing answers,
# the XDP counters show TG_V_DROP_NOSOCK growing, the host's HTTP server gets
# no request, and the host has no address or route for 100.96.0.0/30. A new
# tapgate on the same device must come up over the stale program and pins,
# and traffic flows again. Killed once more, `tapgate detach` must remove
# the program and the pins. Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init kill_recover

# curl_ok MSG: a small download through tapgate must work.
curl_ok() {
	local got
	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: curl failed: $1"
	tg_expect_eq "$got" ok "$mode: curl works $1"
}

# kill9: SIGKILL tapgate and reap it.
kill9() {
	kill -KILL "$TGPID"
	wait "$TGPID" 2>/dev/null || true
	tg_note "tapgate pid $TGPID killed with SIGKILL"
}

echo ok >"$TMP/ok.txt"
for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP"
	tg_start_tapgate --allow host
	curl_ok "with tapgate"

	kill9
	tg_xdp_attached "$HOSTDEV" ||
		tg_fail "$mode: no XDP program on $HOSTDEV after SIGKILL: guest frames reach the host stack"
	tg_pass "$mode: XDP program stays after SIGKILL"

	nosock0=$(tg_bpf_counter TG_V_DROP_NOSOCK)
	rx0=$(tg_dev_rx "$HOSTDEV")
	req0=$(grep -c '"GET ' "$HTTP_LOG" || true)
	rc=0
	tg_gcurl --connect-timeout 2 --max-time 3 "$(tg_gw_url ok.txt)" >/dev/null 2>&1 || rc=$?
	[ "$rc" != 0 ] || tg_fail "$mode: curl succeeded with tapgate dead"
	tg_pass "$mode: guest traffic goes nowhere with tapgate dead (curl exit $rc)"
	rx1=$(tg_dev_rx "$HOSTDEV")
	nosock1=$(tg_bpf_counter TG_V_DROP_NOSOCK)
	req1=$(grep -c '"GET ' "$HTTP_LOG" || true)
	tg_note "host rx $rx0 -> $rx1, TG_V_DROP_NOSOCK $nosock0 -> $nosock1"
	[ "$rx1" -gt "$rx0" ] || tg_fail "$mode: the guest's frames never reached $HOSTDEV"
	[ "$nosock1" -gt "$nosock0" ] || tg_fail "$mode: TG_V_DROP_NOSOCK did not grow"
	tg_expect_eq "$req1" "$req0" "$mode: the host server saw no request"
	tg_expect_eq "$(ip -4 route show 100.96.0.0/30)$(ip -4 addr show | grep -c ' 100\.96\.' || true)" 0 \
		"$mode: host has no route or address for 100.96.0.0/30"
	tg_pass "$mode: frames reached $HOSTDEV and were dropped by XDP (fail closed)"

	tg_start_tapgate --allow host
	tg_pass "$mode: new tapgate replaced the stale program"
	curl_ok "again after restart"

	kill9
	"$TG" detach "$HOSTDEV" >"$TMP/detach.log" 2>&1 ||
		tg_fail "$mode: tapgate detach failed: $(cat "$TMP/detach.log")"
	tg_xdp_attached "$HOSTDEV" && tg_fail "$mode: XDP program still attached after detach"
	[ -e "$(tg_pin_dir)" ] && tg_fail "$mode: pins left in $(tg_pin_dir) after detach"
	tg_pass "$mode: tapgate detach removes program and pins"

	tg_start_tapgate --allow host
	curl_ok "after detach and restart"
	tg_stop_tapgate
done
