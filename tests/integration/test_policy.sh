#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_policy.sh - the policy engine (issue 12): `tapgate run --policy FILE
# [--floor FILE]` and SIGHUP reloads, as README's "Policy" says they work.
#
# First, without namespaces: malformed policy files make `tapgate run` exit
# 2 naming the file and line (bad CIDR, host bits, unknown group, port
# 70000, a key given twice, also through a JSON escape, wrong types,
# unknown keys, bad JSON) or the size (10 MB), as do a bad --floor, a
# missing file and --allow with --policy. The device named is one that does
# not exist, so a file wrongly accepted ends in exit 1 ("no such network
# device") and nothing is ever attached (a control checks that exit 1).
#
# Then tapgate runs with its host side in a namespace of its own
# (tg_host_ns): ${P}H holds the host-side device, tapgate, a dnsmasq on
# 127.0.0.1:5300 (the only --dns upstream) and tests/helpers/poltool.py's
# server on 0.0.0.0 (TCP 8001 and 8002 answer an HTTP GET with "H
# ADDR:PORT", 8003 echoes; UDP 9001 answers "H ADDR:9001"): reached
# through the gateway 100.96.0.1 (its 127.0.0.1) and on 203.0.113.10, an
# address the test gives ${P}H before tapgate starts (public by its range,
# host by ownership). ${P}T, behind a veth, runs the same server ("T ...")
# on 198.51.100.2 and .3 (public), 10.200.0.2 and .3 (private) and
# 169.254.169.254 (metadata). No namespace has a default route. From the guest, with curl, nc, dig and ping:
#   1. public allowed, the rest denied: TCP to the host (gateway and
#      203.0.113.10), private and metadata gets a reset at once (curl exit
#      7 in < 1 s), UDP no answer, ping no reply; public TCP, UDP and ping
#      work; DNS: dig @gateway and @198.51.100.2 answered (by dnsmasq: its
#      log grows), @10.200.0.2 and @203.0.113.10 time out (UDP), are
#      refused (TCP) and never reach dnsmasq; counters: xdp to_denied_syn
#      and daemon conns_denied for denied SYNs, xdp drop_policy for denied
#      datagrams and denied non-SYN segments (raw ACKs);
#   2. ports, protocols, order: group:host tcp/8001 allowed, tcp/8002 and
#      UDP not; UDP allowed and TCP denied to 198.51.100.2; a /32 allow
#      above a /8 deny; ICMP allowed where the /8 deny names tcp and udp;
#      a rule with ports matches no ICMP; an ingress rule leaves egress
#      alone; the per-rule hit counters (pinned tg_phits, index
#      TG_PHIT(tg_pol_gen, layer, rule) compiled from include/steer.h; the
#      generation read from the program's .bss) count one per datagram, SYN
#      or connection;
#   3. the floor: the tenant's /8 deny above a /32 allow hides it (warned
#      at start); the tenant allows host and metadata, the floor denies
#      them: denied, logged as the floor's rule; the floor rewritten to
#      allow host, SIGHUP: host allowed, metadata still denied by the
#      floor's default, tg_pol_gen 0 -> 1;
#   4. hot reload: a 4 MiB download from the gateway (curl --limit-rate,
#      a small guest receive buffer, so its bytes cross tapgate all along)
#      and an open echo connection to 198.51.100.2; the file rewritten to
#      deny 198.51.100.2, SIGHUP: new connections there refused, the gateway
#      still served; a rewrite with a bad CIDR: "policy reload refused",
#      naming the file and line, and the old policy stays (also in XDP:
#      tg_pol_gen unchanged); the open connection gets nothing more through
#      (drop_policy); the download completes intact; a good rewrite allows
#      198.51.100.2 again; a prefix length padded with zeros past 63 bytes
#      is refused or read as written, never wider.
# These checks, and the hit counters', report a failure and let the test
# go on; it fails at its end.
# Behind a veth and a tap; about 30 s per mode.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init policy

GW=$TG_GW_IP
HADDR=203.0.113.10   # on ${P}H: public by its range, host by ownership
LATE=203.0.113.11    # on ${P}H, added after tapgate started (not yet tracked)
PUB=198.51.100.2     # in ${P}T: public
PRIV=10.200.0.2      # in ${P}T: private
PRIV3=10.200.0.3     # in ${P}T: private
META=169.254.169.254 # in ${P}T: metadata
DNS_PORT=5300        # dnsmasq on ${P}H's 127.0.0.1
A_IP=198.51.100.7    # what dnsmasq answers for a.test
POLTOOL=("$TG_PY" "$TG_HELPERS/poltool.py")

# ---------------------------------------------------------------- helpers

# start_servers NS TAG ADDR...: poltool.py serve in NS; wait until it listens.
start_servers() {
	local ns=$1 tag=$2 ready=$TMP/srv.$1.ready i
	shift 2
	rm -f "$ready"
	tg_bg ip netns exec "$ns" "${POLTOOL[@]}" serve "$tag" "$ready" "$@" >"$TMP/srv.$ns.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		[ -s "$ready" ] && return 0
		tg_own_child "$BGPID" || tg_fail "poltool.py serve in $ns exited: $(cat "$TMP/srv.$ns.log")"
		sleep 0.1
	done
	tg_fail "poltool.py serve in $ns did not listen within 5 s"
}

