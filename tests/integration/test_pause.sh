#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_pause.sh - the VMM stops taking frames for seconds (issue 16's "tx
# ring full for seconds"): behind a tap, the guest downloads 200 MiB, and
# 0.3 s in, the VMM stand-in (tapshuttle, which reads the host tap) is
# stopped with SIGSTOP for 4 s, as a paused or starved VMM would be. The
# daemon's frames to the guest then pile up in the tap (or, where the
# kernel holds the AF_XDP ring back, in the ring: tx_ring_full counts it)
# and the guest's ACKs stop. After SIGCONT the download must go on and
# arrive intact, a new connection must work, and the daemon must have
# kept serving (its stats answer during the pause).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init pause

MIB=200
mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"
want=$(tg_sha "$TMP/www/big.bin")
echo small >"$TMP/www/small.txt"

TG_MODES=${TG_MODES:-tap}
for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP/www"
	tg_start_tapgate --allow host
	tg_stats_save "$TMP/s0.json"
	(tg_gcurl -f --max-time 90 "$(tg_gw_url big.bin)" | sha256sum | cut -d' ' -f1 >"$TMP/got") &
	dl=$!
	sleep 0.3
	kill -STOP "$TG_SHUTTLE_PID"
	sleep 4
	tg_stats_save "$TMP/s1.json" # the daemon answers while the guest is cut off
	sent=$(tg_stat_delta daemon.tx_frames)
	kill -CONT "$TG_SHUTTLE_PID"
	wait "$dl" || tg_fail "$mode: the download did not survive the pause"
	tg_expect_eq "$(cat "$TMP/got")" "$want" "$mode: $MIB MiB intact across a 4 s VMM pause"
	tg_stats_save "$TMP/s1.json"
	tg_note "$sent frames to the guest in the pause's first 4 s; tx_ring_full +$(tg_stat_delta daemon.tx_ring_full) in all"
	tg_expect_eq "$(tg_gcurl -f --max-time 10 "$(tg_gw_url small.txt)")" small \
		"$mode: a new connection after the pause"
	tg_stop_tapgate
done
