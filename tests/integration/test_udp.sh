#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_udp.sh - tapgate's UDP relay (issue 3). A UDP echo server runs on the
# host's 127.0.0.1 (tests/helpers/udptool.py); with --allow host the guest
# reaches it through the gateway address 100.96.0.1. From the guest:
#   - 10 000 datagrams of 1..65507 bytes (edge sizes first, then random
#     from a fixed seed; the guest kernel fragments the big ones, tapgate
#     reassembles them and fragments the big echoes, which the guest's
#     kernel must reassemble: its Ip ReasmOKs grows) are echoed byte for
#     byte, stop-and-wait, each from the address the guest sent to; retries
#     are reported, a datagram never echoed or a wrong byte fails;
#   - small datagrams go through the relay's own AF_XDP socket and never
#     through the slot path: xdp udp_relay and daemon udp_rx_frames grow by
#     what was sent, daemon rx_frames hardly moves;
#   - UDP to ports 853, 5353, 5355 and 137 is dropped and counted (xdp
#     drop_udp), even with an echo server listening on 127.0.0.1:5353;
#     fragmented, by the relay after reassembly (slot_drops policy);
#   - 40 bursts of 32 datagrams sent back to back (equal sizes, with a
#     shorter and a longer one in each: what the relay sends to the host
#     with one UDP_SEGMENT send) are echoed intact and in order;
#   - iperf3 -u at 300 Mbit/s for 3 s (its control connection is TCP through
#     tapgate) completes and the server received datagrams; then at an
#     unlimited rate, and every frame XDP steered to tapgate's sockets was
#     read or counted dropped (xsk_rx_dropped, xsk_rx_ring_full), and at
#     least half of the datagrams sent to the host shared a send
#     (udp_batched);
#   - --udp-max-flows 1024: 2000 guest sockets each get their echo, the
#     newest 1024 keep their flow (the same host socket answers again), at
#     least 976 were evicted, at most 1024 flows stay open, and an evicted
#     flow gets a new host socket when it sends again;
#   - --udp-timeout 2: an idle flow is closed within a few seconds.
# Behind a veth and a tap. TG_UDP_COUNT (10000) and TG_UDP_SEED (3) set the
# bulk run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init udp

GW=$TG_GW_IP
COUNT=${TG_UDP_COUNT:-10000}
SEED=${TG_UDP_SEED:-3}
NSMALL=500       # small datagrams for the "never through the slot" check
BURSTS=40        # rounds of 32 datagrams sent back to back
NFLOWS=2000      # guest sockets against...
MAXFLOWS=1024    # ...--udp-max-flows (the default)
DROPPED_PORTS=(853 5353 5355 137)
UDPTOOL=("$TG_PY" "$TG_HELPERS/udptool.py")

# guest_udp OUT WHAT ARGS...: run udptool.py ARGS in the guest; fail with
# its last lines unless it succeeds.
guest_udp() {
	local out=$1 what=$2
	shift 2
	tg_gwait "$out" timeout 600 "${UDPTOOL[@]}" "$@" ||
		tg_fail "$mode: $what: $(tail -n 3 "$out" | tr '\n' ' ')"
}

