#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_port_reuse.sh - a guest that reuses its source port right after a
# connection the HOST closed first (as an HTTP/1.0 server does) must get a
# new connection at once. tapgate closes first towards the guest then, so
# lwIP keeps the old tuple in TIME_WAIT; a new SYN for it must replace that
# state, not be answered with an ACK while the guest waits. Five
# connections from one guest port, each answered within 2 s. Behind a veth
# and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init port_reuse

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_tcp_server hello
	tg_start_tapgate --allow host
	out=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" reuse "$TG_GW_IP" "$TCP_PORT" 41000 5) ||
		tg_fail "$mode: $out"
	tg_expect_eq "$out" ok "$mode: 5 connections from guest port 41000, the host closing first"
	tg_stop_tapgate
done
