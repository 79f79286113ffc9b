#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_seccomp.sh - a serving tapgate runs under its seccomp filter (issue
# 16): /proc/PID/status says Seccomp 2 with one filter, and every feature
# still works with the filter on, the daemon alive and no "seccomp" line
# in its log. The host side is a namespace of its own (tg_host_ns) and the
# servers live in the target namespace (198.51.100.2, 2001:db8:1::2),
# under a policy that allows everything, behind a veth:
#   TCP both ways over IPv4 and IPv6 (curl, sha256), UDP echo (small and
#   fragmented), DNS over UDP and TCP through the interceptor (dnsmasq in
#   the target namespace as the upstream), ping to the gateway and relayed
#   to 198.51.100.2, ping -6 to the gateway, a published port at start and
#   one published and unpublished at runtime with a connection through it,
#   `tapgate stats`, `flows`, `status`, a reload by SIGHUP and by `tapgate
#   policy`, and the clean exit (detach, pins, files: lib.sh checks).
# With --seccomp off the daemon says Seccomp 0. What a forbidden call does
# (the process dies, saying which call) is tests/unit/test_scfilter.c's.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init seccomp

T4=198.51.100.2
T6=2001:db8:1::2
mkdir "$TMP/www"
tg_make_file "$TMP/www/big" 8
BIG_SHA=$(tg_sha "$TMP/www/big")
POL=$TMP/pol.json
echo '{ "default_egress": "allow", "default_ingress": "allow" }' >"$POL"

field() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$TGPID/status"
}

# target_servers: httpd.py (both families) and a UDP echo server in the
# target namespace, dnsmasq answering x.test there on 53.
target_servers() {
	local pf=$TMP/t.http.port
	tg_bg ip netns exec "$TARGETNS" env TG_LISTEN=:: "$TG_PY" "$TG_HELPERS/httpd.py" \
		"$TMP/www" "$pf" >"$TMP/t.http.log" 2>&1
	TPORT=$(tg_wait_port_file "$pf" "$BGPID" "httpd.py in $TARGETNS")
	pf=$TMP/t.udp.port
	tg_bg ip netns exec "$TARGETNS" env TG_LISTEN=0.0.0.0 "$TG_PY" "$TG_HELPERS/udptool.py" \
		serve-echo "$pf" >"$TMP/t.udp.log" 2>&1
	UPORT=$(tg_wait_port_file "$pf" "$BGPID" "udptool.py in $TARGETNS")
	tg_bg ip netns exec "$TARGETNS" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --pid-file= --listen-address="$T4" \
		--bind-interfaces --port=53 --address=/x.test/$T4 --log-facility=- \
		>"$TMP/t.dns.log" 2>&1 </dev/null
}

traffic() {
	local got
	got=$(tg_gexec curl -sS --max-time 30 "http://$T4:$TPORT/big" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$BIG_SHA" "$1: 8 MB over IPv4 from the target"
	got=$(tg_gexec curl -sS --max-time 30 -T "$TMP/www/big" "http://$T4:$TPORT/up")
	tg_expect_eq "$got" "$BIG_SHA" "$1: 8 MB over IPv4 to the target"
	got=$(tg_gexec curl -sS --max-time 30 "http://[$T6]:$TPORT/big" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$BIG_SHA" "$1: 8 MB over IPv6 from the target"
	got=$(tg_gexec "$TG_PY" "$TG_HELPERS/udptool.py" echo "$T4" "$UPORT" 20 3000 2>&1)
	grep -q "^ok" <<<"$got" || tg_fail "$1: UDP echo: $got"
	tg_pass "$1: UDP echo, fragmented datagrams: $got"
	got=$(tg_gexec dig +short +time=3 +tries=2 @"$TG_GW_IP" x.test A)
	tg_expect_eq "$got" "$T4" "$1: DNS over UDP through the interceptor"
	got=$(tg_gexec dig +short +tcp +time=3 +tries=2 @"$TG_GW_IP" x.test A)
	tg_expect_eq "$got" "$T4" "$1: DNS over TCP through the interceptor"
	tg_gexec ping -n -c 2 -W 2 "$TG_GW_IP" >/dev/null || tg_fail "$1: ping to the gateway"
	tg_gexec ping -n -c 2 -W 2 "$T4" >/dev/null || tg_fail "$1: ping relayed to $T4"
	tg_gexec ping -6 -n -c 2 -W 2 "$TG_GW_IP6" >/dev/null || tg_fail "$1: ping -6 to the gateway"
	tg_pass "$1: ping to the gateway, relayed, and over IPv6"
}

control() {
	local got hp
	got=$(tg_hexec curl -sS --max-time 10 "http://127.0.0.1:$HP/peer")
	tg_expect_eq "$got" "$TG_GW_IP" "$1: a port published at start serves"
	hp=$(tg_free_port)
	grep -q "^ok" <<<"$("$TG" publish "$HOSTDEV" "$hp:$GPORT")" || tg_fail "$1: publish"
	got=$(tg_hexec curl -sS --max-time 10 "http://127.0.0.1:$hp/peer")
	tg_expect_eq "$got" "$TG_GW_IP" "$1: a port published at runtime serves"
	grep -q "^ok" <<<"$("$TG" unpublish "$HOSTDEV" "$hp:$GPORT")" || tg_fail "$1: unpublish"
	grep -q "tcp_" <<<"$("$TG" stats "$HOSTDEV")" || tg_fail "$1: tapgate stats"
	"$TG" flows "$HOSTDEV" --json >/dev/null || tg_fail "$1: tapgate flows"
	grep -q "$HOSTDEV" <<<"$("$TG" status "$HOSTDEV")" || tg_fail "$1: tapgate status"
	grep -q "^ok" <<<"$("$TG" policy "$HOSTDEV" "$POL")" || tg_fail "$1: tapgate policy"
	kill -HUP "$TGPID"
	sleep 0.3
	tg_pass "$1: publish, unpublish, stats, flows, status, policy, SIGHUP"
}

alive() {
	tg_own_child "$TGPID" || tg_fail "$1: tapgate died: $(tail -n 3 "$TG_LOG")"
	! grep -q "seccomp: forbidden" "$TG_LOG" || tg_fail "$1: the filter stopped tapgate: $(grep "seccomp:" "$TG_LOG")"
	tg_pass "$1: tapgate alive, nothing about seccomp in its log"
}

mode=veth
tg_round veth
tg_host_ns
tg_host_ns_ipv6
tg_guest_ipv6
target_servers
tg_guest_http_server "$TMP/www"
HP=$(tg_free_port)
tg_start_tapgate --policy "$POL" --dns "$T4:53" --publish "$HP:$GPORT"
tg_expect_eq "$(field Seccomp)" 2 "Seccomp: 2 (filter mode)"
tg_expect_eq "$(field Seccomp_filters)" 1 "one filter"
traffic filtered
control filtered
traffic "filtered, after the reloads"
alive filtered
tg_stop_tapgate_hostns
! grep -q "seccomp: forbidden" "$TG_LOG" || tg_fail "the exit tripped the filter: $(grep "seccomp:" "$TG_LOG")"
tg_pass "the clean exit ran under the filter"

tg_start_tapgate --policy "$POL" --dns "$T4:53" --seccomp off
tg_expect_eq "$(field Seccomp)" 0 "--seccomp off: Seccomp 0"
tg_stop_tapgate_hostns