# fresh_stats FILE: tg_stats_save once tapgate has read the AF_XDP sockets'
# own drop counters, which it does at most once a second, on an event: wait
# a second, then one echoed datagram.
fresh_stats() {
	sleep 1.1
	guest_udp "$TMP/poke.out" "one more datagram" echo "$GW" "$ECHO_PORT" 1 16
	sleep 0.3
	tg_stats_save "$1"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_udp_echo_server || tg_fail "udptool.py serve-echo did not start: $(cat "$TMP"/udpecho."$P".0.log)"
	ECHO_PORT=$UDP_PORT
	# The harness: the echo server alone, from the root namespace.
	got=$("${UDPTOOL[@]}" echo 127.0.0.1 "$ECHO_PORT" 3 65507) || tg_fail "echo server: $got"
	tg_pass "$mode: the echo server answers on 127.0.0.1:$ECHO_PORT ($got)"
	nodns=$(tg_free_port) # the guest asks no names: any refused port will do

	# ---- run 1: defaults
	tg_start_tapgate --allow host --dns "127.0.0.1:$nodns"

	# Small datagrams: XDP hands them to the relay, the slot never sees them.
	tg_stats_save "$TMP/s0.json"
	guest_udp "$TMP/small.out" "$NSMALL small datagrams" echo "$GW" "$ECHO_PORT" "$NSMALL" 64
	tg_pass "$mode: $NSMALL datagrams of 64 bytes echoed: $(cat "$TMP/small.out")"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.udp_relay "$NSMALL" "$mode: XDP steered the datagrams to the UDP relay"
	tg_stat_grew daemon.udp_rx_frames "$NSMALL" "$mode: the relay's own AF_XDP socket read them"
	tg_stat_grew daemon.udp_to_host "$NSMALL" "$mode: datagrams to the host counted"
	tg_stat_grew daemon.udp_to_guest "$NSMALL" "$mode: datagrams to the guest counted"
	d=$(tg_stat_delta daemon.rx_frames)
	[ "$d" -lt $((NSMALL / 10)) ] ||
		tg_fail "$mode: the slot path took $d frames during $NSMALL datagrams (want < $((NSMALL / 10)))"
	tg_pass "$mode: UDP never went through the slot (daemon.rx_frames +$d for $NSMALL datagrams)"
	tg_expect_eq "$(tg_stat_of "$TMP/s1.json" daemon.udp_flows_open)" 1 \
		"$mode: one guest socket, one flow"

	# Ports the relay never carries by default: dropped in XDP, counted.
	if tg_udp_echo_server 5353; then
		tg_note "an echo server listens on 127.0.0.1:5353: a leak would be echoed"
	else
		tg_note "127.0.0.1:5353 is taken here: checking the counter and the silence only"
	fi
	tg_stats_save "$TMP/s0.json"
	for port in "${DROPPED_PORTS[@]}"; do
		guest_udp "$TMP/silent.out" "UDP to port $port" silent "$GW" "$port" 5 0.5
		tg_pass "$mode: 5 datagrams to $GW:$port: no reply"
	done
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.drop_udp $((5 * ${#DROPPED_PORTS[@]})) \
		"$mode: UDP to ${DROPPED_PORTS[*]} dropped in XDP and counted"
	tg_expect_eq "$(tg_stat_delta daemon.udp_to_host)" 0 "$mode: none of them reached the relay"
	# Fragmented, their ports are not in XDP's sight: the relay refuses
	# the reassembled datagrams itself.
	tg_stats_save "$TMP/s0.json"
	for port in "${DROPPED_PORTS[@]}"; do
		guest_udp "$TMP/silent.out" "fragmented UDP to port $port" silent "$GW" "$port" 5 0.5 3000
		tg_pass "$mode: 5 fragmented datagrams to $GW:$port: no reply"
	done
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew slot_drops.policy $((5 * ${#DROPPED_PORTS[@]})) \
		"$mode: reassembled UDP to ${DROPPED_PORTS[*]} dropped and counted"
	tg_expect_eq "$(tg_stat_delta daemon.udp_to_host)" 0 "$mode: none of them reached the host"

	# Every size 1..65507, both ways, byte for byte.
	tg_stats_save "$TMP/s0.json"
	reasm0=$(tg_snmp "$GUESTNS" Ip ReasmOKs)
	guest_udp "$TMP/bulk.out" "$COUNT datagrams of 1..65507 bytes" \
		bulk "$GW" "$ECHO_PORT" "$COUNT" "$SEED"
	tg_pass "$mode: $(tail -n 1 "$TMP/bulk.out")"
	reasm1=$(tg_snmp "$GUESTNS" Ip ReasmOKs)
	[ $((reasm1 - reasm0)) -ge $((COUNT / 2)) ] ||
		tg_fail "$mode: the guest reassembled $((reasm1 - reasm0)) datagrams, want >= $((COUNT / 2)): big echoes must come as fragments of the guest's MTU"
	tg_pass "$mode: big echoes came fragmented to the guest's MTU (guest Ip ReasmOKs +$((reasm1 - reasm0)))"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.udp_to_host "$COUNT" "$mode: bulk datagrams to the host counted"
	tg_stat_grew daemon.udp_to_guest "$COUNT" "$mode: bulk datagrams to the guest counted"
	tg_stat_grew xdp.udp_frag "$COUNT" "$mode: the guest's fragments went to the relay's socket"
	tg_stat_grew daemon.reasm_done $((COUNT / 2)) "$mode: fragmented datagrams reassembled"
	tg_note "reasm_dropped +$(tg_stat_delta daemon.reasm_dropped), udp_dropped +$(tg_stat_delta daemon.udp_dropped)"

	# Bursts: what the relay gathers into one send must reach the host as
	# the same datagrams, intact and in order.
	tg_stats_save "$TMP/s0.json"
	guest_udp "$TMP/burst.out" "$BURSTS bursts of 32" burst "$GW" "$ECHO_PORT" "$BURSTS"
	tg_stats_save "$TMP/s1.json"
	tg_pass "$mode: bursts: $(tail -n 1 "$TMP/burst.out") (udp_batched +$(tg_stat_delta daemon.udp_batched))"

	# iperf3: UDP at 300 Mbit/s; the control connection is TCP through tapgate.
	iport=$(tg_free_port)
	tg_bg iperf3 -s -B 127.0.0.1 -p "$iport" -1 >"$TMP/iperf3-server.$P.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		ss -Hltn "sport = :$iport" | grep -q LISTEN && break
		sleep 0.1
	done
	tg_gwait "$TMP/iperf3.json" timeout 30 iperf3 -u -c "$GW" -p "$iport" -b 300M -t 3 -J \
		--connect-timeout 5000 || tg_fail "$mode: iperf3 -u failed: $(head -c 600 "$TMP/iperf3.json")"
	got=$("$TG_PY" -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
s = e.get("sum_received") or e["sum"]
got = s["packets"] - s["lost_packets"]
print("%d %.1f %.2f %d %d" % (got, s["bits_per_second"] / 1e6, s["lost_percent"],
                              s["lost_packets"], s["packets"]))' "$TMP/iperf3.json") ||
		tg_fail "$mode: cannot read iperf3's JSON: $(head -c 600 "$TMP/iperf3.json")"
	read -r rcvd mbps loss lost total <<<"$got"
	[ "$rcvd" -gt 0 ] || tg_fail "$mode: iperf3 -u: the server received no datagram"
	tg_pass "$mode: iperf3 -u -b 300M: $mbps Mbit/s received, $lost/$total lost ($loss %)"

	# Unlimited rate: more than the relay can take. Every datagram XDP
	# steered to the relay's socket must be read or counted dropped.
	tg_bg iperf3 -s -B 127.0.0.1 -p "$iport" -1 >>"$TMP/iperf3-server.$P.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		ss -Hltn "sport = :$iport" | grep -q LISTEN && break
		sleep 0.1
	done
	fresh_stats "$TMP/s0.json"
	tg_gwait "$TMP/flood.json" timeout 30 iperf3 -u -c "$GW" -p "$iport" -b 0 -l 1472 -t 2 -J \
		--connect-timeout 5000 || tg_fail "$mode: iperf3 -u -b 0 failed: $(head -c 600 "$TMP/flood.json")"
	fresh_stats "$TMP/s1.json"
	# Both sockets share the fill ring, so when the flood empties it the
	# main socket (the TCP control connection) drops too: count both.
	steered=$(tg_stat_delta xdp.udp_relay)
	for v in to_tcp to_dns to_arp to_icmp to_frag to_denied_syn udp_frag; do
		steered=$((steered + $(tg_stat_delta "xdp.$v")))
	done
	read=$(($(tg_stat_delta daemon.udp_rx_frames) + $(tg_stat_delta daemon.rx_frames)))
	dropped=$(($(tg_stat_delta daemon.xsk_rx_dropped) + $(tg_stat_delta daemon.xsk_rx_ring_full)))
	tg_expect_eq $((read + dropped)) "$steered" \
		"$mode: flood: every steered frame read ($read) or counted dropped ($dropped)"
	tg_stat_grew daemon.udp_batched $(($(tg_stat_delta daemon.udp_to_host) / 2)) \
		"$mode: flood: most datagrams went to the host several to a send"
	tg_stop_tapgate

	# ---- run 2: the flow cap
	tg_start_tapgate --allow host --dns "127.0.0.1:$nodns" --udp-max-flows "$MAXFLOWS"
	tg_stats_save "$TMP/s0.json"
	guest_udp "$TMP/flows.out" "$NFLOWS flows against a cap of $MAXFLOWS" \
		flows "$GW" "$ECHO_PORT" "$NFLOWS" "$MAXFLOWS" "$TMP/flows.$P.txt"
	tg_pass "$mode: $(tail -n 1 "$TMP/flows.out")"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.udp_flows_total "$NFLOWS" "$mode: one flow per guest socket"
	tg_stat_grew daemon.udp_evicted $((NFLOWS - MAXFLOWS)) "$mode: the least recently used flows evicted"
	open=$(tg_stat_of "$TMP/s1.json" daemon.udp_flows_open)
	[ "$open" -le "$MAXFLOWS" ] || tg_fail "$mode: $open flows open, the cap is $MAXFLOWS"
	tg_pass "$mode: $open flows open, within the cap of $MAXFLOWS"
	read -r sport first <"$TMP/flows.$P.txt" # the oldest flow: evicted
	tg_stats_save "$TMP/s0.json"
	tg_gwait "$TMP/again.out" "${UDPTOOL[@]}" whoami "$GW" "$ECHO_PORT" --sport "$sport" ||
		tg_fail "$mode: the oldest (evicted) flow got no echo when it sent again: $(cat "$TMP/again.out")"
	again=$(tail -n 1 "$TMP/again.out")
	[ "$again" != "$first" ] ||
		tg_fail "$mode: guest port $sport: answered again by host socket $first, which eviction should have closed"
	tg_pass "$mode: the evicted flow sends again: a new flow, host socket $first -> $again"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.udp_flows_total 1 "$mode: the new flow counted"
	tg_stop_tapgate

	# ---- run 3: the idle timeout
	tg_start_tapgate --allow host --dns "127.0.0.1:$nodns" --udp-timeout 2
	tg_gwait "$TMP/idle.out" "${UDPTOOL[@]}" whoami "$GW" "$ECHO_PORT" ||
		tg_fail "$mode: no echo: $(cat "$TMP/idle.out")"
	tg_expect_eq "$(tg_stat daemon.udp_flows_open)" 1 "$mode: one flow open"
	for ((i = 0; i < 80; i++)); do
		[ "$(tg_stat daemon.udp_flows_open)" = 0 ] && break
		sleep 0.1
	done
	tg_expect_eq "$(tg_stat daemon.udp_flows_open)" 0 "$mode: --udp-timeout 2: the idle flow closed within 8 s"
	tg_gwait "$TMP/idle.out" "${UDPTOOL[@]}" whoami "$GW" "$ECHO_PORT" ||
		tg_fail "$mode: no echo after the idle timeout: $(cat "$TMP/idle.out")"
	tg_pass "$mode: a datagram after the timeout opens a new flow"
	tg_stop_tapgate
done