# h_dnsmasq: tg_dnsmasq's server, inside ${P}H, on 127.0.0.1:$DNS_PORT.
h_dnsmasq() {
	local i
	command -v dnsmasq >/dev/null || tg_fail "dnsmasq is missing (make deps: dnsmasq-base)"
	DNS_LOG=$TMP/dnsmasq.$P.log
	tg_bg ip netns exec "$HOSTNS" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --pid-file= --listen-address=127.0.0.1 \
		--bind-interfaces --port="$DNS_PORT" --log-facility=- --log-queries \
		"--address=/a.test/$A_IP" >"$DNS_LOG" 2>&1 </dev/null
	for ((i = 0; i < 50; i++)); do
		tg_own_child "$BGPID" || tg_fail "dnsmasq exited: $(tail -n 5 "$DNS_LOG")"
		tg_hexec ss -Hlnu "sport = :$DNS_PORT" | grep -q '127\.0\.0\.1' && return 0
		sleep 0.1
	done
	tg_fail "dnsmasq did not listen on $HOSTNS's 127.0.0.1:$DNS_PORT within 5 s"
}

# start POLICY [--floor FLOOR]: tapgate with that policy, the test's DNS.
start() {
	local pol=$1
	shift
	tg_start_tapgate --policy "$pol" "$@" --dns "127.0.0.1:$DNS_PORT"
}

# tcp_ok ADDR PORT WANT MSG: the guest's curl to ADDR:PORT gets WANT.
tcp_ok() {
	local out rc=0
	out=$(tg_gcurl --max-time 5 "http://$1:$2/" 2>&1) || rc=$?
	[ "$rc" = 0 ] || tg_fail "$4: curl http://$1:$2/ exited $rc: $out"
	tg_expect_eq "$out" "$3" "$4"
}

# tcp_refused ADDR PORT MSG: the guest's curl to ADDR:PORT is refused (exit
# 7, a reset) within a second.
tcp_refused() {
	local out rc=0 t0 ms
	t0=$(tg_now_ms)
	out=$(tg_gcurl --max-time 5 "http://$1:$2/" 2>&1) || rc=$?
	ms=$(($(tg_now_ms) - t0))
	[ "$rc" = 7 ] || tg_fail "$3: curl http://$1:$2/ exited $rc after $ms ms, want 7 (refused): $out"
	[ "$ms" -lt 1000 ] || tg_fail "$3: the refusal took $ms ms, want < 1000"
	tg_pass "$3 (curl exit 7 in $ms ms)"
}

# udp_ask ADDR PORT: what the guest's nc gets back for one datagram (waits
# up to a second for it; nothing when nothing came).
udp_ask() {
	tg_gexec sh -c "echo ping | nc -u -W 1 -w 1 $1 $2" 2>&1 || true
}

# udp_ok ADDR PORT WANT MSG / udp_silent ADDR PORT MSG
udp_ok() {
	tg_expect_eq "$(udp_ask "$1" "$2")" "$3" "$4"
}
udp_silent() {
	local out
	out=$(udp_ask "$1" "$2")
	[ -z "$out" ] || tg_fail "$3: a datagram to $1:$2 was answered: $out"
	tg_pass "$3"
}

# ping_ok ADDR MSG / ping_silent ADDR MSG
ping_ok() {
	tg_gexec ping -n -c 2 -i 0.2 -W 2 "$1" >"$TMP/ping.out" 2>&1 ||
		tg_fail "$2: $(tr '\n' ' ' <"$TMP/ping.out")"
	tg_pass "$2"
}
ping_silent() {
	local rc=0
	tg_gexec ping -n -c 2 -i 0.2 -W 1 "$1" >"$TMP/ping.out" 2>&1 || rc=$?
	if ! grep -q ' 0 received' "$TMP/ping.out" || [ "$rc" = 0 ]; then
		tg_fail "$2: $(tr '\n' ' ' <"$TMP/ping.out")"
	fi
	tg_pass "$2"
}

# gdig ARGS...: dig in the guest (1 s, 1 try); its output, or why it failed.
gdig() {
	local out
	out=$(tg_gexec dig +time=1 +tries=1 "$@" 2>&1) || {
		echo "dig failed: $(tr '\n' ' ' <<<"$out" | head -c 200)"
		return 0
	}
	echo "$out"
}

# dns_queries: queries in dnsmasq's log so far.
dns_queries() {
	grep -c 'query\[' "$DNS_LOG" || true
}

# write FILE: the policy on stdin into FILE, replaced in one rename.
write() {
	cat >"$1.tmp"
	mv "$1.tmp" "$1"
}

