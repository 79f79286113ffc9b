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
# kept serving (its stats answer during the pause). Then the same pause
# under a UDP flood toward the guest (iperf3 -u -R at 2 Gbit/s): the
# daemon keeps sending, the tap drops what its queue cannot hold (its
# tx_dropped counter; this kernel's copy-mode transmit never leaves the
# AF_XDP ring itself full), and after the pause a new download works.
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

	iport=$(tg_free_port)
	tg_bg iperf3 -s -B 127.0.0.1 -p "$iport" -1 >"$TMP/iperf3-server.$P.log" 2>&1
	sleep 0.3
	drop0=$(cat "/sys/class/net/$HOSTDEV/statistics/tx_dropped")
	(tg_gexec timeout 30 iperf3 -u -R -c "$TG_GW_IP" -p "$iport" -b 2G -t 5 -l 1400 \
		--connect-timeout 5000 >"$TMP/iperf3.out" 2>&1) &
	ip=$!
	sleep 1
	kill -STOP "$TG_SHUTTLE_PID"
	sleep 3
	tg_stats_json >/dev/null || tg_fail "$mode: the daemon did not answer under the flood"
	kill -CONT "$TG_SHUTTLE_PID"
	wait "$ip" || tg_fail "$mode: iperf3 -u -R: $(tail -n 3 "$TMP/iperf3.out")"
	drops=$(($(cat "/sys/class/net/$HOSTDEV/statistics/tx_dropped") - drop0))
	[ "$drops" -gt 0 ] || tg_fail "$mode: the tap dropped nothing: the pause did not hold the guest's queue"
	tg_pass "$mode: a UDP flood into a paused VMM: the tap dropped $drops frames, the daemon answered"
	tg_expect_eq "$(tg_gcurl -f --max-time 20 "$(tg_gw_url big.bin)" | sha256sum | cut -d' ' -f1)" \
		"$want" "$mode: $MIB MiB intact after it"
	tg_stop_tapgate
done
