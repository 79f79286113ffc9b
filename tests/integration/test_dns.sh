#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_dns.sh - tapgate's DNS interception (issue 3). The upstream is a
# dnsmasq this test starts on 127.0.0.1 (a free port) that knows only the
# test's names (*.test, answers in 198.51.100.0/24 and 203.0.113.0/24, which
# count as public) and resolves nothing else; tapgate gets it with --dns
# and --allow public,host (public: the policy must let the guest reach a
# resolver it asks by address; nothing listens at 192.0.2.53, so a TCP/53
# connection that were not intercepted would fail). From the guest:
#   - dig over UDP and TCP to the gateway and to an arbitrary address
#     (192.0.2.53, which only tapgate answers: the frames are redirected by
#     XDP and never reach a kernel stack) gets dnsmasq's answers;
#   - the transaction id is kept and a UDP answer comes from the address
#     asked; queries with the same id from two guest ports stay apart;
#     two queries pipelined on one TCP connection are both answered;
#   - an answer larger than the guest's EDNS size (512 bytes without OPT)
#     comes back with TC set and dig's TCP retry gets it whole; one that
#     fits is not truncated;
#   - host.tapgate.internal (and --host-name) is answered locally with the
#     gateway's address; AAAA with the gateway's IPv6 address;
#   - rebinding protection: private, loopback, link-local and CGNAT answers
#     become NXDOMAIN, and pass with --no-rebind-protection;
#   - failover: a refused first upstream costs nothing noticeable (< 2 s),
#     a silent one costs the 5 s query timeout;
#   - the counters: XDP to_dns, daemon dns_*.
# Behind a veth and a tap. About 15 s per mode.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init dns

GW=$TG_GW_IP
ANY_IP=192.0.2.53 # TEST-NET-1: no resolver there; tapgate must answer for it
A_IP=198.51.100.7
B_IP=203.0.113.9
NMANY=40 # A records of many.test: a 678-byte answer: > 512, < 1232 (dig's EDNS size)
NBIG=8   # TXT records of big.test, 241 bytes each: a 2 KB answer, > 1232
DNSTOOL=("$TG_PY" "$TG_HELPERS/dnstool.py")

# name:type:address of each answer that rebinding protection must block.
REBIND=(rebind.test:A:10.1.2.3 rb-172.test:A:172.16.5.5 rb-192.test:A:192.168.1.1
	rb-cgnat.test:A:100.64.1.1 rb-lo.test:A:127.0.0.5 rb-meta.test:A:169.254.169.254
	rb-lo6.test:AAAA:::1)

RECORDS=("--address=/a.test/$A_IP" "--address=/b.test/$B_IP" "--txt-record=t.test,hello")
for r in "${REBIND[@]}"; do
	RECORDS+=("--address=/${r%%:*}/${r#*:*:}")
done
for ((i = 1; i <= NMANY; i++)); do
	RECORDS+=("--host-record=many.test,198.51.100.$i")
done
filler=$(printf '%0240d' 0)
for ((i = 1; i <= NBIG; i++)); do
	RECORDS+=("--txt-record=big.test,$((i % 10))$filler")
done

# gdig ARGS...: dig inside the guest, with short timeouts; on failure its
# output (the reason) instead of the answer, so that the check shows it.
gdig() {
	local out
	out=$(tg_gexec dig +time=2 +tries=2 "$@" 2>&1) || {
		echo "dig $* failed: $(tr '\n' ' ' <<<"$out" | head -c 300)"
		return 0
	}
	echo "$out"
}