# reload WORDS: SIGHUP tapgate and wait (<= 5 s) for a log line with WORDS
# that was not there before.
reload() {
	local n i
	n=$(grep -cF "$1" "$TG_LOG" || true)
	kill -HUP "$TGPID"
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -cF "$1" "$TG_LOG" || true)" -gt "$n" ] && return 0
		tg_own_child "$TGPID" || tg_fail "tapgate exited on SIGHUP"
		sleep 0.1
	done
	tg_fail "no new '$1' in tapgate's log within 5 s of SIGHUP"
}

# phit GEN LAYER RULE: the hit counter of RULE (a number, or "default") of
# LAYER (floor or sandbox) in generation GEN, from the pinned tg_phits map;
# the index is include/steer.h's TG_PHIT(), compiled, not spelled again.
PHIT_BIN=$TMP/phit
cc -I "$ROOT/include" -o "$PHIT_BIN" -x c - <<'C' || tg_fail "cannot build the TG_PHIT helper"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "steer.h"
int main(int argc, char **argv)
{
	unsigned int gen = atoi(argv[1]);
	unsigned int layer = strcmp(argv[2], "floor") ? TG_L_SANDBOX : TG_L_FLOOR;
	unsigned int rule = strcmp(argv[3], "default") ? (unsigned int)atoi(argv[3]) : TG_PRULES_MAX;
	(void)argc;
	printf("%u\n", (unsigned int)TG_PHIT(gen, layer, rule));
	return 0;
}
C
phit() {
	local idx
	idx=$("$PHIT_BIN" "$@")
	"${POLTOOL[@]}" phit "$(tg_pin_dir)/tg_phits" "$idx" || tg_fail "cannot read tg_phits[$idx] ($*)"
}

# pol_gen: the program's tg_pol_gen (in its .bss).
pol_gen() {
	"${POLTOOL[@]}" polgen "$(tg_pin_dir)/tg_phits" || tg_fail "cannot read tg_pol_gen"
}

# soft_eq A B MSG: tg_expect_eq that lets the test go on: a failure is
# reported at once and fails the test at its end (see finish).
SOFT_FAILS=()
soft_eq() {
	if [ "$1" = "$2" ]; then
		tg_pass "$3"
	else
		echo "FAIL: $TG_NAME: $3: got '$1', expected '$2'" >&2
		SOFT_FAILS+=("$3")
	fi
}

