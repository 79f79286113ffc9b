#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_publish.sh - published TCP ports (issue 15): the host reaches a
# server in the guest through `--publish HOSTPORT:GUESTPORT`. The server is
# tests/helpers/httpd.py in the guest namespace (GET files, PUT answers the
# body's sha256); the host side is this (root) namespace's 127.0.0.1, and
# tapgate runs with the default policy (public only: the guest may not
# reach the host, yet its answers on a published port come back). Behind a
# veth and a tap:
#   - 200 MB from the guest and 200 MB to it, sha256 both ways;
#   - 200 concurrent inbound connections (a barrier holds every reply
#     until all 200 requests are in);
#   - a published port nobody listens on in the guest: the host client is
#     reset in < 1 s (the kernel accepted its connection before the guest
#     was asked; curl may see the reset while it still connects and say
#     it could not connect), counted inbound_refused;
#   - a published UDP port: two host peers at once get their echoes from
#     a UDP echo server in the guest (tests/helpers/udptool.py), small and
#     fragmented datagrams, each peer its own gateway port;
#   - at runtime, `tapgate publish` adds a port and `tapgate unpublish`
#     takes it away while a download through the other port runs on
#     (intact); after unpublish the port refuses new connections;
#   - the ingress policy: with a policy whose ingress rules allow only
#     the HTTP port from 127.0.0.1, that port serves, the UDP port drops
#     (inbound_denied) and, after a reload denying 127.0.0.0/8, the HTTP
#     port resets;
#   - a host port already taken: tapgate refuses to start and says which;
#   - the guest still cannot open connections to the host (policy).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init publish

NCONC=${TG_PUBLISH_CONC:-200}
MIB=${TG_PUBLISH_MIB:-200}
mkdir "$TMP/www"
tg_make_file "$TMP/www/big" "$MIB"
tg_make_file_kib "$TMP/www/small" 64
BIG_SHA=$(tg_sha "$TMP/www/big")

