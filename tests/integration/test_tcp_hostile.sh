#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_tcp_hostile.sh - a guest that writes its own TCP segments cannot kill
# tapgate, grow its memory, break other connections or smuggle bytes to the
# DNS upstream. The guest namespace's eth0 has the guest MAC but no IP
# address, so its kernel stays out of the way, and tests/helpers/tcpraw.py
# builds every segment by hand (AF_PACKET):
#   - the three shapes that made lwIP 2.1.3 assert "ooseq tcplen > rcv_wnd"
#     (and Debian's build abort): a window sent top down, a segment
#     straddling the right edge then the window in order, and a window
#     filled against a server that never reads then a straddle at rcv_nxt;
#   - 1-byte slivers at every other sequence number across the window, on
#     8 connections: the daemon's RSS may grow by at most a bound;
#   - blind RSTs and SYNs with wrong sequence numbers into a live connection,
#     which must keep echoing;
#   - DNS over TCP carrying a DNS UPDATE and then an HTTP request: reset, and
#     the upstream (a recorder on loopback) receives nothing; 70 DNS-over-TCP
#     connections at once: 64 are served, 6 reset.
# Meanwhile a 16 MiB download by the same hand-made TCP runs and must arrive
# intact, and afterwards tapgate is alive and serves a new connection.
# Behind a veth (the attacks are frames; the device kind does not matter).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init tcp_hostile

RAW=("$TG_PY" "$TG_HELPERS/tcpraw.py")
RSS_BOUND_KIB=${TG_HOSTILE_RSS_KIB:-8192} # growth allowed over the slivers

tg_round veth
ip -n "$GUESTNS" addr flush dev eth0
tg_make_file "$TMP/big" 16
tg_http_server "$TMP"
tg_tcp_server sink
SINK=$TCP_PORT
tg_tcp_server hold
HOLD=$TCP_PORT
tg_tcp_server echo
ECHO=$TCP_PORT
tg_tcp_server record
RECORD=$TCP_PORT
RECORD_LOG=$TMP/tcp-record.$P.log
tg_start_tapgate --allow host --dns "127.0.0.1:$RECORD"

tg_gwait "$TMP/dl0" "${RAW[@]}" download "$TG_GW_IP" "$HTTP_PORT" /big ||
	tg_fail "download before the attacks: $(cat "$TMP/dl0")"
want="ok $(tg_sha "$TMP/big") $((16 << 20))"
tg_expect_eq "$(cat "$TMP/dl0")" "$want" "hand-made TCP downloads 16 MiB intact"

# The download runs while the attacks do.
tg_bg ip netns exec "$GUESTNS" "${RAW[@]}" download "$TG_GW_IP" "$HTTP_PORT" /big \
	>"$TMP/dl1" 2>&1 </dev/null
DL=$BGPID

for shape in topdown edge; do
	for i in 1 2 3; do
		out=$(tg_gexec "${RAW[@]}" "$shape" "$TG_GW_IP" "$SINK" 2>&1) ||
			tg_fail "$shape #$i: $out"
		tg_own_child "$TGPID" || tg_fail "tapgate died after $shape #$i"
	done
	tg_pass "$shape x3: tapgate alive and the connection answers ($out)"
done
out=$(tg_gexec "${RAW[@]}" fill-edge "$TG_GW_IP" "$HOLD" 2>&1) || tg_fail "fill-edge: $out"
tg_own_child "$TGPID" || tg_fail "tapgate died after fill-edge"
tg_pass "fill-edge against a server that never reads: alive ($out)"

rss0=$(tg_rss_kib)
for i in 1 2 3 4 5 6 7 8; do
	tg_bg ip netns exec "$GUESTNS" "${RAW[@]}" sliver "$TG_GW_IP" "$SINK" \
		>"$TMP/sliver.$i" 2>&1 </dev/null
	SLIVERS+=("$BGPID")
done
for pid in "${SLIVERS[@]}"; do
	wait "$pid" || tg_fail "sliver flood: $(cat "$TMP"/sliver.*)"
done
rss1=$(tg_rss_kib)
tg_own_child "$TGPID" || tg_fail "tapgate died in the sliver flood"
tg_note "RSS ${rss0} -> ${rss1} KiB over 8 sliver floods ($(head -1 "$TMP/sliver.1"))"
[ $((rss1 - rss0)) -le "$RSS_BOUND_KIB" ] ||
	tg_fail "sliver flood grew RSS by $((rss1 - rss0)) KiB (bound $RSS_BOUND_KIB)"
tg_pass "8 sliver floods: RSS +$((rss1 - rss0)) KiB (<= $RSS_BOUND_KIB)"

out=$(tg_gexec "${RAW[@]}" blind "$TG_GW_IP" "$ECHO" 2>&1) || tg_fail "blind: $out"
tg_pass "blind RST/SYN injection: $out"

out=$(tg_gexec "${RAW[@]}" smuggle "$TG_GW_IP" 53 2>&1) || tg_fail "smuggle: $out"
tg_expect_eq "$out" "ok reset" "DNS over TCP with a DNS UPDATE and an HTTP request: reset"

out=$(tg_gexec "${RAW[@]}" many "$TG_GW_IP" 53 70 2>&1) || tg_fail "70 DNS connections: $out"
tg_expect_eq "$out" "ok opened=64 reset=6" "DNS over TCP: 64 connections at once, the rest reset"

wait "$DL" || tg_fail "download during the attacks: $(cat "$TMP/dl1")"
tg_expect_eq "$(cat "$TMP/dl1")" "$want" "the download during the attacks arrived intact"

tg_gwait "$TMP/dl2" "${RAW[@]}" download "$TG_GW_IP" "$HTTP_PORT" /big ||
	tg_fail "download after the attacks: $(cat "$TMP/dl2")"
tg_expect_eq "$(cat "$TMP/dl2")" "$want" "a new connection after the attacks downloads intact"

# Counters reach the pinned map once a second, on a loop turn with events.
sleep 1.2
tg_gexec "${RAW[@]}" many "$TG_GW_IP" "$SINK" 1 >/dev/null
sleep 0.2
tg_stats_save "$TMP/s1.json"
for key in tcp_out_of_window tcp_blind dns_tcp_rejected dns_tcp_limit; do
	n=$(tg_stat_of "$TMP/s1.json" "daemon.$key")
	[ "$n" -gt 0 ] || tg_fail "daemon.$key is $n: the drops went uncounted"
	tg_note "daemon.$key = $n"
done
tg_pass "every refusal above counted by its reason"

got=$(grep -c '^received [1-9]' "$RECORD_LOG" || true)
tg_expect_eq "$got" 0 "the DNS upstream received no byte of the smuggled messages"
tg_stop_tapgate
