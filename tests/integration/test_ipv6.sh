#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_ipv6.sh - the egress suite over IPv6 (issue 14). The guest has
# fd42:6d73:62::2/64 and its default route via the gateway
# fd42:6d73:62::1; the host side runs in a namespace of its own (tg_host_ns)
# with a target namespace behind it at 2001:db8:1::2 and 198.51.100.2,
# where the servers and the DNS upstream (dnsmasq) live. Checked, behind a
# veth and a tap:
#   - curl -6: 100 MB down and 100 MB up to 2001:db8:1::2, sha256 both ways;
#   - 200 concurrent connections over IPv6 (a barrier holds every reply
#     until all 200 requests are in);
#   - a refused port is refused in < 1 s; half-close; reset;
#   - dig AAAA over IPv6 to the gateway (--host-name gets the gateway's
#     IPv6 address) and to an arbitrary resolver address (intercepted:
#     dnsmasq answers);
#   - UDP echo over IPv6 of datagrams up to 65527 bytes (the guest
#     fragments, tapgate reassembles and fragments the echo back);
#   - host services on ::1 only and on 127.0.0.1 only are both reachable
#     through either gateway address (the gateway falls back to the other
#     loopback family);
#   - no IPv6 route on the host side to 2001:db8:2::/48: curl to an address
#     there fails in < 1 s (RST at once, no black hole), and a name with
#     both an AAAA there and an A that works is fetched in < 1 s (Happy
#     Eyeballs falls back at once);
#   - a spoofed IPv6 source (outside the guest's /64) is dropped in XDP
#     and counted;
#   - a UDP datagram behind 8 extension headers (raw frame from the guest)
#     is carried and echoed; behind 9 it is dropped in XDP (drop_exthdr);
#   - --dns-aaaa: auto (the default) answers AAAA empty while the host
#     side has no IPv6 default route and passes it once it has one; off
#     always empty; A untouched.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init ipv6

T6=2001:db8:1::2
T4=198.51.100.2
DEAD6=2001:db8:2::5
GW6=$TG_GW_IP6
NCONC=${TG_IPV6_CONC:-200}
mkdir "$TMP/www"
tg_make_file "$TMP/www/big" 100
tg_make_file_kib "$TMP/www/small" 64
BIG_SHA=$(tg_sha "$TMP/www/big")

# tserve NS LISTEN NAME CMD...: run a helper server in namespace NS with
# TG_LISTEN=LISTEN; its port file is $TMP/NAME.$P.port; sets PORT. (Not
# in $(...): tg_bg must run in this shell to own and reap the server.)
tserve() {
	local ns=$1 listen=$2 name=$3 pf
	shift 3
	pf=$TMP/$name.$P.port
	rm -f "$pf"
	tg_bg ip netns exec "$ns" env TG_LISTEN="$listen" "$@" "$pf" >"$TMP/$name.$P.log" 2>&1
	PORT=$(tg_wait_port_file "$pf" "$BGPID" "$name")
}

# dns_upstream: dnsmasq in the target namespace on $T4:53, knowing v6.test
# (AAAA $T6), dual.test (AAAA $DEAD6 and A $T4) and nothing else.
dns_upstream() {
	command -v dnsmasq >/dev/null || tg_fail "dnsmasq is missing (make deps: dnsmasq-base)"
	tg_bg ip netns exec "$TARGETNS" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --pid-file= --listen-address="$T4" \
		--bind-interfaces --port=53 --log-facility=- --log-queries \
		--host-record=v6.test,"$T6" --host-record=dual.test,"$T4","$DEAD6" \
		>"$TMP/dnsmasq.$P.log" 2>&1 </dev/null
	for ((i = 0; i < 50; i++)); do
		grep -q "$T4" <<<"$(ip netns exec "$TARGETNS" ss -Hlnu)" && return 0
		sleep 0.1
	done
	tg_fail "dnsmasq did not listen on $T4:53: $(tail -n 3 "$TMP/dnsmasq.$P.log")"
}

# ms_of CMD...: run CMD, print its exit status and the milliseconds it took.
ms_of() {
	local t0 rc=0
	t0=$(tg_now_ms)
	"$@" >/dev/null 2>&1 || rc=$?
	echo "$rc $(($(tg_now_ms) - t0))"
}