# short ARGS...: the answers of `dig +short ARGS`, sorted, on one line.
short() {
	gdig +short "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# header ARGS...: dig's header lines (status, flags, counts) on one line.
header() {
	gdig +noall +comments "$@" | grep -E '^;; (->>HEADER|flags:)|failed' | tr '\n' ' '
}

# status ARGS...: the rcode of the answer (NOERROR, NXDOMAIN...).
status() {
	local h
	h=$(header "$@")
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$h" | grep . || echo "no answer: $h"
}

# flag_set FLAG ARGS...: "yes" if the answer's header has FLAG (tc, aa...).
flag_set() {
	local f=$1 h
	shift
	h=$(header "$@")
	grep -q ';; flags:' <<<"$h" || {
		echo "no answer: $h"
		return 0
	}
	if sed -n 's/.*flags:\([a-z ]*\);.*/\1/p' <<<"$h" | grep -qw "$f"; then echo yes; else echo no; fi
}

# ancount ARGS...: the ANSWER count of the header.
ancount() {
	local h
	h=$(header "$@")
	sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p' <<<"$h" | grep . || echo "no answer: $h"
}

# elapsed_ms CMD...: run CMD (output dropped), print how long it took.
elapsed_ms() {
	local t0
	t0=$(tg_now_ms)
	"$@" >/dev/null
	echo $(($(tg_now_ms) - t0))
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_dnsmasq "${RECORDS[@]}"

	# --- the harness: the upstream alone, from the root namespace
	got=$(dig +short +time=2 +tries=1 @127.0.0.1 -p "$DNS_PORT" a.test)
	tg_expect_eq "$got" "$A_IP" "$mode: dnsmasq answers a.test on 127.0.0.1:$DNS_PORT"
	got=$(dig +short +tcp +time=2 +tries=1 @127.0.0.1 -p "$DNS_PORT" TXT big.test | wc -l)
	tg_expect_eq "$got" "$NBIG" "$mode: dnsmasq answers big.test with $NBIG TXT over TCP"

	# --- run 1: --dns the good upstream only, rebinding protection on
	tg_start_tapgate --allow public,host --dns "127.0.0.1:$DNS_PORT"
	tg_stats_save "$TMP/s0.json"
	nq0=$(grep -c 'query\[' "$DNS_LOG" || true)

	# UDP first: if interception is missing, fail before any TCP/53 try.
	for srv in "$GW" "$ANY_IP"; do
		tg_expect_eq "$(short @"$srv" a.test)" "$A_IP" "$mode: UDP query to $srv: a.test"
		tg_expect_eq "$(short @"$srv" b.test)" "$B_IP" "$mode: UDP query to $srv: b.test"
		tg_expect_eq "$(short @"$srv" TXT t.test)" '"hello"' "$mode: UDP query to $srv: TXT t.test"
		tg_expect_eq "$(short +tcp @"$srv" a.test)" "$A_IP" "$mode: TCP query to $srv: a.test"
		tg_expect_eq "$(short +tcp @"$srv" b.test)" "$B_IP" "$mode: TCP query to $srv: b.test"
	done
	nq1=$(grep -c 'query\[' "$DNS_LOG" || true)
	[ $((nq1 - nq0)) -ge 10 ] ||
		tg_fail "$mode: dnsmasq saw $((nq1 - nq0)) queries, want >= 10 (answered by someone else?)"
	tg_pass "$mode: the answers came from the --dns upstream ($((nq1 - nq0)) queries in its log)"

	# Transaction ids, and the address a UDP answer comes from.
	got=$(tg_gexec "${DNSTOOL[@]}" query "$ANY_IP" a.test A --id 0xbeef) || true
	tg_expect_eq "$got" "id=0xbeef from=$ANY_IP:53 rcode=NOERROR tc=0 qname=a.test answers=A:$A_IP" \
		"$mode: UDP to $ANY_IP: id 0xbeef kept, answer from $ANY_IP:53"
	got=$(tg_gexec "${DNSTOOL[@]}" query "$GW" b.test A --id 0x0001) || true
	tg_expect_eq "$got" "id=0x0001 from=$GW:53 rcode=NOERROR tc=0 qname=b.test answers=A:$B_IP" \
		"$mode: UDP to $GW: id 0x0001 kept, answer from $GW:53"
	got=$(tg_gexec "${DNSTOOL[@]}" query "$ANY_IP" a.test A --id 0x1234 --tcp) || true
	tg_expect_eq "$got" "id=0x1234 from=$ANY_IP:53 rcode=NOERROR tc=0 qname=a.test answers=A:$A_IP" \
		"$mode: TCP to $ANY_IP: id 0x1234 kept"
	got=$(tg_gexec "${DNSTOOL[@]}" burst "$GW" 25 | tail -n 1) || true
	[[ $got == ok:* ]] || tg_fail "$mode: 25 ids used on two guest ports at once: $got"
	tg_pass "$mode: same ids from two guest ports, 50 queries in flight: $got"

	# Two queries pipelined on one TCP connection.
	for srv in "$GW" "$ANY_IP"; do
		tg_gexec "${DNSTOOL[@]}" pipeline "$srv" a.test b.test >"$TMP/pipe.out" 2>&1 ||
			tg_fail "$mode: pipelined TCP queries to $srv: $(tr '\n' ' ' <"$TMP/pipe.out")"
		tg_pass "$mode: two TCP queries pipelined on one connection to $srv, both answered"
	done

	# Truncation: > 512 bytes without EDNS, > 1232 with dig's EDNS.
	tg_expect_eq "$(flag_set tc +ignore +noedns @"$GW" many.test)" yes \
		"$mode: a 678-byte answer to a query without EDNS has TC set"
	tg_expect_eq "$(ancount +noedns @"$GW" many.test)" "$NMANY" \
		"$mode: dig's TCP retry gets all $NMANY A records (no EDNS)"
	tg_expect_eq "$(flag_set tc +ignore @"$GW" many.test)" no \
		"$mode: the 678-byte answer fits the guest's EDNS size 1232: no TC"
	tg_expect_eq "$(ancount +ignore @"$GW" many.test)" "$NMANY" \
		"$mode: ... and holds all $NMANY A records over UDP"
	tg_expect_eq "$(flag_set tc +ignore @"$ANY_IP" TXT big.test)" yes \
		"$mode: a 2 KB answer to an EDNS-1232 query has TC set"
	tg_expect_eq "$(gdig +short @"$ANY_IP" TXT big.test | wc -l)" "$NBIG" \
		"$mode: dig's TCP retry gets all $NBIG TXT records (2 KB)"

	# The host's own name, answered locally.
	for srv in "$GW" "$ANY_IP"; do
		tg_expect_eq "$(short @"$srv" host.tapgate.internal)" "$GW" \
			"$mode: host.tapgate.internal via $srv is the gateway"
	done
	tg_expect_eq "$(short +tcp @"$GW" host.tapgate.internal)" "$GW" \
		"$mode: host.tapgate.internal over TCP is the gateway"
	tg_expect_eq "$(short @"$GW" AAAA host.tapgate.internal)" "$TG_GW_IP6" \
		"$mode: AAAA host.tapgate.internal is the gateway's IPv6 address"
	got=$(grep -c 'host\.tapgate\.internal' "$DNS_LOG" || true)
	tg_expect_eq "$got" 0 "$mode: host.tapgate.internal never reaches the upstream"

	# Rebinding protection.
	for r in "${REBIND[@]}"; do
		IFS=: read -r name type _ <<<"$r"
		tg_expect_eq "$(status @"$GW" "$type" "$name")" NXDOMAIN \
			"$mode: rebinding: $type $name (${r#*:*:}) becomes NXDOMAIN"
	done
	tg_expect_eq "$(status +tcp @"$GW" rebind.test)" NXDOMAIN \
		"$mode: rebinding: rebind.test over TCP becomes NXDOMAIN"
	tg_expect_eq "$(short @"$GW" a.test)" "$A_IP" "$mode: a public answer still passes"

	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.to_dns 12 "$mode: UDP queries steered by XDP to the DNS interceptor"
	tg_stat_grew daemon.dns_queries 30 "$mode: queries counted"
	tg_stat_grew daemon.dns_answers 20 "$mode: answers counted"
	tg_stat_grew daemon.dns_local 4 "$mode: local answers counted"
	# TC may come from the upstream itself (the query went on with the
	# guest's size): dns_truncated counts only what tapgate cut, if any.
	tg_note "daemon.dns_truncated +$(tg_stat_delta daemon.dns_truncated) (answers tapgate truncated itself)"
	tg_stat_grew daemon.dns_rebind_blocked "${#REBIND[@]}" "$mode: blocked rebinding answers counted"
	tg_expect_eq "$(tg_stat_delta daemon.dns_failover)" 0 "$mode: no failover with one good upstream"
	tg_stop_tapgate

	# --- run 2: a refused upstream first; --host-name; no rebinding protection
	dead=$(tg_free_port)
	[ -z "$(ss -Hlnu "sport = :$dead")" ] || tg_fail "port $dead is in use for UDP"
	tg_start_tapgate --allow public,host --dns "127.0.0.1:$dead" --dns "127.0.0.1:$DNS_PORT" \
		--host-name sbx.local --no-rebind-protection --dns-aaaa on
	tg_stats_save "$TMP/s0.json"
	ms=$(elapsed_ms gdig @"$GW" a.test)
	tg_expect_eq "$(short @"$GW" a.test)" "$A_IP" "$mode: failover: UDP answered by the second upstream"
	[ "$ms" -lt 2000 ] || tg_fail "$mode: failover past a refused upstream took $ms ms over UDP, want < 2000"
	tg_pass "$mode: failover past a refused upstream is quick over UDP ($ms ms)"
	ms=$(elapsed_ms gdig +tcp @"$ANY_IP" b.test)
	tg_expect_eq "$(short +tcp @"$ANY_IP" b.test)" "$B_IP" "$mode: failover: TCP answered by the second upstream"
	[ "$ms" -lt 2000 ] || tg_fail "$mode: failover past a refused upstream took $ms ms over TCP, want < 2000"
	tg_pass "$mode: failover past a refused upstream is quick over TCP ($ms ms)"
	tg_expect_eq "$(short @"$GW" rebind.test)" 10.1.2.3 \
		"$mode: --no-rebind-protection: rebind.test answers 10.1.2.3"
	tg_expect_eq "$(short @"$GW" AAAA rb-lo6.test)" ::1 \
		"$mode: --no-rebind-protection: AAAA rb-lo6.test answers ::1"
	tg_expect_eq "$(short @"$GW" sbx.local)" "$GW" "$mode: --host-name sbx.local is the gateway"
	tg_expect_eq "$(short @"$ANY_IP" sbx.local)" "$GW" "$mode: --host-name sbx.local via $ANY_IP"
	got=$(grep -c 'sbx\.local' "$DNS_LOG" || true)
	tg_expect_eq "$got" 0 "$mode: sbx.local never reaches the upstream"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.dns_failover 1 "$mode: failover counted"
	tg_expect_eq "$(tg_stat_delta daemon.dns_rebind_blocked)" 0 "$mode: nothing blocked without rebinding protection"
	tg_stop_tapgate

	# --- run 3: a silent upstream first: the 5 s timeout, then the next one
	pf=$TMP/blackhole.$P.port
	tg_bg "${DNSTOOL[@]}" blackhole "$pf" >"$TMP/blackhole.$P.log" 2>&1
	hole=$(tg_wait_port_file "$pf" "$BGPID" "dnstool.py blackhole")
	tg_start_tapgate --allow public,host --dns "127.0.0.1:$hole" --dns "127.0.0.1:$DNS_PORT"
	tg_stats_save "$TMP/s0.json"
	t0=$(tg_now_ms)
	tg_gwait "$TMP/slow.out" dig +short +time=15 +tries=1 @"$GW" a.test || true
	ms=$(($(tg_now_ms) - t0))
	got=$(tr '\n' ' ' <"$TMP/slow.out" | sed 's/ $//')
	tg_expect_eq "$got" "$A_IP" "$mode: failover past a silent upstream answers"
	if [ "$ms" -lt 4000 ] || [ "$ms" -gt 10000 ]; then
		tg_fail "$mode: the answer took $ms ms, want the 5 s query timeout (4000..10000 ms)"
	fi
	tg_pass "$mode: failover past a silent upstream after the query timeout ($ms ms)"
	grep -q 'dropped query' "$TMP/blackhole.$P.log" ||
		tg_fail "$mode: the silent upstream was never asked (the first --dns must be tried first)"
	tg_pass "$mode: the first --dns was asked first"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.dns_failover 1 "$mode: failover after the timeout counted"
	tg_expect_eq "$(tg_stat_delta daemon.dns_timeouts)" 0 \
		"$mode: dns_timeouts (queries no upstream answered) stays 0"
	tg_stop_tapgate
done
