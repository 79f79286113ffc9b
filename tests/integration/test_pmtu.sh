#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_pmtu.sh - path MTU discovery through the UDP relay. The host side
# runs in a namespace of its own (tg_host_ns) whose link to the target has
# MTU 1280. A guest socket that sets DF (IP_PMTUDISC_DO) sends 1400 bytes
# to a UDP echo server in the target: tapgate's send fails with EMSGSIZE,
# and the guest must get ICMP "fragmentation needed" with MTU 1280 - its
# kernel then refuses the next 1400-byte send itself and reports IP_MTU
# 1280. A 1200-byte datagram still gets its echo, and a 1400-byte one
# WITHOUT DF is fragmented by the host and echoed whole. Bursts without DF
# of sizes up to 1473 all arrive, in order: the relay's batched sends of
# datagrams wider than the path are refused by the kernel and sent one by
# one. Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init pmtu

TARGET=198.51.100.2
PORT=7777

# The guest's side: one connected socket with DF (IPv4) or that refuses
# to fragment (IPv6), then one without; the family follows the address.
read -r -d '' CLIENT <<'PY' || true
import errno, os, socket, sys, time
dst = (sys.argv[1], int(sys.argv[2]))
if ":" in dst[0]:  # IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO / _DONT, IPV6_MTU
    FAM, LEVEL, DISCOVER, DO, DONT, MTU = socket.AF_INET6, socket.IPPROTO_IPV6, 23, 2, 0, 24
else:  # IP_MTU_DISCOVER, IP_PMTUDISC_DO / _DONT, IP_MTU
    FAM, LEVEL, DISCOVER, DO, DONT, MTU = socket.AF_INET, socket.IPPROTO_IP, 10, 2, 0, 14

def echo(s, n):
    data = os.urandom(n)
    s.send(data)
    return s.recv(70000) == data

def sock(pmtu):
    s = socket.socket(FAM, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.setsockopt(LEVEL, DISCOVER, pmtu)
    s.connect(dst)
    return s

s = sock(DO)
print("small-echo", echo(s, 1200))
s.send(os.urandom(1400))          # too big for the path: dropped, ICMP back
time.sleep(0.5)
try:
    s.send(os.urandom(1400))
    print("second-send sent")
except OSError as e:
    print("second-send", errno.errorcode.get(e.errno, e.errno))
print("ip-mtu", s.getsockopt(LEVEL, MTU))
print("nodf-echo", echo(sock(DONT), 1400))
PY

# ipv6_round: CLIENT against the echo server's IPv6 address.
ipv6_round() {
	tg_gexec "$TG_PY" -c "$CLIENT" 2001:db8:1::2 "$PORT" >"$TMP/client6.out" 2>&1 ||
		tg_fail "$mode: the IPv6 guest client failed: $(cat "$TMP/client6.out")"
	tg_note "$(tr '\n' ' ' <"$TMP/client6.out")"
	grep -qx "small-echo True" "$TMP/client6.out" || tg_fail "$mode: IPv6: 1200 bytes not echoed"
	grep -qx "second-send EMSGSIZE" "$TMP/client6.out" ||
		tg_fail "$mode: IPv6: the guest did not learn the path MTU: $(cat "$TMP/client6.out")"
	grep -qx "ip-mtu 1280" "$TMP/client6.out" ||
		tg_fail "$mode: IPv6: the guest's path MTU is not 1280: $(grep ip-mtu "$TMP/client6.out")"
	tg_pass "$mode: IPv6: 1400 bytes whole: the guest got Packet Too Big, MTU 1280"
	grep -qx "nodf-echo True" "$TMP/client6.out" ||
		tg_fail "$mode: IPv6: 1400 bytes the guest fragmented not echoed"
	tg_pass "$mode: IPv6: 1400 bytes the guest fragmented are echoed through the 1280 path"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_host_ns
	tg_host_ns_ipv6
	tg_guest_ipv6
	ip -n "$HOSTNS" link set dev "${P}x" mtu 1280
	ip -n "$TARGETNS" link set dev "${P}y" mtu 1280
	tg_bg ip netns exec "$TARGETNS" "$TG_PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 7777))
while True:
    d, a = s.recvfrom(70000)
    s.sendto(d, a)' >/dev/null 2>&1
	sleep 0.3
	tg_start_tapgate --allow public
	tg_gexec "$TG_PY" -c "$CLIENT" "$TARGET" "$PORT" >"$TMP/client.out" 2>&1 ||
		tg_fail "$mode: the guest client failed: $(cat "$TMP/client.out")"
	tg_note "$(tr '\n' ' ' <"$TMP/client.out")"
	grep -qx "small-echo True" "$TMP/client.out" || tg_fail "$mode: 1200 bytes with DF not echoed"
	tg_pass "$mode: 1200 bytes with DF fit the 1280 path and are echoed"
	grep -qx "second-send EMSGSIZE" "$TMP/client.out" ||
		tg_fail "$mode: the guest did not learn the path MTU: $(cat "$TMP/client.out")"
	grep -qx "ip-mtu 1280" "$TMP/client.out" ||
		tg_fail "$mode: the guest's path MTU is not 1280: $(grep ip-mtu "$TMP/client.out")"
	tg_pass "$mode: 1400 bytes with DF: the guest got frag-needed, MTU 1280"
	grep -qx "nodf-echo True" "$TMP/client.out" || tg_fail "$mode: 1400 bytes without DF not echoed"
	tg_pass "$mode: 1400 bytes without DF are fragmented by the host and echoed"
	# Bursts without DF up to 1473 bytes: all arrive, in order.
	tg_stats_save "$TMP/s0.json"
	tg_gwait "$TMP/burst.out" timeout 120 "$TG_PY" "$TG_HELPERS/udptool.py" burst "$TARGET" "$PORT" 20 ||
		tg_fail "$mode: bursts over the 1280 path: $(tail -n 2 "$TMP/burst.out")"
	tg_pass "$mode: bursts over the 1280 path: $(tail -n 1 "$TMP/burst.out")"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.udp_batched 1 "$mode: datagrams that fit the path went in batches"
	# One burst of 1472-byte datagrams queued while tapgate is stopped, so
	# it reads them in one batch: the kernel refuses a UDP_SEGMENT send
	# whose segments do not fit the path (EINVAL), and the relay falls back
	# to one send per datagram (which the host fragments), losing nothing.
	tg_stats_save "$TMP/s0.json"
	kill -STOP "$TGPID"
	tg_bg ip netns exec "$GUESTNS" "$TG_PY" "$TG_HELPERS/udptool.py" burst "$TARGET" "$PORT" 1 1472 \
		>"$TMP/burst1.out" 2>&1
	sleep 0.5
	kill -CONT "$TGPID"
	wait "$BGPID" || tg_fail "$mode: a stopped-and-continued burst: $(tail -n 2 "$TMP/burst1.out")"
	tg_pass "$mode: 32 datagrams of 1472 bytes over the 1280 path: $(tail -n 1 "$TMP/burst1.out")"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.udp_batch_fallbacks 1 "$mode: the refused batch was sent one by one"
	ipv6_round
	tg_stop_tapgate_hostns
done
