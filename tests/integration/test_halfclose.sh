#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_halfclose.sh - TCP half-close through tapgate. The host server reads
# to EOF, then replies and closes; the guest client shuts down its write
# side (FIN) and must still get the whole reply. Done with a python client
# (1 MiB, digest checked), with `nc -N`, and then 64 times in a row with
# --max-conns 8: a connection slot leaked per guest FIN (CLOSE_WAIT forever,
# as the reference implementation once did) would run out after 8.
# Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init halfclose

ROUNDS=${TG_HALFCLOSE_ROUNDS:-64}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_tcp_server halfclose
	tg_start_tapgate --allow host --max-conns 8

	got=$(tg_gexec timeout 20 "$TG_PY" "$TG_HELPERS/tcptool.py" halfclose \
		"$TG_GW_IP" "$TCP_PORT" 1048576) || tg_fail "$mode: python half-close: $got"
	tg_expect_eq "$got" ok "$mode: reply after SHUT_WR (1 MiB sent)"

	got=$(printf 'hello' | tg_gexec timeout 10 nc -N -w 5 "$TG_GW_IP" "$TCP_PORT") ||
		tg_fail "$mode: nc -N failed"
	tg_expect_eq "$got" "$(printf 'hello' | sha256sum | cut -d' ' -f1) 5" \
		"$mode: nc -N gets the reply after its FIN"

	for ((i = 0; i < ROUNDS; i++)); do
		got=$(tg_gexec timeout 10 "$TG_PY" "$TG_HELPERS/tcptool.py" halfclose \
			"$TG_GW_IP" "$TCP_PORT" 1000) ||
			tg_fail "$mode: half-close #$i of $ROUNDS failed with --max-conns 8 (slot leak?): $got"
	done
	tg_pass "$mode: $ROUNDS half-closed connections in a row with --max-conns 8"
	tg_stop_tapgate
done
