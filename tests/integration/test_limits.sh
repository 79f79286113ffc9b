#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_limits.sh - the edges a user meets first: --max-conns turns the next
# SYN away with a reset while the connections already open keep working;
# a second `tapgate run` on a device that has one is refused with a message
# naming the running daemon; every connection's resources are released once
# it closes (conns_open back to 0); bad options fail with status 2 and say
# what to give. Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init limits

CAP=8

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_tcp_server echo
	tg_start_tapgate --allow host --max-conns "$CAP"

	out=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" limit "$TG_GW_IP" "$TCP_PORT" "$CAP") ||
		tg_fail "$mode: max-conns: $out"
	tg_expect_eq "$out" ok "$mode: $CAP connections fit, one more is reset, the $CAP keep working"

	for ((i = 0; i < 50; i++)); do
		[ "$(tg_conns_open)" = 0 ] && break
		sleep 0.1
	done
	tg_expect_eq "$(tg_conns_open)" 0 "$mode: every closed connection is released"

	# A second daemon on the same device must not touch the first one.
	rc=0
	"$TG" run --dev "$HOSTDEV" >"$TMP/second.out" 2>&1 </dev/null || rc=$?
	tg_expect_eq "$rc" 1 "$mode: a second tapgate on $HOSTDEV exits 1"
	grep -q "already serves $HOSTDEV\|is already attached\|already running" "$TMP/second.out" ||
		tg_fail "$mode: unclear refusal: $(cat "$TMP/second.out")"
	grep -q "$TGPID" "$TMP/second.out" ||
		tg_fail "$mode: the refusal does not name pid $TGPID: $(cat "$TMP/second.out")"
	tg_pass "$mode: second tapgate refused: $(head -n1 "$TMP/second.out")"
	got=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" limit "$TG_GW_IP" "$TCP_PORT" "$CAP") ||
		tg_fail "$mode: the first daemon broke after the refused second: $got"
	tg_pass "$mode: the first daemon still serves"
	tg_stop_tapgate
done

# Bad invocations: status 2 and a message that says what to give.
check_usage() {
	local want=$1 out rc=0
	shift
	out=$("$TG" "$@" 2>&1 </dev/null) || rc=$?
	tg_expect_eq "$rc" 2 "tapgate $* exits 2"
	grep -q -- "$want" <<<"$out" || tg_fail "tapgate $*: message lacks '$want': $out"
}
check_usage "--dev IFNAME is required" run
check_usage "from 576 to 65520" run --dev "$HOSTDEV" --mtu 9
check_usage "unknown group" run --dev "$HOSTDEV" --allow everything
check_usage "unicast MAC" run --dev "$HOSTDEV" --guest-mac 01:00:00:00:00:01
check_usage "another address in the guest's subnet" run --dev "$HOSTDEV" --gateway 10.0.0.1
check_usage "tapgate --help" bogus
rc=0
"$TG" run --help >"$TMP/help.out" 2>&1 || rc=$?
tg_expect_eq "$rc" 0 "tapgate run --help exits 0"
for opt in --dev --guest-ip --gateway --allow --max-conns --mtu --log-level; do
	grep -q -- "$opt" "$TMP/help.out" || tg_fail "run --help does not mention $opt"
done
tg_pass "run --help documents every option"
