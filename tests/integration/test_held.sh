#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_held.sh - 10 000 guest TCP connections held open at once through a
# live daemon (issue 16): each one round trip through to an echo server on
# 127.0.0.1 (build/bench/rr), then all kept. While they are held: the
# daemon has exactly one more descriptor per connection (its host socket,
# nothing else), its RSS grew by at most HELD_KIB_EACH KiB per connection,
# and connection 10 001 is turned away with a reset (--max-conns 10000)
# while the 10 000 stay. Once the guest closes them: conns_open back to 0
# and the descriptors back to where they were. The guest opens them as
# fast as it can, so the new-connection rate is not limited (--syn-rate 0:
# test_synflood.sh tests the limit). Behind a veth (the tap adds
# nothing here: the connections are lwIP's and the host's).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init held

N=10000
# A held connection costs tapgate ~0.7 KiB (lwIP's pcb, the splice, the
# epoll entry; bench: 10 000 held, 11.0 MiB RSS against 4 idle). The bound
# is loose enough for any allocator's rounding and tight enough that a
# buffer kept per idle connection (a 2 KiB frame, a 64 KiB window) fails.
HELD_KIB_EACH=2
RR=$ROOT/build/bench/rr
[ -x "$RR" ] || tg_fail "$RR is not built (make all)"

# The guest's client and the echo server raise their own descriptor
# limits (build/bench/rr), tapgate its own for --max-conns.
TG_MODES=${TG_MODES:-veth}
for mode in $(tg_modes); do
	tg_round "$mode"
	port=$("$TG_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	tg_bg "$RR" server 127.0.0.1 "$port" >"$TMP/rr-server.$P.log" 2>&1 </dev/null
	srv=$BGPID
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$TMP/rr-server.$P.log" && break
		tg_own_child "$srv" || tg_fail "rr server exited: $(cat "$TMP/rr-server.$P.log")"
		sleep 0.1
	done
	tg_start_tapgate --allow host --max-conns "$N" --syn-rate 0
	base_fds=$(tg_fds)
	base_rss=$(tg_rss_kib)

	out=$TMP/hold.$P.out
	tg_bg ip netns exec "$GUESTNS" "$RR" hold "$TG_GW_IP" "$port" "$N" 120 >"$out" 2>"$out.err"
	holder=$BGPID
	for ((i = 0; i < 1200; i++)); do
		grep -q '^held=' "$out" && break
		tg_own_child "$holder" || tg_fail "$mode: the guest could not hold $N: $(cat "$out" "$out.err")"
		sleep 0.1
	done
	grep -q '^held=' "$out" || tg_fail "$mode: $N connections not open in 120 s: $(tail -n 2 "$out")"
	tg_pass "$mode: $N connections open and held ($(sed -n 's/.*secs=\([0-9.]*\).*/\1/p' "$out") s)"

	tg_expect_eq "$(tg_conns_open)" "$N" "$mode: conns_open is $N"
	tg_expect_eq "$(tg_fds)" $((base_fds + N)) \
		"$mode: the daemon's descriptors are $base_fds + $N exactly"
	rss=$(tg_rss_kib)
	grow=$((rss - base_rss))
	((grow <= N * HELD_KIB_EACH)) ||
		tg_fail "$mode: RSS grew by $grow KiB for $N connections (bound $((N * HELD_KIB_EACH)) KiB)"
	tg_pass "$mode: RSS $base_rss -> $rss KiB ($((grow * 1024 / N)) bytes a connection, bound $HELD_KIB_EACH KiB)"

	word=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" connect "$TG_GW_IP" "$port") || true
	case "$word" in
	ECONNRESET* | ECONNREFUSED*) tg_pass "$mode: connection $((N + 1)) turned away ($word ms)" ;;
	*) tg_fail "$mode: connection $((N + 1)) beyond --max-conns: $word" ;;
	esac
	tg_own_child "$holder" || tg_fail "$mode: the holder died after the refused one: $(cat "$out.err")"
	tg_expect_eq "$(tg_conns_open)" "$N" "$mode: the $N held stay open after the refusal"

	kill -TERM "$holder"
	wait "$holder" || true
	for ((i = 0; i < 100; i++)); do
		[ "$(tg_conns_open)" = 0 ] && [ "$(tg_fds)" = "$base_fds" ] && break
		sleep 0.1
	done
	tg_expect_eq "$(tg_conns_open)" 0 "$mode: every connection released once the guest is gone"
	tg_expect_eq "$(tg_fds)" "$base_fds" "$mode: the descriptors back to $base_fds"
	tg_stop_tapgate
done
