#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_synflood.sh - a SYN flood from the guest does not take its other
# flows down, nor the daemon, nor the host's services (issue 16). Behind a
# veth, with tapgate's defaults (--syn-rate 1000): the guest starts a long
# download from the host's HTTP server (the file K times over one
# keep-alive connection, K sized so that it outlasts the flood), then
# build/bench/flood sends TCP SYNs from ever new source ports for FLOOD_S
# seconds, as fast as one core can (hundreds of thousands a second), to a
# host port where a real server (build/bench/rr) listens:
#   - the download finishes intact (curl gives up on a stall: under 1 MB/s
#     for 5 s);
#   - XDP drops what is over the rate (drop_syn_rate): at most 1000 a
#     second (+ the burst of 250) reach the daemon, which opens a host
#     connection for each;
#   - the SYN-ACKs of those meet the guest kernel's RSTs, and the daemon
#     lets go of each such half-open connection at once (handshake resets
#     counted): within a few seconds of the flood's end the daemon holds no
#     descriptor more than before it;
#   - a new connection works right after, and the daemon is alive.
# New connections from the guest do not get through during its own flood
# (their SYNs are a tiny share of the rate); it is live ones that must go
# on. The throughput they keep is a benchmark's figure (bench/synflood.sh),
# printed here, not asserted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init synflood

MIB=${TG_FLOOD_MIB:-64}
FLOOD_S=${TG_FLOOD_S:-10}
RATE=1000 BURST=250 # tapgate's defaults (--syn-rate, its burst N/4)
FLOOD=$ROOT/build/bench/flood
RR=$ROOT/build/bench/rr
for b in "$FLOOD" "$RR"; do
	[ -x "$b" ] || tg_fail "$b is not built (make all)"
done
mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"
echo "after the flood" >"$TMP/www/small.txt"
SLOW=(--speed-limit 1048576 --speed-time 5 --max-time 300)

# fetch K OUT: the file K times over one connection; OUT gets "copies ms
# end_ms".
# Every copy is compared with the file as it arrives.
fetch() {
	local urls=() i t0 n
	for ((i = 0; i < $1; i++)); do
		urls+=("$(tg_gw_url big.bin)")
	done
	t0=$(tg_now_ms)
	n=$(tg_gcurl -f "${SLOW[@]}" "${urls[@]}" | "$TG_PY" -c '
import sys
ref = open(sys.argv[1], "rb").read()
n = 0
while True:
    b = sys.stdin.buffer.read(len(ref))
    if not b:
        break
    if b != ref:
        sys.exit("copy %d differs" % n)
    n += 1
print(n)' "$TMP/www/big.bin") || n=bad
	echo "$n $(($(tg_now_ms) - t0)) $(tg_now_ms)" >"$2"
}

rate_of() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.0f MB/s", b / 1000 / ms }'; }

TG_MODES=${TG_MODES:-veth}
for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP/www"
	port=$(tg_free_port)
	tg_bg "$RR" server 127.0.0.1 "$port" >"$TMP/rr.$P.log" 2>&1 </dev/null
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$TMP/rr.$P.log" && break
		sleep 0.1
	done
	grep -q ready "$TMP/rr.$P.log" || tg_fail "rr server did not start: $(cat "$TMP/rr.$P.log")"
	tg_start_tapgate --allow host
	base_fds=$(tg_fds)

	fetch 4 "$TMP/alone"
	read -r n ms _ <"$TMP/alone"
	tg_expect_eq "$n" 4 "$mode: 4 copies of $MIB MiB alone, intact"
	alone_ms=$ms
	# Enough copies to last the flood and a second more at this speed.
	k=$(((FLOOD_S + 1) * 1000 * 4 / (ms > 0 ? ms : 1) + 1))
	[ "$k" -le 400 ] || k=400

	tg_stats_save "$TMP/s0.json"
	fetch "$k" "$TMP/long" &
	fetcher=$!
	for ((i = 0; i < 50; i++)); do
		[ "$(tg_conns_open)" -ge 1 ] && break
		sleep 0.1
	done
	tg_bg ip netns exec "$GUESTNS" "$FLOOD" eth0 "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP" \
		"$TG_GW_IP" "$port" "$FLOOD_S" syn >"$TMP/flood.$P.out" 2>&1
	flood=$BGPID
	wait "$flood" || tg_fail "$mode: the flood failed: $(cat "$TMP/flood.$P.out")"
	flood_end=$(tg_now_ms)
	wait "$fetcher"
	read -r n ms end <"$TMP/long"
	tg_expect_eq "$n" "$k" "$mode: $k copies of $MIB MiB under the flood, intact"
	sent=$(sed -n 's/^sent //p' "$TMP/flood.$P.out")
	tg_note "flood: $sent SYNs in $FLOOD_S s; download alone $(rate_of $((4 * MIB * 1048576)) "$alone_ms"), with the flood $(rate_of $((k * MIB * 1048576)) "$ms")"
	[ "$end" -ge "$flood_end" ] ||
		tg_note "the download ended $((flood_end - end)) ms before the flood did"

	tg_stats_save "$TMP/s1.json"
	dropped=$(tg_stat_delta xdp.drop_syn_rate)
	passed=$((sent - dropped))
	bound=$((RATE * (FLOOD_S + 2) + BURST))
	[ "$passed" -le "$bound" ] ||
		tg_fail "$mode: $passed of $sent SYNs passed XDP in $FLOOD_S s, want <= $bound"
	tg_pass "$mode: XDP dropped $dropped SYNs over the rate; $passed reached the daemon (<= $bound)"
	tg_stat_grew daemon.conns_handshake_reset $((passed / 2)) \
		"$mode: the guest's RSTs ended the flood's half-open connections"

	for ((i = 0; i < 100; i++)); do
		[ "$(tg_fds)" -le "$base_fds" ] && break
		sleep 0.1
	done
	tg_expect_eq "$(tg_fds)" "$base_fds" \
		"$mode: the daemon's descriptors back to $base_fds after the flood"
	got=$(tg_gcurl -f --max-time 10 "$(tg_gw_url small.txt)")
	tg_expect_eq "$got" "after the flood" "$mode: a new connection right after the flood"
	tg_stop_tapgate
done