# finish: fail if a soft check failed.
finish() {
	[ ${#SOFT_FAILS[@]} = 0 ] && return 0
	TG_LOG=
	tg_fail "${#SOFT_FAILS[@]} check(s) failed above: $(printf '[%s] ' "${SOFT_FAILS[@]}")"
}

# hits_delta BEFORE AFTER MSG WANT: the counter went up by WANT.
hits_delta() {
	soft_eq "$(($2 - $1))" "$4" "$3"
}

# ---------------------------------------------------------------- malformed files

# bad NAME WANT [ALSO]: `tapgate run --policy NAME.json` (the file on stdin)
# exits 2 and says "NAME.json:WANT" (WANT: "LINE: what"), and ALSO if given.
NODEV=${TG_BASE}nodev
bad() {
	local f=$TMP/$1.json rc=0 out
	cat >"$f"
	out=$("$TG" run --dev "$NODEV" --policy "$f" 2>&1) || rc=$?
	soft_eq "$rc" 2 "$1: tapgate run exits 2 (${out#*"$TMP"/})"
	[ "$rc" = 2 ] || return 0
	if [[ $out == *"$f:$2"* && $out == *"${3:-}"* ]]; then
		out=yes
	else
		out="no: want '${f#"$TMP"/}:$2' and '${3:-}'"
	fi
	soft_eq "$out" yes "$1: the message names the file, line and problem"
}

# exits RC TEXT MSG ARGS...: `tapgate run --dev $NODEV ARGS...` exits RC
# and says TEXT.
exits() {
	local want=$1 text=$2 msg=$3 rc=0 out
	shift 3
	out=$("$TG" run --dev "$NODEV" "$@" 2>&1) || rc=$?
	soft_eq "$rc" "$want" "$msg: exit $want (${out#*"$TMP"/})"
	if [[ $out == *"$text"* ]]; then out=yes; else out="no: want '${text#"$TMP"/}'"; fi
	soft_eq "$out" yes "$msg: the message says so"
}

echo "=== $TG_NAME: malformed policy files"
printf '{ "rules": [ { "destination": "group:public", "action": "allow" } ] }\n' >"$TMP/good.json"
exits 1 "$NODEV: no such network device" \
	"control: a good policy passes the check, then the device is missing" --policy "$TMP/good.json"

bad cidr '5: rules[1].destination: "10.0.0.0/33": the prefix length must be 0 to 32' <<'EOF'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "group:public", "action": "allow" },
    { "destination": "10.0.0.0/33", "action": "allow" }
  ]
}
EOF
bad hostbits '3: rules[0].destination: "10.0.0.1/8": bits are set past the /8 prefix' <<'EOF'
{
  "rules": [
    { "destination": "10.0.0.1/8", "action": "deny" }
  ]
}
EOF
bad group '4: rules[1].destination: "group:intranet": unknown group' <<'EOF'
{
  "rules": [
    { "destination": "group:public", "action": "allow" },
    { "destination": "group:intranet", "action": "allow" }
  ]
}
EOF
bad port '5: rules[0].ports[1]: 70000: a port is 1 to 65535' <<'EOF'
{
  "rules": [
    { "destination": "group:public",
      "protocols": ["tcp"],
      "ports": [443, 70000],
      "action": "allow" }
  ]
}
EOF
bad range '3: rules[0].ports[0]: "8000-70000": a port is 1 to 65535' <<'EOF'
{
  "rules": [
    { "destination": "any", "ports": ["8000-70000"], "action": "allow" }
  ]
}
EOF
bad dupkey '5: rules[0].action: given twice' <<'EOF'
{
  "rules": [
    { "destination": "group:host",
      "action": "deny",
      "action": "allow" }
  ]
}
EOF
bad duptop '4: default_egress: given twice' <<'EOF'
{
  "default_egress": "deny",
  "rules": [],
  "default_egress": "allow"
}
EOF
# The same key spelled with a JSON escape is the same key to json-c, which
# keeps the last value: the file reads "deny" and would mean "allow".
bad dupkey-escaped '4: rules[0].' 'given twice' <<'EOF'
{
  "rules": [
    { "destination": "group:host", "action": "deny",
      "\u0061ction": "allow" }
  ]
}
EOF
bad type-ports '3: rules[0].ports: must be a list' <<'EOF'
{
  "rules": [
    { "destination": "group:public", "ports": 443, "action": "allow" }
  ]
}
EOF
bad type-action '3: rules[0].action: must be "allow" or "deny"' <<'EOF'
{
  "rules": [
    { "destination": "group:public", "action": true }
  ]
}
EOF
bad type-rules '2: rules: must be a list of rules' <<'EOF'
{
  "rules": { "destination": "group:public", "action": "allow" }
}
EOF
bad type-dest '4: rules[0].destination: must be a string' <<'EOF'
{
  "rules": [
    { "action": "allow",
      "destination": 10 }
  ]
}
EOF
bad type-default '1: default_egress: must be "allow" or "deny"' <<'EOF'
{ "default_egress": false }
EOF
bad unknown-key '3: rules[0].protocol: unknown key' <<'EOF'
{
  "rules": [
    { "destination": "any", "protocol": ["tcp"], "action": "allow" }
  ]
}
EOF
bad no-action '3: rules[0]: a rule needs "action"' <<'EOF'
{
  "rules": [
    { "destination": "any" }
  ]
}
EOF
bad json '4: not valid JSON' <<'EOF'
{
  "rules": [
    { "destination": "any", "action": "allow" },
  ]
}
EOF
# 10 MB: refused by its size, before it is read.
{
	printf '{ "comment": "'
	head -c 10485760 /dev/zero | tr '\0' 'x'
	printf '" }\n'
} >"$TMP/huge.json"
exits 2 "$TMP/huge.json: $(stat -c %s "$TMP/huge.json") bytes; a policy file holds at most" \
	"a 10 MB policy" --policy "$TMP/huge.json"
exits 2 "$TMP/cidr.json:5: rules[1].destination" "a bad --floor file" \
	--policy "$TMP/good.json" --floor "$TMP/cidr.json"
exits 2 "$TMP/missing.json: No such file" "a missing policy file" --policy "$TMP/missing.json"
exits 2 "give --allow or --policy, not both" "--allow with --policy" \
	--policy "$TMP/good.json" --allow host

# ---------------------------------------------------------------- the network

