#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_faults.sh - the outside breaks; the guest sees the truth, other flows
# go on, nothing hangs or leaks (issue 16, item 4). tapgate runs in a
# host-side namespace (tg_host_ns) with --allow public --connect-timeout 2;
# the servers (tests/helpers/tcptool.py, build/bench/rr) listen on
# 198.51.100.2 in the target namespace:
#   - host ephemeral ports run out toward one destination (the host
#     namespace's ip_local_port_range cut to 4 ports, 4 connections held):
#     the 5th guest connection there is refused at once (RST, not a hang),
#     one to another port still connects, and once the 4 close the
#     destination takes connections again (tcp_tw_reuse on);
#   - a destination that never answers (no host on that address): the guest
#     is refused after the connect timeout, not left hanging;
#   - the upstream resets in the middle of a transfer: the guest's read
#     ends in ECONNRESET after data, never a clean EOF;
#   - an upstream that reads nothing for 3 s (the buffers toward it full):
#     the guest's upload waits and then arrives intact, and another upload
#     beside it finishes meanwhile;
#   - a guest that reads 1 byte a second for 5 s from a 16 MiB stream: the
#     daemon's memory does not take the stream in (RSS grows < 4 MiB; the
#     host socket holds it), another upload finishes meanwhile, and the
#     stream then arrives whole and in order;
#   - at the end no connection is left open and the daemon holds no more
#     descriptors than it started with.
# Behind a veth.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init faults

PUB=198.51.100.2
NOBODY=198.51.100.99
RR=$ROOT/build/bench/rr
[ -x "$RR" ] || tg_fail "$RR is not built (make all)"

# t_server MODE: tcptool.py serve-MODE on $PUB in the target namespace;
# sets TPORT.
t_server() {
	local pf=$TMP/t-$1.$P.port
	tg_bg ip netns exec "$TARGETNS" env TG_LISTEN="$PUB" "$TG_PY" "$TG_HELPERS/tcptool.py" \
		"serve-$1" "$pf" >"$TMP/t-$1.$P.log" 2>&1
	TPORT=$(tg_wait_port_file "$pf" "$BGPID" "tcptool.py serve-$1")
}

# tool ARGS...: a tcptool.py client in the guest.
tool() {
	tg_gexec timeout 60 "$TG_PY" "$TG_HELPERS/tcptool.py" "$@"
}

mode=veth
tg_round veth
tg_host_ns
t_server echo
echo_port=$TPORT
t_server midreset
midreset_port=$TPORT
t_server stall
stall_port=$TPORT
t_server halfclose
halfclose_port=$TPORT
t_server stream
stream_port=$TPORT
tg_start_tapgate --allow public --connect-timeout 2
base_fds=$(tg_fds)

# --- ephemeral ports toward one destination
# Ports the daemon closed first sit in TIME_WAIT for a minute; tcp_tw_reuse
# (as a busy host sets it) lets a new connection take them again.
ip netns exec "$HOSTNS" sysctl -qw net.ipv4.ip_local_port_range="40000 40003" \
	net.ipv4.tcp_tw_reuse=1
tg_bg ip netns exec "$GUESTNS" "$RR" hold "$PUB" "$echo_port" 4 60 >"$TMP/hold.out" 2>&1
holder=$BGPID
for ((i = 0; i < 100; i++)); do
	grep -q '^held=' "$TMP/hold.out" && break
	tg_own_child "$holder" || tg_fail "the guest could not hold 4 connections: $(cat "$TMP/hold.out")"
	sleep 0.1
done
grep -q '^held=4' "$TMP/hold.out" || tg_fail "4 connections not held: $(cat "$TMP/hold.out")"
refused0=$(tg_stat daemon.conns_refused)
read -r word ms <<<"$(tool connect "$PUB" "$echo_port" || true)"
tg_expect_eq "$word" ECONNREFUSED "the 5th connection to $PUB:$echo_port with the host's 4 ports in use"
[ "$ms" -lt 2000 ] || tg_fail "the refusal took $ms ms"
tg_expect_eq "$(($(tg_stat daemon.conns_refused) - refused0))" 1 "counted in conns_refused"
read -r word ms <<<"$(tool connect "$PUB" "$halfclose_port" || true)"
tg_expect_eq "$word" connected "another destination port still connects meanwhile"
tg_stop_pid "$holder" 5 || true
for ((i = 0; i < 50; i++)); do
	[ "$(tg_conns_open)" = 0 ] && break
	sleep 0.1
done
# tcp_tw_reuse takes a TIME_WAIT port once it is 1 s old.
for ((i = 0; i < 20; i++)); do
	read -r word ms <<<"$(tool connect "$PUB" "$echo_port" || true)"
	[ "$word" = connected ] && break
	sleep 0.25
done
tg_expect_eq "$word" connected "the destination takes connections again once the 4 closed"
ip netns exec "$HOSTNS" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"

# --- a destination that never answers
read -r word ms <<<"$(tool connect "$NOBODY" 80 || true)"
tg_expect_eq "$word" ECONNREFUSED "a connection to $NOBODY (nobody there) is refused"
[ "$ms" -lt 8000 ] || tg_fail "the refusal took $ms ms (--connect-timeout 2)"
tg_pass "refused after $ms ms"

# --- the upstream resets mid-transfer
got=$(tool midreset "$PUB" "$midreset_port") || tg_fail "midreset: $got"
tg_pass "the upstream's reset mid-transfer reaches the guest as one: $got"

# --- an upstream that reads nothing for 3 s
(tool halfclose "$PUB" "$stall_port" 8388608 >"$TMP/stalled" 2>&1) &
stalled=$!
sleep 0.5
tool halfclose "$PUB" "$halfclose_port" 8388608 >"$TMP/other" 2>&1 ||
	tg_fail "the other upload failed: $(cat "$TMP/other")"
kill -0 "$stalled" 2>/dev/null ||
	tg_fail "the stalled upload was over before the other one: the server did not stall it"
wait "$stalled" || tg_fail "the stalled upload: $(cat "$TMP/stalled")"
tg_expect_eq "$(cat "$TMP/stalled")" ok "8 MiB to a server that read nothing for 3 s: intact"
tg_pass "another 8 MiB upload finished while that one waited"

# --- a guest that reads 1 byte a second
rss0=$(tg_rss_kib)
(tool slowread "$PUB" "$stream_port" 5 >"$TMP/slow" 2>&1) &
slow=$!
sleep 2
tool halfclose "$PUB" "$halfclose_port" 8388608 >"$TMP/other" 2>&1 ||
	tg_fail "the upload beside the slow reader failed: $(cat "$TMP/other")"
kill -0 "$slow" 2>/dev/null || tg_fail "the slow reader was done before the other upload"
grow=$(($(tg_rss_kib) - rss0))
[ "$grow" -lt 4096 ] || tg_fail "the daemon's RSS grew by $grow KiB under a 16 MiB stream to a slow reader"
tg_pass "an upload beside a guest reading 1 byte/s finished; the daemon's RSS grew $grow KiB"
wait "$slow" || tg_fail "slow reader: $(cat "$TMP/slow")"
tg_expect_eq "$(cat "$TMP/slow")" ok "the slow reader then got the 16 MiB stream whole and in order"

for ((i = 0; i < 50; i++)); do
	[ "$(tg_conns_open)" = 0 ] && [ "$(tg_fds)" -le "$base_fds" ] && break
	sleep 0.1
done
tg_expect_eq "$(tg_conns_open)" 0 "no connection left open"
tg_expect_eq "$(tg_fds)" "$base_fds" "the daemon's descriptors back to $base_fds"
tg_stop_tapgate_hostns