bulk() {
	local got
	got=$(tg_gexec curl -sS -6 --max-time 120 "http://[$T6]:$HTTP_PORT/big" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$BIG_SHA" "$mode: 100 MB down over IPv6, sha256 matches"
	got=$(tg_gexec curl -sS -6 --max-time 120 -T "$TMP/www/big" "http://[$T6]:$HTTP_PORT/up")
	tg_expect_eq "$got" "$BIG_SHA" "$mode: 100 MB up over IPv6, the server's sha256 matches"
}

concurrent() {
	local failed url="http://[$T6]:$HTTP_PORT/small?barrier=$P&n=$NCONC"
	# shellcheck disable=SC2016 # expanded by the guest's bash
	failed=$(tg_gexec bash -c '
		for ((i = 0; i < $1; i++)); do
			curl -sSf -6 --connect-timeout 10 --max-time 90 -o /dev/null "$2" 2>/dev/null &
		done
		bad=0
		for p in $(jobs -p); do wait "$p" || bad=$((bad + 1)); done
		echo "$bad"' _ "$NCONC" "$url")
	tg_expect_eq "$failed" 0 "$mode: $NCONC concurrent IPv6 connections, none failed"
}

corner_cases() {
	local port got r
	tserve "$TARGETNS" :: tcp-half "$TG_PY" "$TG_HELPERS/tcptool.py" serve-halfclose
	port=$PORT
	got=$(tg_gexec timeout 20 "$TG_PY" "$TG_HELPERS/tcptool.py" halfclose "$T6" "$port" 300000)
	tg_expect_eq "$got" ok "$mode: half-close over IPv6"
	tserve "$TARGETNS" :: tcp-reset "$TG_PY" "$TG_HELPERS/tcptool.py" serve-reset
	port=$PORT
	got=$(tg_gexec timeout 20 "$TG_PY" "$TG_HELPERS/tcptool.py" reset "$T6" "$port")
	tg_expect_eq "$got" ECONNRESET "$mode: a reset from the server reaches the guest"
	read -r r got <<<"$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" connect "$T6" 1 || true)"
	tg_expect_eq "$r" ECONNREFUSED "$mode: a closed port over IPv6 is refused"
	[ "$got" -lt 1000 ] || tg_fail "$mode: the refusal took $got ms, want < 1000"
	tg_pass "$mode: ... in $got ms"
}

dns() {
	local got
	got=$(tg_gexec dig +short +time=2 +tries=2 -6 @"$GW6" host.tapgate.internal AAAA)
	tg_expect_eq "$got" "$GW6" "$mode: dig AAAA over IPv6 to the gateway: --host-name"
	got=$(tg_gexec dig +short +time=2 +tries=2 -6 @"$GW6" v6.test AAAA)
	tg_expect_eq "$got" "$T6" "$mode: dig AAAA over IPv6 to the gateway: the upstream's answer"
	got=$(tg_gexec dig +short +time=2 +tries=2 -6 @2001:db8:1::53 v6.test AAAA)
	tg_expect_eq "$got" "$T6" "$mode: dig AAAA to an arbitrary IPv6 resolver, intercepted"
	got=$(tg_gexec dig +short +tcp +time=2 +tries=2 -6 @"$GW6" v6.test AAAA)
	tg_expect_eq "$got" "$T6" "$mode: dig AAAA over IPv6 TCP"
}

udp() {
	local port out
	tserve "$TARGETNS" :: udp-echo "$TG_PY" "$TG_HELPERS/udptool.py" serve-echo
	port=$PORT
	out=$(tg_gexec timeout 300 "$TG_PY" "$TG_HELPERS/udptool.py" bulk "$T6" "$port" 300 6)
	grep -q '^ok' <<<"$out" || tg_fail "$mode: UDP over IPv6: $out"
	tg_pass "$mode: UDP echo over IPv6 incl. fragmented datagrams: $out"
}

loopback_families() {
	local p6 p4 gw got
	tserve "$HOSTNS" ::1 http6 "$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www"
	p6=$PORT
	tserve "$HOSTNS" 127.0.0.1 http4 "$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www"
	p4=$PORT
	for gw in "[$GW6]" "$TG_GW_IP"; do
		got=$(tg_gexec curl -sS --max-time 10 "http://$gw:$p6/small" | sha256sum | cut -c1-16)
		tg_expect_eq "$got" "$(tg_sha "$TMP/www/small" | cut -c1-16)" \
			"$mode: a host service on ::1 only, through $gw"
		got=$(tg_gexec curl -sS --max-time 10 "http://$gw:$p4/small" | sha256sum | cut -c1-16)
		tg_expect_eq "$got" "$(tg_sha "$TMP/www/small" | cut -c1-16)" \
			"$mode: a host service on 127.0.0.1 only, through $gw"
	done
}

no_route() {
	local r ms
	read -r r ms <<<"$(ms_of tg_gexec curl -sS -6 --max-time 10 "http://[$DEAD6]:$HTTP_PORT/small")"
	[ "$r" != 0 ] || tg_fail "$mode: curl to $DEAD6 (no route on the host) succeeded"
	[ "$ms" -lt 1000 ] || tg_fail "$mode: curl to $DEAD6 took $ms ms to fail, want < 1000"
	tg_pass "$mode: no IPv6 route on the host: the guest's connect fails in $ms ms"
	mkdir -p "/etc/netns/$GUESTNS"
	echo "nameserver $TG_GW_IP" >"/etc/netns/$GUESTNS/resolv.conf"
	read -r r ms <<<"$(ms_of tg_gexec curl -sS --max-time 10 -o /dev/null "http://dual.test:$HTTP_PORT/small")"
	rm -rf "/etc/netns/$GUESTNS"
	tg_expect_eq "$r" 0 "$mode: dual.test (AAAA unreachable, A fine) is fetched"
	[ "$ms" -lt 1000 ] || tg_fail "$mode: dual.test took $ms ms, want < 1000"
	tg_pass "$mode: ... falling back to IPv4 in $ms ms"
}

spoof() {
	local before after
	before=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 tcp6-ip 5 --src6 2001:db8:99::2 --dst6 "$T6" >/dev/null
	after=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	[ $((after - before)) -ge 5 ] ||
		tg_fail "$mode: 5 frames from 2001:db8:99::2 grew drop_spoof_ip only by $((after - before))"
	tg_pass "$mode: spoofed IPv6 sources dropped in XDP ($((after - before)))"
}

# The guest's side of the extension-header check: a UDP socket on the
# guest's address, and the same datagram sent as a raw frame behind N
# destination-options headers from that socket's port; prints "echoed"
# or "silent".
read -r -d '' EXTSEND <<'PY' || true
import socket, struct, sys
ifname, gmac, gwmac, src, dst, port, n = sys.argv[1:8]
port, n = int(port), int(n)
mac = lambda t: bytes(int(x, 16) for x in t.split(":"))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((src, 0))
s.settimeout(2)
sport = s.getsockname()[1]
payload = b"ext%d" % n
a, b = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
udp = struct.pack("!HHHH", sport, port, 8 + len(payload), 0) + payload
ps = a + b + struct.pack("!IxxxB", len(udp), 17) + udp
ps += b"\0" * (len(ps) % 2)
c = sum(struct.unpack("!%dH" % (len(ps) // 2), ps))
while c >> 16:
    c = (c & 0xFFFF) + (c >> 16)
udp = udp[:6] + struct.pack("!H", (~c & 0xFFFF) or 0xFFFF) + udp[8:]
ext = b"".join(bytes([60 if i + 1 < n else 17, 0, 1, 4, 0, 0, 0, 0]) for i in range(n))
body = ext + udp
ip = struct.pack("!IHBB", 6 << 28, len(body), 60 if n else 17, 64) + a + b
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((ifname, 0))
raw.send(mac(gwmac) + mac(gmac) + b"\x86\xdd" + ip + body)
try:
    print("echoed" if s.recv(100) == payload else "wrong")
except socket.timeout:
    print("silent")
PY

# ext_headers: 8 carried, 9 dropped in XDP.
ext_headers() {
	local port before got
	tserve "$TARGETNS" :: udp-echo-ext "$TG_PY" "$TG_HELPERS/udptool.py" serve-echo
	port=$PORT
	got=$(tg_gexec "$TG_PY" -c "$EXTSEND" eth0 "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP6" "$T6" "$port" 8)
	tg_expect_eq "$got" echoed "$mode: UDP behind 8 extension headers is carried"
	before=$(tg_bpf_counter TG_V_DROP_EXTHDR)
	got=$(tg_gexec "$TG_PY" -c "$EXTSEND" eth0 "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP6" "$T6" "$port" 9)
	tg_expect_eq "$got" silent "$mode: UDP behind 9 extension headers is not"
	tg_expect_eq "$(($(tg_bpf_counter TG_V_DROP_EXTHDR) - before))" 1 "$mode: ... dropped in XDP, counted drop_exthdr"
}

# aaaa_of NAME: the guest's AAAA answer for NAME (empty for NODATA).
aaaa_of() {
	tg_gexec dig +short +time=2 +tries=2 @"$TG_GW_IP" "$1" AAAA
}

dns_aaaa() {
	local n
	tg_start_tapgate --allow host,public --dns "$T4:53"
	tg_expect_eq "$(aaaa_of v6.test)" "" "$mode: --dns-aaaa auto, no IPv6 default route: AAAA empty"
	tg_expect_eq "$(tg_gexec dig +short +time=2 +tries=2 @"$TG_GW_IP" dual.test A)" "$T4" \
		"$mode: ... A answered as ever"
	n=$(tg_stat daemon.dns_aaaa_empty)
	[ "$n" -ge 1 ] || tg_fail "$mode: dns_aaaa_empty is $n"
	ip -n "$HOSTNS" -6 route add default via "$T6" dev "${P}x"
	sleep 5.5 # the route answer is kept 5 s
	tg_expect_eq "$(aaaa_of v6.test)" "$T6" "$mode: ... with a default route: AAAA answered"
	ip -n "$HOSTNS" -6 route del default via "$T6" dev "${P}x"
	tg_stop_tapgate_hostns
	tg_start_tapgate --allow host,public --dns "$T4:53" --dns-aaaa off
	tg_expect_eq "$(aaaa_of v6.test)" "" "$mode: --dns-aaaa off: AAAA empty"
	tg_stop_tapgate_hostns
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_host_ns
	tg_host_ns_ipv6
	tg_guest_ipv6
	tserve "$TARGETNS" :: httpd "$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www"
	HTTP_PORT=$PORT
	dns_upstream
	# AAAA on: the host side has no IPv6 default route, which auto would
	# answer for (dns_aaaa, below); here the guest must meet the route gap.
	tg_start_tapgate --allow host,public --max-conns 1024 --dns "$T4:53" --dns-aaaa on
	bulk
	concurrent
	corner_cases
	dns
	udp
	loopback_families
	no_route
	spoof
	ext_headers
	tg_stop_tapgate_hostns
	dns_aaaa
done
