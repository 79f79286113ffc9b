#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_icmp6.sh - ICMPv6 (issue 14): neighbour discovery, Router
# Advertisements, echo to the gateway and relayed, and the guest's /64 as
# its sources. Three rounds per mode (veth, tap):
#
# static: the guest has fd42:6d73:62::2/64 and a default route via the
#   gateway's address; tapgate's host side lives in a namespace of its own
#   (tg_host_ns) linked to ${P}T, which owns 2001:db8:1::2 (public) and
#   fd00:200::2 (private). With --allow public:
#   - ping -6 the gateway and its link-local address (answered by tapgate:
#     neighbour discovery resolved it first), also with 1400 bytes, and
#     from a second address of the guest's /64 (the reply goes back to it);
#   - ping -6 2001:db8:1::2 relayed and answered by ${P}T (its
#     Icmp6InEchos grows), also from the second address; ping -6
#     fd00:200::2 (private, not allowed) gets nothing and never reaches ${P}T;
#   - DAD: an address added with DAD on is not tentative nor dadfailed after
#     3 s (tapgate answers no solicitation for it), while the gateway's
#     address, taken by the guest, fails DAD (tapgate defends it);
#   - an echo from outside the /64 (raw frames, rawsend.py echo6-ip) is
#     dropped in XDP as spoofed and counted; so is one from the gateway's
#     own address; an NS with hop limit 64 (ns-hop64) reaches user space and
#     is dropped and counted as nd_invalid;
# ra: a guest with accept_ra and autoconf, no address, that turns IPv6 on
#   after tapgate's first RA: its Router Solicitation is answered, and
#   within 10 s it has an address in fd42:6d73:62::/64 and a default route
#   via fe80::6d:73ff:fe00:1, and pings the gateway from it;
# no-ra: with --no-ra the same guest gets no address and no route, tapgate
#   sends nothing over 5 s of the guest's own IPv6 chatter (RS, MLD), and
#   the gateway's link-local address still answers ping.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init icmp6

GW6=$TG_GW_IP6
GWLL=$TG_GW_LL6
PUB6=2001:db8:1::2  # in ${P}T: public (documentation prefix, no group of its own)
PRIV6=fd00:200::2   # in ${P}T: private (fc00::/7)
ALIAS6=fd42:6d73:62::5eed:1  # a second address of the guest's /64
PING=(ping -6 -n -c 3 -i 0.2 -W 2)

# gping MSG ARGS...: ping -6 from the guest, which must get its 3 replies.
gping() {
	local msg=$1 out=$TMP/ping.out
	shift
	tg_gwait "$out" "${PING[@]}" "$@" || tg_fail "$msg: $(tr '\n' ' ' <"$out")"
	grep -q '3 packets transmitted, 3 received' "$out" || tg_fail "$msg: $(tail -n 2 "$out")"
	if grep -qiE 'DUP!|wrong data' "$out"; then
		tg_fail "$msg: $(grep -iE 'DUP!|wrong data' "$out" | head -n 3)"
	fi
	tg_pass "$msg ($(grep -o 'rtt.*' "$out"))"
}

# gping_none MSG ARGS...: ping -6 from the guest gets no reply at all.
gping_none() {
	local msg=$1 rc=0
	shift
	tg_gwait "$TMP/ping.out" ping -6 -n -c 3 -i 0.2 -W 1 "$@" || rc=$?
	grep -q ' 0 received' "$TMP/ping.out" ||
		tg_fail "$msg: answered: $(tr '\n' ' ' <"$TMP/ping.out")"
	[ "$rc" != 0 ] || tg_fail "$msg: ping exited 0"
	tg_pass "$msg"
}

# echos6 NS: echo requests namespace NS has received over IPv6.
echos6() {
	ip netns exec "$1" awk '$1 == "Icmp6InEchos" { print $2; f = 1 } END { exit !f }' \
		/proc/net/snmp6 || tg_fail "no Icmp6InEchos in /proc/net/snmp6 of $1"
}