PUB2=198.51.100.3 # in ${P}T: public
tg_make_file "$TMP/blob" 4

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_host_ns
	ip -n "$HOSTNS" addr add "$HADDR/32" dev lo
	ip -n "$TARGETNS" addr add "$PUB2/24" dev "${P}y"
	ip -n "$TARGETNS" addr add "$PRIV3/24" dev "${P}y"
	ip -n "$TARGETNS" addr add "$META/32" dev "${P}y"
	ip -n "$HOSTNS" route add "$META/32" dev "${P}x"
	start_servers "$HOSTNS" H 0.0.0.0
	start_servers "$TARGETNS" T "$PUB" "$PUB2" "$PRIV" "$PRIV3" "$META"
	h_dnsmasq

	# The harness: every service answers its own namespace's neighbour.
	for a in 127.0.0.1 "$HADDR" "$PUB" "$PUB2" "$PRIV" "$PRIV3" "$META"; do
		tag=T
		case $a in 127.0.0.1 | "$HADDR") tag=H ;; esac
		got=$(tg_hexec curl -sS --max-time 3 "http://$a:8001/" 2>&1) || true
		tg_expect_eq "$got" "$tag $a:8001" "$mode: harness: $HOSTNS reaches $a:8001"
	done
	got=$(tg_hexec sh -c "echo ping | nc -u -W 1 -w 1 $HADDR 9001" 2>&1) || true
	tg_expect_eq "$got" "H $HADDR:9001" "$mode: harness: $HOSTNS reaches $HADDR:9001/udp"
	got=$(tg_hexec sh -c "echo ping | nc -u -W 1 -w 1 $META 9001" 2>&1) || true
	tg_expect_eq "$got" "T $META:9001" "$mode: harness: $HOSTNS reaches $META:9001/udp"
	got=$(tg_hexec dig +short +time=1 +tries=1 @127.0.0.1 -p "$DNS_PORT" a.test 2>&1) || true
	tg_expect_eq "$got" "$A_IP" "$mode: harness: dnsmasq answers in $HOSTNS"

	# ---- 1: what --allow public says, as a policy file
	write "$TMP/pub.json" <<'JSON'
{
  "comment": "public allowed, everything else denied",
  "default_egress": "deny",
  "rules": [
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	start "$TMP/pub.json"
	tcp_ok "$PUB" 8001 "T $PUB:8001" "$mode: public: TCP to $PUB allowed"
	udp_ok "$PUB" 9001 "T $PUB:9001" "$mode: public: UDP to $PUB allowed"
	ping_ok "$PUB" "$mode: public: ping $PUB answered"

	tg_stats_save "$TMP/s0.json"
	tcp_refused "$GW" 8001 "$mode: host: TCP to the gateway denied"
	tcp_refused "$HADDR" 8001 "$mode: host: TCP to $HADDR (a host address in a public range) denied"
	tcp_refused "$PRIV" 8001 "$mode: private: TCP to $PRIV denied"
	tcp_refused "$META" 8001 "$mode: metadata: TCP to $META denied"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.to_denied_syn 4 "$mode: the denied SYNs went to user space for their reset"
	tg_stat_grew daemon.conns_denied 4 "$mode: the denied SYNs counted (conns_denied)"
	grep -q "policy: denied tcp to $GW port 8001: policy's default" "$TG_LOG" ||
		tg_fail "$mode: no 'policy: denied tcp to $GW port 8001: policy's default' in the log"
	tg_pass "$mode: the denial is logged with its rule"

	tg_stats_save "$TMP/s0.json"
	udp_silent "$GW" 9001 "$mode: host: UDP to the gateway gets no answer"
	udp_silent "$HADDR" 9001 "$mode: host: UDP to $HADDR gets no answer"
	udp_silent "$PRIV" 9001 "$mode: private: UDP to $PRIV gets no answer"
	udp_silent "$META" 9001 "$mode: metadata: UDP to $META gets no answer"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.drop_policy 4 "$mode: the denied datagrams were dropped in XDP (drop_policy)"
	tg_expect_eq "$(tg_stat_delta daemon.udp_to_host)" 0 "$mode: no denied datagram reached the relay"
	# The host's addresses are followed live: one taken after start is
	# the host's at once.
	ip -n "$HOSTNS" addr add "$LATE/32" dev lo
	sleep 0.3
	rc=0
	tg_gcurl --max-time 5 "http://$LATE:8001/" >/dev/null 2>&1 || rc=$?
	tg_expect_eq "$rc" 7 "$mode: an address the host took after start ($LATE) is refused"
	ping_silent "$PRIV" "$mode: private: ping $PRIV gets no reply"
	ping_silent "$HADDR" "$mode: host: ping $HADDR gets no reply"

	# A denied segment that is not a SYN is dropped in XDP, never reset.
	tg_stats_save "$TMP/s0.json"
	tg_gexec "${POLTOOL[@]}" acks "$PRIV" 8001 5 "$TG_GUEST_IP" ||
		tg_fail "$mode: the raw ACKs could not be sent"
	sleep 0.2
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.drop_policy 5 "$mode: 5 denied ACKs dropped in XDP (drop_policy)"
	tg_expect_eq "$(tg_stat_delta xdp.to_denied_syn)" 0 "$mode: ... and none went to user space"

	# DNS: the gateway and an allowed address are answered (by the
	# upstream); a denied resolver's address carries nothing.
	q0=$(dns_queries)
	tg_expect_eq "$(gdig +short @"$GW" a.test)" "$A_IP" "$mode: DNS: dig @$GW answered"
	tg_expect_eq "$(gdig +short @"$PUB" a.test)" "$A_IP" "$mode: DNS: dig @$PUB (public, allowed) answered"
	tg_expect_eq "$(gdig +short +tcp @"$PUB" a.test)" "$A_IP" "$mode: DNS: dig +tcp @$PUB answered"
	q1=$(dns_queries)
	[ $((q1 - q0)) -ge 3 ] || tg_fail "$mode: DNS: dnsmasq saw $((q1 - q0)) queries, want >= 3"
	tg_pass "$mode: DNS: the answers came from the --dns upstream ($((q1 - q0)) queries)"
	for a in "$PRIV" "$HADDR"; do
		got=$(gdig +short @"$a" a.test)
		[[ $got == "dig failed:"*"timed out"* ]] ||
			tg_fail "$mode: DNS: dig @$a (denied) did not time out: $got"
		tg_pass "$mode: DNS: dig @$a (denied) times out"
		got=$(gdig +short +tcp @"$a" a.test)
		[[ $got == "dig failed:"*"connection refused"* ]] ||
			tg_fail "$mode: DNS: dig +tcp @$a (denied) was not refused: $got"
		tg_pass "$mode: DNS: dig +tcp @$a (denied): connection refused"
	done
	tg_expect_eq "$(dns_queries)" "$q1" "$mode: DNS: no query to a denied resolver reached the upstream"
	tg_stop_tapgate_hostns

	# ---- 2: ports, protocols, first match, per-rule hits
	write "$TMP/rules.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "group:public", "direction": "ingress", "action": "deny",
      "comment": "rule 0: ingress only, egress never meets it" },
    { "destination": "group:host", "protocols": ["tcp"], "ports": [8001], "action": "allow" },
    { "destination": "198.51.100.2", "protocols": ["udp"], "action": "allow" },
    { "destination": "198.51.100.2/32", "protocols": ["tcp"], "action": "deny" },
    { "destination": "10.200.0.3/32", "action": "allow" },
    { "destination": "10.0.0.0/8", "protocols": ["tcp", "udp"], "action": "deny" },
    { "destination": "10.200.0.2", "protocols": ["icmp"], "action": "allow" },
    { "destination": "group:metadata", "ports": ["8000-8001"], "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	start "$TMP/rules.json"
	tg_expect_eq "$(pol_gen)" 0 "$mode: tg_pol_gen is 0 after start"
	tcp_ok "$GW" 8001 "H 127.0.0.1:8001" "$mode: host tcp/8001 allowed: the gateway"
	tcp_ok "$HADDR" 8001 "H $HADDR:8001" "$mode: host tcp/8001 allowed: $HADDR"
	tcp_refused "$GW" 8002 "$mode: host tcp/8002 (not in the rule) denied"
	tcp_refused "$HADDR" 8002 "$mode: host tcp/8002 to $HADDR denied"
	udp_silent "$GW" 9001 "$mode: host udp (the rule is tcp only) denied"
	udp_ok "$PUB" 9001 "T $PUB:9001" "$mode: UDP to $PUB allowed"
	tcp_refused "$PUB" 8001 "$mode: TCP to $PUB denied (rule 3, above group:public)"
	tcp_ok "$PUB2" 8001 "T $PUB2:8001" \
		"$mode: TCP to $PUB2 allowed (group:public; the ingress deny is not egress)"
	tcp_ok "$PRIV3" 8001 "T $PRIV3:8001" "$mode: first match: the /32 allow above the /8 deny"
	udp_ok "$PRIV3" 9001 "T $PRIV3:9001" "$mode: first match: ... for UDP too"
	tcp_refused "$PRIV" 8001 "$mode: first match: $PRIV falls to the /8 deny"
	ping_ok "$PRIV" "$mode: ICMP to $PRIV allowed (the /8 deny is tcp/udp only)"
	tcp_ok "$META" 8001 "T $META:8001" "$mode: metadata tcp/8001 allowed"
	tcp_refused "$META" 8002 "$mode: metadata tcp/8002 denied"
	ping_silent "$META" "$mode: ICMP to metadata denied (a rule with ports matches no ICMP)"
	if grep -q "rules.json:[0-9]*: rule [0-9]* is never reached" "$TG_LOG"; then
		tg_fail "$mode: rules.json hides no rule, yet: $(grep 'never reached' "$TG_LOG")"
	fi
	tg_pass "$mode: no rule of rules.json is called hidden"

	# Hit counters: XDP counts what it denies, user space every flow it decides.
	h5=$(phit 0 sandbox 5)
	h1=$(phit 0 sandbox 1)
	hd=$(phit 0 sandbox default)
	udp_silent "$PRIV" 9001 "$mode: UDP to $PRIV denied (rule 5)"
	hits_delta "$h5" "$(phit 0 sandbox 5)" "$mode: hits: one denied datagram, rule 5 +1" 1
	tcp_ok "$GW" 8001 "H 127.0.0.1:8001" "$mode: host tcp/8001 once more"
	hits_delta "$h1" "$(phit 0 sandbox 1)" "$mode: hits: one allowed connection, rule 1 +1" 1
	# One SYN each (to_denied_syn +1), which XDP lets up for its reset.
	h5=$(phit 0 sandbox 5)
	tg_stats_save "$TMP/s0.json"
	tcp_refused "$PRIV" 8002 "$mode: TCP to $PRIV:8002 denied (rule 5)"
	tg_stats_save "$TMP/s1.json"
	tg_expect_eq "$(tg_stat_delta xdp.to_denied_syn)" 1 "$mode: ... one SYN"
	hits_delta "$h5" "$(phit 0 sandbox 5)" "$mode: hits: one denied SYN, rule 5 +1" 1
	tg_stats_save "$TMP/s0.json"
	tcp_refused "$GW" 8002 "$mode: host tcp/8002 once more"
	tg_stats_save "$TMP/s1.json"
	tg_expect_eq "$(tg_stat_delta xdp.to_denied_syn)" 1 "$mode: ... one SYN"
	hits_delta "$hd" "$(phit 0 sandbox default)" "$mode: hits: one denied SYN, the default +1" 1
	tg_stop_tapgate_hostns

	# ---- 3: the floor over the tenant; an order that hides a rule
	write "$TMP/tenant.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "10.0.0.0/8", "action": "deny" },
    { "destination": "10.200.0.3/32", "action": "allow" },
    { "destination": "group:host", "action": "allow" },
    { "destination": "group:metadata", "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	write "$TMP/floor.json" <<'JSON'
{
  "comment": "the operator's: never the host, never metadata",
  "default_egress": "allow",
  "rules": [
    { "destination": "group:host", "action": "deny" },
    { "destination": "group:metadata", "action": "deny" }
  ]
}
JSON
	start "$TMP/tenant.json" --floor "$TMP/floor.json"
	grep -qF "tenant.json:5: rule 1 is never reached: rule 0 (line 4)" "$TG_LOG" ||
		tg_fail "$mode: no warning that tenant.json's rule 1 (line 5) is hidden by rule 0"
	tg_pass "$mode: the /32 allow under the /8 deny is warned about at start"
	tcp_refused "$PRIV3" 8001 "$mode: first match: the /8 deny above the /32 allow denies $PRIV3"
	f0=$(phit 0 floor 0)
	tcp_refused "$GW" 8001 "$mode: floor: the tenant allows host, the floor denies: the gateway denied"
	grep -qF "policy: denied tcp to $GW port 8001: floor rule 0 ($TMP/floor.json:5)" "$TG_LOG" ||
		tg_fail "$mode: the gateway's denial is not logged as floor rule 0 (floor.json:5)"
	tg_pass "$mode: floor: the denial is logged as the floor's rule"
	[ "$(phit 0 floor 0)" -gt "$f0" ] || tg_fail "$mode: floor: rule 0's hit counter did not grow"
	tg_pass "$mode: floor: rule 0's hits grew"
	tcp_refused "$HADDR" 8001 "$mode: floor: $HADDR denied"
	udp_silent "$GW" 9001 "$mode: floor: UDP to the gateway denied"
	tcp_refused "$META" 8001 "$mode: floor: metadata denied"
	tcp_ok "$PUB" 8001 "T $PUB:8001" "$mode: floor: public allowed by both"
	write "$TMP/floor.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "group:host", "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	reload "policy reloaded"
	tg_pass "$mode: floor rewritten to allow host, SIGHUP: reloaded"
	tg_expect_eq "$(pol_gen)" 1 "$mode: tg_pol_gen flipped to 1"
	tcp_ok "$GW" 8001 "H 127.0.0.1:8001" "$mode: floor allows host: the gateway allowed"
	udp_ok "$GW" 9001 "H 127.0.0.1:9001" "$mode: floor allows host: UDP to the gateway allowed"
	tcp_ok "$HADDR" 8001 "H $HADDR:8001" "$mode: floor allows host: $HADDR allowed"
	tcp_refused "$META" 8001 "$mode: floor's default denies metadata, whatever the tenant says"
	tcp_ok "$PUB" 8001 "T $PUB:8001" "$mode: public still allowed"
	tcp_refused "$PRIV3" 8001 "$mode: the tenant's /8 deny still applies"
	tg_stop_tapgate_hostns

	# ---- 4: hot reload under traffic
	mkdir -p "$TMP/www"
	cp "$TMP/blob" "$TMP/www/blob"
	pf=$TMP/httpd.$P.port
	tg_bg ip netns exec "$HOSTNS" "$TG_PY" "$TG_HELPERS/httpd.py" "$TMP/www" "$pf" \
		>"$TMP/httpd.$P.log" 2>&1
	hport=$(tg_wait_port_file "$pf" "$BGPID" "httpd.py in $HOSTNS")
	# A small receive buffer in the guest: the download's bytes cross
	# tapgate as curl reads them, not ahead into the guest's buffer.
	tg_gexec sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
	policy_v1() {
		write "$TMP/live.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "group:host", "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	}
	policy_v1
	start "$TMP/live.json"
	tcp_ok "$PUB" 8001 "T $PUB:8001" "$mode: reload: $PUB allowed before"
	# An open connection to $PUB (echo), which the reload will deny, and a
	# slow download from the gateway (4 MiB at 500 KiB/s), which it keeps
	# allowing.
	rm -f "$TMP/go"
	tg_bg ip netns exec "$GUESTNS" "${POLTOOL[@]}" hold "$PUB" 8003 "$TMP/go" >"$TMP/hold.out" 2>&1
	hold=$BGPID
	tg_bg ip netns exec "$GUESTNS" curl -sS --limit-rate 500K --max-time 30 \
		-o "$TMP/dl.bin" "http://$GW:$hport/blob" >"$TMP/dl.err" 2>&1
	dl=$BGPID
	dl_t0=$(tg_now_ms)
	for ((i = 0; i < 30; i++)); do
		grep -q "^first" "$TMP/hold.out" && break
		sleep 0.1
	done
	tg_expect_eq "$(cat "$TMP/hold.out")" "first one" "$mode: reload: a connection to $PUB:8003 echoes"
	sleep 0.5
	write "$TMP/live.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "198.51.100.2", "action": "deny" },
    { "destination": "group:host", "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	tg_own_child "$dl" || tg_fail "$mode: reload: the download ended before the reload: $(cat "$TMP/dl.err")"
	reload "policy reloaded"
	tg_pass "$mode: reload: $PUB denied in the file, SIGHUP, reloaded while the download runs"
	tg_expect_eq "$(pol_gen)" 1 "$mode: reload: tg_pol_gen flipped to 1"
	tcp_refused "$PUB" 8001 "$mode: reload: a new connection to $PUB is refused"
	udp_silent "$PUB" 9001 "$mode: reload: UDP to $PUB denied"
	tcp_ok "$PUB2" 8001 "T $PUB2:8001" "$mode: reload: $PUB2 still allowed"
	tcp_ok "$GW" 8001 "H 127.0.0.1:8001" "$mode: reload: the gateway still allowed"

	write "$TMP/live.json" <<'JSON'
{
  "default_egress": "deny",
  "rules": [
    { "destination": "group:host", "action": "allow" },
    { "destination": "10.0.0.0/33", "action": "allow" },
    { "destination": "group:public", "action": "allow" }
  ]
}
JSON
	tg_own_child "$dl" || tg_fail "$mode: reload: the download ended before the second reload"
	reload "policy reload refused"
	want="policy reload refused, the old policy stays: $TMP/live.json:5: rules[1].destination: \"10.0.0.0/33\""
	grep -qF "$want" "$TG_LOG" ||
		tg_fail "$mode: reload: no '$want' in the log: $(grep 'reload refused' "$TG_LOG")"
	tg_pass "$mode: reload: a bad CIDR is refused with the file and line"
	tg_own_child "$TGPID" || tg_fail "$mode: reload: tapgate exited after a bad file"
	tg_expect_eq "$(pol_gen)" 1 "$mode: reload: tg_pol_gen unchanged"
	tcp_refused "$PUB" 8001 "$mode: reload: the old policy stays: $PUB still denied"
	tcp_ok "$GW" 8001 "H 127.0.0.1:8001" "$mode: reload: the old policy stays: the gateway allowed"

	# The connection opened before the first reload was reset by it: its
	# client's next send or read fails with a reset.
	touch "$TMP/go"
	wait "$hold" || tg_fail "$mode: reload: the open connection's client failed: $(cat "$TMP/hold.out")"
	tg_expect_eq "$(sed -n 2p "$TMP/hold.out")" "second ConnectionResetError" \
		"$mode: reload: the open connection to $PUB was reset by the reload"
	[ "$(tg_stat daemon.policy_resets)" -ge 1 ] || tg_fail "$mode: reload: policy_resets not counted"
	tg_pass "$mode: reload: policy_resets counts it"

	tg_own_child "$dl" || tg_fail "$mode: reload: the download ended too soon to have crossed both reloads"
	wait "$dl" || tg_fail "$mode: reload: the download failed: $(cat "$TMP/dl.err")"
	tg_note "the download took $(($(tg_now_ms) - dl_t0)) ms"
	tg_expect_eq "$(tg_sha "$TMP/dl.bin")" "$(tg_sha "$TMP/blob")" \
		"$mode: reload: the download from the gateway across both reloads is intact (4 MiB)"

	policy_v1
	reload "policy reloaded"
	tg_expect_eq "$(pol_gen)" 0 "$mode: reload: tg_pol_gen back to 0"
	tcp_ok "$PUB" 8001 "T $PUB:8001" "$mode: reload: $PUB allowed again"

	# A prefix length written with leading zeros, 66 bytes in all: /32,
	# i.e. 0.0.0.0 alone. Refusing the file is fine; reading it as
	# anything wider is not.
	zeros=$(printf '%060d' 0)
	write "$TMP/live.json" <<JSON
{
  "default_egress": "deny",
  "rules": [
    { "destination": "0.0.0.0/${zeros}32", "action": "allow" }
  ]
}
JSON
	reload "policy reload"
	if tail -n 3 "$TG_LOG" | grep -q "policy reload refused"; then
		tg_pass "$mode: 0.0.0.0/${zeros:0:3}...32: refused"
	else
		rc=0
		tg_gcurl --max-time 5 "http://$PUB:8001/" >/dev/null 2>&1 || rc=$?
		soft_eq "$rc" 7 "$mode: 0.0.0.0/${zeros:0:3}...32 (a /32) does not allow $PUB (curl exit 7)"
	fi
	tg_stop_tapgate_hostns
done

finish