bulk() {
	local got
	got=$(curl -sS --max-time 120 "http://127.0.0.1:$HPORT/big" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$BIG_SHA" "$mode: $MIB MB from the guest through a published port"
	got=$(curl -sS --max-time 120 -T "$TMP/www/big" "http://127.0.0.1:$HPORT/up")
	tg_expect_eq "$got" "$BIG_SHA" "$mode: $MIB MB to the guest, its server's sha256 matches"
}

concurrent() {
	local bad=0 i url="http://127.0.0.1:$HPORT/small?barrier=$P&n=$NCONC"
	for ((i = 0; i < NCONC; i++)); do
		curl -sSf --max-time 90 -o "$TMP/c.$i" "$url" 2>>"$TMP/c.err" &
	done
	for i in $(jobs -p); do
		# Only the curls: the background servers are tg_bg's, not jobs here.
		[ "$(ps -o comm= -p "$i")" = curl ] || continue
		wait "$i" || bad=$((bad + 1))
	done
	tg_expect_eq "$bad" 0 "$mode: $NCONC concurrent inbound connections, none failed"
	for ((i = 0; i < NCONC; i++)); do
		[ "$(tg_sha "$TMP/c.$i")" = "$(tg_sha "$TMP/www/small")" ] || bad=$((bad + 1))
	done
	rm -f "$TMP"/c.*
	tg_expect_eq "$bad" 0 "$mode: ... every copy intact"
}

refused() {
	local t0 ms rc=0 before
	before=$(tg_stat daemon.inbound_refused)
	t0=$(tg_now_ms)
	curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$HPORT_DEAD/" 2>"$TMP/refused.err" || rc=$?
	ms=$(($(tg_now_ms) - t0))
	[ "$rc" != 0 ] || tg_fail "$mode: a published port with no guest server answered"
	# Reset at once: curl says "reset", or, when the reset overtakes its
	# connect, that it could not connect at all.
	grep -qE "reset|refused|connect to server" "$TMP/refused.err" ||
		tg_fail "$mode: a closed guest port: $(cat "$TMP/refused.err")"
	[ "$ms" -lt 1000 ] || tg_fail "$mode: the reset took $ms ms, want < 1000"
	tg_pass "$mode: a closed guest port resets the host client in $ms ms"
	[ "$(tg_stat daemon.inbound_refused)" -gt "$before" ] ||
		tg_fail "$mode: inbound_refused did not grow"
}

# guest_udp_echo: udptool.py serve-echo in the guest; sets GUDP.
guest_udp_echo() {
	local pf=$TMP/gudp.$P.port
	rm -f "$pf"
	tg_bg ip netns exec "$GUESTNS" env TG_LISTEN=0.0.0.0 "$TG_PY" "$TG_HELPERS/udptool.py" \
		serve-echo "$pf" >"$TMP/gudp.$P.log" 2>&1
	GUDP=$(tg_wait_port_file "$pf" "$BGPID" "udptool.py serve-echo in the guest")
}

udp_peers() {
	local a=$TMP/udpa.$P b=$TMP/udpb.$P pa pb
	"$TG_PY" "$TG_HELPERS/udptool.py" echo 127.0.0.1 "$UPORT" 300 1000 >"$a" 2>&1 &
	pa=$!
	"$TG_PY" "$TG_HELPERS/udptool.py" echo 127.0.0.1 "$UPORT" 40 30000 >"$b" 2>&1 &
	pb=$!
	wait "$pa" || tg_fail "$mode: UDP peer 1: $(cat "$a")"
	wait "$pb" || tg_fail "$mode: UDP peer 2: $(cat "$b")"
	tg_pass "$mode: a published UDP port, two peers at once: $(cat "$a"); $(cat "$b")"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.inbound_udp_to_host 340 "$mode: ... every echo went back to its peer"
}

runtime() {
	local p2 dl=$TMP/dl.$P got
	p2=$(tg_free_port)
	curl -sS --max-time 120 --limit-rate 20M -o "$dl" "http://127.0.0.1:$HPORT/big" &
	local dlpid=$!
	sleep 0.5
	got=$("$TG" publish "$HOSTDEV" "$p2:$GPORT")
	grep -q "^ok" <<<"$got" || tg_fail "$mode: tapgate publish: $got"
	got=$(curl -sS --max-time 10 "http://127.0.0.1:$p2/small" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$(tg_sha "$TMP/www/small")" "$mode: a port published at runtime serves"
	got=$("$TG" unpublish "$HOSTDEV" "$p2:$GPORT")
	grep -q "^ok" <<<"$got" || tg_fail "$mode: tapgate unpublish: $got"
	if curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$p2/small" 2>/dev/null; then
		tg_fail "$mode: the unpublished port still serves"
	fi
	tg_pass "$mode: an unpublished port refuses new connections"
	got=$("$TG" unpublish "$HOSTDEV" "$p2:$GPORT" 2>&1 || true)
	grep -q "not published" <<<"$got" || tg_fail "$mode: unpublishing twice: $got"
	wait "$dlpid" || tg_fail "$mode: the download across publish/unpublish failed"
	tg_expect_eq "$(tg_sha "$dl")" "$BIG_SHA" "$mode: ... while a download on the other port went on intact"
	rm -f "$dl"
}

ingress_policy() {
	local pol=$TMP/ingress.$P.json got
	printf '%s\n' '{ "default_egress": "allow", "default_ingress": "deny", "rules": [' \
		"{ \"destination\": \"127.0.0.1\", \"protocols\": [\"tcp\"], \"ports\": [$GPORT]," \
		'  "direction": "ingress", "action": "allow" } ] }' >"$pol"
	tg_start_tapgate --policy "$pol" --publish "$HPORT:$GPORT" --publish "$UPORT:$GUDP/udp"
	got=$(curl -sS --max-time 10 "http://127.0.0.1:$HPORT/small" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$(tg_sha "$TMP/www/small")" "$mode: ingress rule: the allowed port serves"
	got=$("$TG_PY" "$TG_HELPERS/udptool.py" echo 127.0.0.1 "$UPORT" 1 100 2>&1 || true)
	! grep -q "^ok" <<<"$got" || tg_fail "$mode: the UDP port with no ingress rule echoed"
	[ "$(tg_stat daemon.inbound_denied)" -ge 1 ] || tg_fail "$mode: inbound_denied did not grow"
	tg_pass "$mode: ... the UDP port, no rule for it, stays silent (inbound_denied)"
	sed -i 's|"127.0.0.1", "protocols"|"127.0.0.0/8", "protocols"|; s|"allow" } ]|"deny" } ]|' "$pol"
	"$TG" policy "$HOSTDEV" "$pol" >/dev/null || tg_fail "$mode: tapgate policy refused $pol"
	if curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$HPORT/small" 2>/dev/null; then
		tg_fail "$mode: a denied peer reached the published port"
	fi
	tg_pass "$mode: ... after a reload denying 127.0.0.0/8, the port resets"
	tg_stop_tapgate
}

port_taken() {
	local out rc=0 pf=$TMP/taken.$P.port
	tg_bg "$TG_PY" "$TG_HELPERS/tcptool.py" serve-hold "$pf" >/dev/null 2>&1
	HPORT=$(tg_wait_port_file "$pf" "$BGPID" "tcptool.py serve-hold")
	out=$("$TG" run --dev "$HOSTDEV" --dns 127.0.0.1:9 --publish "$HPORT:$GPORT" 2>&1) || rc=$?
	[ "$rc" != 0 ] || tg_fail "$mode: a second tapgate on a taken port started"
	grep -q "cannot listen on 127.0.0.1:$HPORT.*pick another HOSTPORT" <<<"$out" ||
		tg_fail "$mode: the error does not say the port is taken: $out"
	tg_pass "$mode: a taken host port: '$(grep -m1 "cannot listen" <<<"$out")'"
	! tg_xdp_attached "$HOSTDEV" || tg_fail "$mode: the failed start left XDP attached"
	tg_pass "$mode: ... and left nothing attached"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_guest_http_server "$TMP/www"
	guest_udp_echo
	HPORT=$(tg_free_port)
	HPORT_DEAD=$(tg_free_port)
	UPORT=$(tg_free_port)
	tg_start_tapgate --max-conns 1024 --publish "$HPORT:$GPORT" --publish "$HPORT_DEAD:1" \
		--publish "$UPORT:$GUDP/udp"
	bulk
	concurrent
	refused
	tg_stats_save "$TMP/s0.json"
	udp_peers
	runtime
	# The guest itself still may not reach the host: the default policy.
	got=$(tg_gexec curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
		"http://$TG_GW_IP:$HPORT/small" 2>&1 || true)
	grep -qE "refused|reset|connect to server" <<<"$got" ||
		tg_fail "$mode: the guest reached the host's port: $got"
	tg_pass "$mode: the guest still cannot connect to the host"
	tg_stop_tapgate
	ingress_policy
	port_taken
done
