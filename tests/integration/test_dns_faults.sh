#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_dns_faults.sh - a DNS upstream that cannot be reached does not stop
# tapgate (issue 16): tapgate runs in a host-side namespace of its own
# (tg_host_ns) that has no route to 203.0.113.0/24, so `--dns
# 203.0.113.53` is unreachable at start ("Network is unreachable"):
#   - tapgate starts anyway, says so, and the guest's queries get SERVFAIL
#     at once;
#   - once the host side gets a route and a resolver (dnsmasq in the target
#     namespace on 203.0.113.53), the next queries are answered: the socket
#     is opened again as queries come;
#   - without --dns, /etc/resolv.conf is followed: tapgate runs in a mount
#     namespace of its own where a file of the test's is bind-mounted over
#     /etc/resolv.conf; it first names an unreachable resolver (SERVFAIL),
#     then the test rewrites it to the reachable one and the next queries
#     are answered, without a restart.
# Behind a veth.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init dnsfaults

UP=203.0.113.53
A_IP=198.51.100.77

status_of() {
	local out
	out=$(tg_gexec dig +time=3 +tries=1 @"$TG_GW_IP" a.test 2>&1 || true)
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | grep . || echo "no answer"
}

answer_of() {
	tg_gexec dig +short +time=3 +tries=1 @"$TG_GW_IP" a.test 2>/dev/null || true
}

# reachable: a route from the host side to 203.0.113.0/24 and dnsmasq on
# $UP in the target namespace.
reachable() {
	ip -n "$HOSTNS" addr add 203.0.113.1/24 dev "${P}x"
	ip -n "$TARGETNS" addr add "$UP/24" dev "${P}y"
	tg_bg ip netns exec "$TARGETNS" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --pid-file= --listen-address="$UP" \
		--bind-interfaces --port=53 --log-facility=- "--address=/a.test/$A_IP" \
		>"$TMP/dnsmasq.$P.log" 2>&1 </dev/null
	for ((i = 0; i < 50; i++)); do
		grep -q "$UP" <<<"$(ip netns exec "$TARGETNS" ss -Hlnu)" && return 0
		sleep 0.1
	done
	tg_fail "dnsmasq did not listen on $UP"
}

# answered_within SECONDS MSG: a.test answered within SECONDS.
answered_within() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		[ "$(answer_of)" = "$A_IP" ] && {
			tg_pass "$2"
			return 0
		}
		sleep 0.5
	done
	tg_fail "$2: not answered within $1 s (status $(status_of))"
}

mode=veth
tg_round veth
tg_host_ns
tg_start_tapgate --dns "$UP:53"
grep -q "DNS upstream $UP:53 cannot be reached now" "$TG_LOG" ||
	tg_fail "tapgate did not say the upstream is unreachable: $(cat "$TG_LOG")"
tg_pass "tapgate started with an unreachable --dns and said so"
t0=$(tg_now_ms)
tg_expect_eq "$(status_of)" SERVFAIL "$mode: the guest's query gets SERVFAIL meanwhile"
[ $(($(tg_now_ms) - t0)) -lt 2000 ] || tg_fail "the SERVFAIL took $(($(tg_now_ms) - t0)) ms"
reachable
answered_within 10 "$mode: once the upstream can be reached, queries are answered"
tg_stop_tapgate_hostns

# /etc/resolv.conf followed, in a mount namespace of tapgate's own.
RESOLV=$TMP/resolv.conf
echo "nameserver 192.0.2.99" >"$RESOLV" # TEST-NET-1: no route here
WRAP=$TMP/tapgate-resolv
cat >"$WRAP" <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount --bind "$RESOLV" /etc/resolv.conf && exec "\$0" "\$@"' "$TG" "\$@"
EOF
chmod +x "$WRAP"
TG_PLAIN=$TG
TG=$WRAP
TG_NO_DNS=1 tg_start_tapgate
TG=$TG_PLAIN
tg_expect_eq "$(status_of)" SERVFAIL "$mode: resolv.conf names a dead resolver: SERVFAIL"
echo "nameserver $UP" >"$RESOLV.new"
cat "$RESOLV.new" >"$RESOLV" # in place: the bind mount follows the inode
answered_within 10 "$mode: /etc/resolv.conf rewritten: its new resolver answers, no restart"
grep -q "resolv.conf changed" "$TG_LOG" || tg_fail "tapgate did not say it read resolv.conf again"
tg_stop_tapgate_hostns
