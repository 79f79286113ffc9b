#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_isolation.sh - two sandboxes side by side do not reach each other or
# the host (issue 16's isolation matrix). Both daemons run with the default
# policy (public only) in one host-side namespace (tg_host_ns), each on its
# own veth: sandbox A with tapgate's default addresses, sandbox B with
# 100.96.1.2/30, fd42:6d73:63::2/64 and its own MACs. A TCP and UDP
# listener (dual-stack, [::]:PORT) runs in the host namespace and in each
# guest. From each guest, tests/helpers/isoprobe.py sends hand-made frames
# (a SYN, a UDP datagram and an echo request) to every form of the other's
# and the host's addresses: the gateways (its own and the other's, IPv4 and
# IPv6), the other guest, the host namespace's own addresses, 127.0.0.1,
# 127.1.2.3, ::1, IPv4-mapped ones, link-local ones, the metadata
# addresses. Then:
#   - no listener anywhere accepted a connection or got a datagram, and no
#     probe was answered with a SYN-ACK;
#   - no echo reply came back but from the guest's own gateway (tapgate
#     answers those itself);
#   - no frame from one sandbox (its MAC or addresses) showed on the
#     other's link;
#   - after SIGKILL of A's daemon, the same probes from A put no packet into
#     the host namespace's stack (its IP, IPv6, TCP, UDP and ICMP counters
#     do not move) while XDP counts them dropped (drop_nosock).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init isolation

PROBE=$ROOT/tests/helpers/isoprobe.py
B_IP=100.96.1.2 B_GW=100.96.1.1 B_IP6=fd42:6d73:63::2 B_GW6=fd42:6d73:63::1
B_MAC=02:6d:73:00:01:02 B_GW_MAC=02:6d:73:00:01:01
PORT=7777

# listener NS NAME: TCP and UDP on [::]:PORT in NS, both families; every
# accepted connection and datagram is a line in $TMP/NAME.hits.
listener() {
	: >"$TMP/$2.hits"
	tg_bg ip netns exec "$1" "$TG_PY" -c '
import select, socket, sys
out = open(sys.argv[1], "a")
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for s in (t, u):
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(sys.argv[2])))
t.listen(64)
print("ready", flush=True)
while True:
    for s in select.select([t, u], [], [])[0]:
        if s is t:
            c, a = t.accept()
            out.write("tcp %s\n" % (a,)); c.close()
        else:
            d, a = u.recvfrom(2048)
            out.write("udp %s\n" % (a,))
        out.flush()' "$TMP/$2.hits" "$PORT" >"$TMP/$2.out" 2>&1
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$TMP/$2.out" && return 0
		sleep 0.1
	done
	tg_fail "listener in $1 did not start: $(cat "$TMP/$2.out")"
}

# probe NS GMAC GWMAC GIP GIP6 TARGET...: isoprobe's lines.
probe() {
	local ns=$1 gmac=$2 gwmac=$3 gip=$4 gip6=$5
	shift 5
	ip netns exec "$ns" "$TG_PY" "$PROBE" probe eth0 --guest-mac "$gmac" --gw-mac "$gwmac" \
		--guest-ip "$gip" --guest-ip6 "$gip6" --port "$PORT" "$@"
}

# check_probe NAME OWN_GW OWN_GW6 OWN_GW_LL LINES: no SYN-ACK; echo replies
# only from the guest's own gateway.
check_probe() {
	local name=$1 gw=$2 gw6=$3 ll=$4 lines=$5 t syn echo n=0
	while read -r t syn echo; do
		n=$((n + 1))
		[ "$syn" != syn=synack ] || tg_fail "$name: a SYN to $t was accepted (SYN-ACK)"
		if [ "$echo" = echo=reply ] && [ "$t" != "$gw" ] && [ "$t" != "$gw6" ] &&
			[ "$t" != "$ll" ]; then
			tg_fail "$name: an echo request to $t was answered"
		fi
	done <<<"$lines"
	[ "$n" -ge 10 ] || tg_fail "$name: isoprobe printed $n lines: $lines"
	tg_pass "$name: $n addresses probed: no SYN-ACK, echo replies from its own gateway only"
	tg_note "$(tr '\n' ';' <<<"$lines")"
}

hits() { wc -l <"$TMP/$1.hits"; }

# host_counters: the host namespace's stack counters, one line: IPv4
# packets in, TCP segments (both families), UDP datagrams and echo requests
# of each family. (Not all IPv6 packets: the target namespace's neighbour
# discovery and MLD come and go on their own.)
host_counters() {
	echo "$(tg_snmp "$HOSTNS" Ip InReceives) $(tg_snmp "$HOSTNS" Tcp InSegs)" \
		"$(tg_snmp "$HOSTNS" Udp InDatagrams) $(tg_snmp "$HOSTNS" Icmp InMsgs)" \
		"$(ip netns exec "$HOSTNS" awk '$1 == "Udp6InDatagrams" || $1 == "Icmp6InEchos" \
			{printf "%s ", $2}' /proc/net/snmp6)"
}

