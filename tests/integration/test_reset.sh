#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_reset.sh - a reset from the host reaches the guest as a reset: the
# host server reads the guest's line and closes with SO_LINGER 0 (RST); the
# guest's recv() must fail with ECONNRESET, not see a clean EOF and not hang.
# Then a normal connection still works. Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init reset

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_tcp_server reset
	reset_port=$TCP_PORT
	tg_tcp_server halfclose
	tg_start_tapgate --allow host

	for ((i = 0; i < 3; i++)); do
		got=$(tg_gexec timeout 20 "$TG_PY" "$TG_HELPERS/tcptool.py" reset \
			"$TG_GW_IP" "$reset_port") || tg_fail "$mode: guest saw '$got', not ECONNRESET"
	done
	tg_expect_eq "$got" ECONNRESET "$mode: host RST reaches the guest (3 times)"

	got=$(tg_gexec timeout 20 "$TG_PY" "$TG_HELPERS/tcptool.py" halfclose \
		"$TG_GW_IP" "$TCP_PORT" 10000) || tg_fail "$mode: normal connection after resets: $got"
	tg_expect_eq "$got" ok "$mode: data path fine after resets"
	tg_stop_tapgate
done