# addr_flags ADDR: the flags the guest's kernel shows for ADDR on eth0.
addr_flags() {
	local out
	out=$(ip -n "$GUESTNS" -6 addr show dev eth0)
	grep -A1 " $1/" <<<"$out" | tr '\n' ' '
}

# rawsend KIND COUNT [ARGS...]: hand-made frames from the guest's eth0.
rawsend() {
	tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 "$@" >/dev/null ||
		tg_fail "rawsend $1 failed"
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local i n=$(($1 * 5))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

ra_address() {
	local out
	out=$(ip -n "$GUESTNS" -6 addr show dev eth0 scope global)
	grep -q 'inet6 fd42:6d73:62:0*:' <<<"$out" || grep -q 'inet6 fd42:6d73:62::' <<<"$out"
}

ra_route() {
	local out
	out=$(ip -n "$GUESTNS" -6 route show default)
	grep -q "via $GWLL dev eth0" <<<"$out"
}

round_static() {
	local mode=$1 e0 e1 e2 sp0 sp1
	tg_host_ns
	tg_host_ns_ipv6
	ip -n "$HOSTNS" addr add fd00:200::1/64 dev "${P}x" nodad
	ip -n "$TARGETNS" addr add "$PRIV6/64" dev "${P}y" nodad
	tg_hexec ping -6 -n -c 1 -W 2 "$PUB6" >/dev/null || tg_fail "$HOSTNS cannot ping $PUB6"
	tg_guest_ipv6
	ip -n "$GUESTNS" addr add "$ALIAS6/64" dev eth0 nodad
	tg_start_tapgate --allow public --dns 127.0.0.1:53
	tg_stats_save "$TMP/s0.json"
	e0=$(echos6 "$TARGETNS")

	gping "$mode: ping -6 $GW6 (neighbour discovery, then tapgate's echo)" "$GW6"
	gping "$mode: ping -6 -s 1400 $GW6" -s 1400 "$GW6"
	gping "$mode: ping -6 -I eth0 $GWLL (the gateway's link-local)" -I eth0 "$GWLL"
	gping "$mode: ping -6 $GW6 from $ALIAS6" -I "$ALIAS6" "$GW6"
	e1=$(echos6 "$TARGETNS")
	tg_expect_eq "$((e1 - e0))" 0 "$mode: pings to the gateway stay inside tapgate"

	gping "$mode: ping -6 $PUB6 (relayed to $TARGETNS)" "$PUB6"
	gping "$mode: ping -6 -s 1400 $PUB6 (relayed)" -s 1400 "$PUB6"
	gping "$mode: ping -6 $PUB6 from $ALIAS6 (relayed back to it)" -I "$ALIAS6" "$PUB6"
	e2=$(echos6 "$TARGETNS")
	[ $((e2 - e1)) -ge 9 ] ||
		tg_fail "$mode: $TARGETNS saw $((e2 - e1)) echo requests, want >= 9"
	tg_pass "$mode: the replies came from $TARGETNS ($((e2 - e1)) echo requests there)"
	gping_none "$mode: ping -6 $PRIV6 (private, not allowed) gets no reply" "$PRIV6"
	tg_expect_eq "$(($(echos6 "$TARGETNS") - e2))" 0 "$mode: no echo request reached $PRIV6"

	# DAD: the guest's own addresses are nobody else's; the gateway's is.
	tg_gexec sysctl -qw net.ipv6.conf.eth0.accept_dad=1
	ip -n "$GUESTNS" addr add fd42:6d73:62::dad/64 dev eth0
	ip -n "$GUESTNS" addr add "$GW6/64" dev eth0
	sleep 3
	local f
	f=$(addr_flags fd42:6d73:62::dad)
	[ -n "$f" ] || tg_fail "$mode: fd42:6d73:62::dad is gone from eth0"
	grep -qE 'tentative|dadfailed' <<<"$f" && tg_fail "$mode: DAD of fd42:6d73:62::dad: $f"
	tg_pass "$mode: DAD of an address of the guest's /64 succeeds"
	f=$(addr_flags "$GW6")
	grep -q dadfailed <<<"$f" || tg_fail "$mode: the gateway's address passed the guest's DAD: $f"
	tg_pass "$mode: the gateway's address, taken by the guest, fails DAD"
	ip -n "$GUESTNS" addr del "$GW6/64" dev eth0

	sp0=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	rawsend echo6-ip 10
	rawsend echo6-ip 10 --src6 "$GW6"
	rawsend ns-hop64 5
	sleep 0.5
	sp1=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	[ $((sp1 - sp0)) -ge 20 ] ||
		tg_fail "$mode: TG_V_DROP_SPOOF_IP grew by $((sp1 - sp0)), want >= 20"
	tg_pass "$mode: echoes from outside the /64 and from the gateway's address dropped in XDP"

	tg_stats_save "$TMP/s1.json"
	tg_stat_grew slot_drops.nd_invalid 5 "$mode: NS with hop limit 64 dropped and counted"
	tg_stat_grew daemon.nd_advertised 1 "$mode: neighbour solicitations answered"
	tg_stat_grew daemon.icmp_replies 12 "$mode: echo requests to the gateway answered"
	tg_stat_grew daemon.icmp_relayed 9 "$mode: relayed echo requests counted"
	tg_stat_grew daemon.icmp_replies_relayed 9 "$mode: relayed echo replies counted"
	tg_stop_tapgate_hostns
	TG=$TG_REAL # the next rounds run tapgate in the root namespace
}

round_ra() {
	local mode=$1
	# IPv6 comes up in the guest after tapgate's first RA went by: what
	# configures it is the answer to its Router Solicitation.
	tg_start_tapgate --allow public
	wait_for 5 eval '[ "$(tg_stat daemon.ra_sent)" -ge 1 ]' || tg_fail "$mode: no RA at start"
	tg_guest_ipv6 ra
	wait_for 10 ra_address ||
		tg_fail "$mode: no address from the RA: $(ip -n "$GUESTNS" -6 addr show dev eth0 | tr '\n' ' ')"
	tg_pass "$mode: the guest configured an address in fd42:6d73:62::/64 from the RA"
	wait_for 5 ra_route ||
		tg_fail "$mode: no default route via $GWLL: $(ip -n "$GUESTNS" -6 route | tr '\n' ' ')"
	tg_pass "$mode: default route via $GWLL"
	gping "$mode: ping -6 $GW6 from the autoconfigured address" "$GW6"
	[ "$(tg_stat daemon.ra_sent)" -ge 2 ] ||
		tg_fail "$mode: ra_sent is $(tg_stat daemon.ra_sent): the solicitation went unanswered"
	tg_pass "$mode: RAs at start and on solicitation ($(tg_stat daemon.ra_sent))"
	tg_stop_tapgate
}

round_no_ra() {
	local mode=$1 tx0 tx1
	tg_start_tapgate --allow public --no-ra
	tx0=$(tg_stat daemon.tx_frames)
	tg_guest_ipv6 ra
	sleep 5
	tx1=$(tg_stat daemon.tx_frames)
	tg_expect_eq "$((tx1 - tx0))" 0 "$mode: --no-ra: tapgate sends the guest nothing unasked"
	ra_address && tg_fail "$mode: --no-ra, yet an address: $(ip -n "$GUESTNS" -6 addr show dev eth0 scope global | tr '\n' ' ')"
	tg_pass "$mode: --no-ra: no global address"
	ra_route && tg_fail "$mode: --no-ra, yet a default route"
	tg_pass "$mode: --no-ra: no default route"
	tg_expect_eq "$(tg_stat daemon.ra_sent)" 0 "$mode: --no-ra: no RA sent"
	gping "$mode: --no-ra: ping -6 -I eth0 $GWLL still answered" -I eth0 "$GWLL"
	tg_stop_tapgate
}

for mode in $(tg_modes); do
	tg_round "$mode"
	round_static "$mode"
	tg_round "$mode"
	round_ra "$mode"
	tg_round "$mode"
	round_no_ra "$mode"
done
