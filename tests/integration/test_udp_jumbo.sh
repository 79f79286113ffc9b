#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_udp_jumbo.sh - tapgate's UDP relay at a big guest MTU (issue 18: at
# --mtu 65520 not one reply reached the guest, so iperf3 -u never even
# started). A veth guest at MTU 9000 and at 65520, tapgate run with the
# same --mtu, a UDP echo server on the host's 127.0.0.1 (tests/helpers/
# udptool.py). From the guest, at each MTU:
#   - datagrams of 1, 1472, 8000, 60000 and 65507 bytes are echoed byte for
#     byte (guest -> relay -> host -> relay -> guest);
#   - those that fit the MTU reach tapgate as one frame, through the relay's
#     own socket (xdp udp_relay), and their echoes come back whole: the
#     guest reassembles nothing (its Ip ReasmOKs stays);
#   - iperf3 -u -l 1472 for 2 s, guest -> host and host -> guest (-R),
#     completes (its control connection is TCP through tapgate) and the
#     receiver got datagrams;
#   - a DNS query to the gateway is answered (the interceptor's answers
#     take the same tx room as the relay's replies: none came either).
# Takes about 30 s.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init udpjumbo

GW=$TG_GW_IP
SIZES=(1 1472 8000 60000 65507)
COUNT=20 # datagrams of each size
UDPTOOL=("$TG_PY" "$TG_HELPERS/udptool.py")

# iperf_udp MTU DIR [ARGS...]: one iperf3 -u run from the guest (DIR g2h
# or h2g) against a fresh server on the host; fails unless it completes
# and the receiver got datagrams.
iperf_udp() {
	local mtu=$1 dir=$2 port out got i
	shift 2
	port=$(tg_free_port)
	out=$TMP/iperf3.$P.$dir.json
	tg_bg iperf3 -s -B 127.0.0.1 -p "$port" -1 >"$TMP/iperf3-server.$P.$dir.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		grep -q LISTEN <<<"$(ss -Hltn "sport = :$port")" && break
		sleep 0.1
	done
	tg_gwait "$out" timeout 20 iperf3 -u -c "$GW" -p "$port" -l 1472 -b 200M -t 2 -J \
		--connect-timeout 5000 "$@" ||
		tg_fail "MTU $mtu: iperf3 -u $dir did not complete: $(head -c 400 "$out" | tr '\n' ' ')" \
			"(xdp udp_relay $(tg_stat xdp.udp_relay), udp_to_host $(tg_stat daemon.udp_to_host)," \
			"udp_to_guest $(tg_stat daemon.udp_to_guest))"
	got=$("$TG_PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%d %.0f %.1f" % (s["packets"] - s["lost_packets"], s["bits_per_second"] / 1e6,
                        s["lost_percent"]))' "$out") ||
		tg_fail "MTU $mtu: cannot read iperf3's JSON: $(head -c 400 "$out")"
	read -r got mbps loss <<<"$got"
	[ "$got" -gt 0 ] || tg_fail "MTU $mtu: iperf3 -u $dir: the receiver got no datagram"
	tg_pass "MTU $mtu: iperf3 -u -l 1472 $dir: $mbps Mbit/s received, $loss % lost"
}

for mtu in 9000 65520; do
	tg_round veth
	ip link set dev "$HOSTDEV" mtu "$mtu"
	ip -n "$GUESTNS" link set dev eth0 mtu "$mtu"
	tg_udp_echo_server 0 || tg_fail "udptool.py serve-echo did not start: $(cat "$TMP"/udpecho."$P".0.log)"
	tg_dnsmasq --address=/jumbo.test/192.0.2.7
	tg_start_tapgate --allow host --mtu "$mtu" --dns "127.0.0.1:$DNS_PORT"

	got=$(tg_gexec dig +short +time=2 +tries=2 @"$GW" jumbo.test 2>&1) || true
	tg_expect_eq "$got" 192.0.2.7 "MTU $mtu: DNS through the interceptor answered"

	for size in "${SIZES[@]}"; do
		tg_stats_save "$TMP/s0.json"
		reasm0=$(tg_snmp "$GUESTNS" Ip ReasmOKs)
		tg_gwait "$TMP/echo.out" timeout 60 "${UDPTOOL[@]}" echo "$GW" "$UDP_PORT" "$COUNT" "$size" ||
			tg_fail "MTU $mtu: $size-byte datagrams: $(tail -n 3 "$TMP/echo.out" | tr '\n' ' ')" \
				"(udp_to_host $(tg_stat daemon.udp_to_host), udp_to_guest $(tg_stat daemon.udp_to_guest))"
		tg_pass "MTU $mtu: $COUNT datagrams of $size bytes echoed: $(cat "$TMP/echo.out")"
		tg_stats_save "$TMP/s1.json"
		reasm=$(($(tg_snmp "$GUESTNS" Ip ReasmOKs) - reasm0))
		if [ $((size + 28)) -le "$mtu" ]; then
			tg_stat_grew xdp.udp_relay "$COUNT" "MTU $mtu: $size bytes: one frame each, to the relay's socket"
			tg_expect_eq "$reasm" 0 "MTU $mtu: $size-byte echoes came whole (guest Ip ReasmOKs +0)"
		else
			tg_stat_grew xdp.udp_frag "$COUNT" "MTU $mtu: $size bytes: fragments, to the relay's socket"
			[ "$reasm" -ge "$COUNT" ] ||
				tg_fail "MTU $mtu: $size-byte echoes: the guest reassembled $reasm, want >= $COUNT"
			tg_pass "MTU $mtu: $size-byte echoes came fragmented to the MTU (guest Ip ReasmOKs +$reasm)"
		fi
	done

	iperf_udp "$mtu" g2h
	iperf_udp "$mtu" h2g -R
	tg_stop_tapgate
done