mode=veth
tg_round veth
tg_host_ns
tg_guest_ipv6
tg_host_ns_ipv6
tg_ns_ipv6_on "$HOSTNS" lo
tg_second_guest "$B_MAC" "$B_IP/30" "$B_GW" "$B_IP6/64"
listener "$HOSTNS" host
listener "$GUESTNS" guest_a
listener "$G2" guest_b
tg_start_tapgate --no-ra
tg_start_second "${P}b" --guest-ip "$B_IP/30" --gateway "$B_GW" --guest-mac "$B_MAC" \
	--gateway-mac "$B_GW_MAC" --guest-ip6 "$B_IP6/64" --gateway6 "$B_GW6" --no-ra

H_ADDRS=(198.51.100.1 10.200.0.1 2001:db8:1::1 ::ffff:198.51.100.1)
LOOP=(127.0.0.1 127.1.2.3 ::1 ::ffff:127.0.0.1)
# Link-local: the gateways' own (A's is fe80::6d:73ff:fe00:1, from its MAC;
# B's fe80::6d:73ff:fe00:101), and one nobody has.
A_LL=fe80::6d:73ff:fe00:1 B_LL=fe80::6d:73ff:fe00:101
OTHER=(169.254.169.254 169.254.1.1 fd00:ec2::254 fe80::1 "$A_LL" "$B_LL")
A_TARGETS=("$TG_GW_IP" "$TG_GW_IP6" "$B_GW" "$B_GW6" "$B_IP" "$B_IP6" "::ffff:$B_IP"
	"${H_ADDRS[@]}" "${LOOP[@]}" "${OTHER[@]}")
B_TARGETS=("$B_GW" "$B_GW6" "$TG_GW_IP" "$TG_GW_IP6" "$TG_GUEST_IP" "$TG_GUEST_IP6"
	"::ffff:$TG_GUEST_IP" "${H_ADDRS[@]}" "${LOOP[@]}" "${OTHER[@]}")

# While one guest probes, the other sniffs its link for the prober's frames
# (its MAC, or its addresses as source: the other's replies to its own
# probes would carry those, so the two take turns).
tg_bg ip netns exec "$G2" "$TG_PY" "$PROBE" sniff eth0 4 "$TG_GUEST_MAC" "$TG_GUEST_IP" \
	"$TG_GUEST_IP6" >"$TMP/sniff_b" 2>&1
sniffer=$BGPID
sleep 0.5
a=$(probe "$GUESTNS" "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP" "$TG_GUEST_IP6" \
	"${A_TARGETS[@]}") || tg_fail "isoprobe in A failed: $a"
wait "$sniffer" || true
tg_bg ip netns exec "$GUESTNS" "$TG_PY" "$PROBE" sniff eth0 4 "$B_MAC" "$B_IP" "$B_IP6" \
	>"$TMP/sniff_a" 2>&1
sniffer=$BGPID
sleep 0.5
b=$(probe "$G2" "$B_MAC" "$B_GW_MAC" "$B_IP" "$B_IP6" "${B_TARGETS[@]}") ||
	tg_fail "isoprobe in B failed: $b"
wait "$sniffer" || true
check_probe "A" "$TG_GW_IP" "$TG_GW_IP6" "$A_LL" "$a"
check_probe "B" "$B_GW" "$B_GW6" "$B_LL" "$b"
grep -q "^$TG_GW_IP syn=.* echo=reply" <<<"$a" ||
	tg_fail "A's own gateway did not answer its echo request: the probe sees no replies"
tg_expect_eq "$(cat "$TMP/sniff_b")" "foreign 0" "no frame of A on B's link"
tg_expect_eq "$(cat "$TMP/sniff_a")" "foreign 0" "no frame of B on A's link"
for l in host guest_a guest_b; do
	tg_expect_eq "$(hits "$l")" 0 "the $l listener took no connection and no datagram"
done

# A's daemon dies: its program stays and drops; the host stack sees nothing.
before=$(host_counters)
tg_stats_save "$TMP/k0.json"
kill -KILL "$TGPID"
wait "$TGPID" 2>/dev/null || true
probe "$GUESTNS" "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP" "$TG_GUEST_IP6" \
	"${A_TARGETS[@]}" >"$TMP/probe_dead" || tg_fail "isoprobe in A failed after the kill"
after=$(host_counters)
tg_stats_save "$TMP/k1.json"
# XDP's verdicts meanwhile: "dropped passed" (passed: redirected anywhere).
read -r dropped passed <<<"$("$TG_PY" -c '
import json, sys
a, b = (json.load(open(f))["xdp"] for f in sys.argv[1:3])
d = {k: b[k]["packets"] - a.get(k, {}).get("packets", 0) for k in b}
print(sum(v for k, v in d.items() if k.startswith("drop_")),
      sum(v for k, v in d.items() if not k.startswith("drop_")))' "$TMP/k0.json" "$TMP/k1.json")"
if [ "$dropped" -lt $((3 * ${#A_TARGETS[@]})) ] || [ "$passed" != 0 ]; then
	tg_fail "after SIGKILL: XDP dropped $dropped frames and passed $passed of A's $((3 * ${#A_TARGETS[@]})) probes"
fi
tg_expect_eq "$after" "$before" \
	"after SIGKILL of A's daemon: the host stack's counters (Ip Tcp Udp Icmp Ip6) did not move ($dropped frames dropped in XDP)"
tg_expect_eq "$(hits host)" 0 "the host listener still took nothing"
tg_stop_pid "$TGPID2" 5 || tg_fail "B's tapgate did not stop"
"$TG" detach "$HOSTDEV" >/dev/null 2>&1 || true
