#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_rcvwnd.sh - tapgate announces a receive window beyond Debian lwIP's
# 64 KiB TCP_WND (our lwIP build has 128 KiB with window scaling, see
# user/stack/port/lwipopts.h): a guest connection to the host's echo server
# sends and reads back 64 KiB, then idles; the guest kernel's view of the
# window it may send into (ss: snd_wnd) must be above 65535 (it is about
# 128 KiB). Behind a veth and behind a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init rcvwnd

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_tcp_server echo
	tg_start_tapgate --allow host
	# shellcheck disable=SC2016 # the guest's python
	tg_bg ip netns exec "$GUESTNS" "$TG_PY" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
data = b"w" * 65536
s.sendall(data)
got = 0
while got < len(data):
    got += len(s.recv(65536))
print("echoed", got, flush=True)
time.sleep(4)' "$TG_GW_IP" "$TCP_PORT" >"$TMP/client.$P.out" 2>&1
	for ((i = 0; i < 50; i++)); do
		grep -q echoed "$TMP/client.$P.out" && break
		sleep 0.1
	done
	grep -q echoed "$TMP/client.$P.out" ||
		tg_fail "$mode: the echo client did not finish: $(cat "$TMP/client.$P.out")"
	sleep 0.3
	wnd=$(ip netns exec "$GUESTNS" ss -Htin dst "$TG_GW_IP" "dport = :$TCP_PORT" |
		sed -n 's/.*snd_wnd:\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$wnd" ] || tg_fail "$mode: ss shows no snd_wnd for the connection"
	[ "$wnd" -gt 65535 ] || tg_fail "$mode: the guest may send $wnd bytes, want > 65535"
	tg_pass "$mode: receive window announced to the guest: $wnd bytes"
	tg_stop_tapgate
done
