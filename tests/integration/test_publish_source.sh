#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_publish_source.sh - whose address the guest sees on a published TCP
# port (issue 15). The host side runs in a namespace of its own
# (tg_host_ns): tapgate publishes 0.0.0.0:HPORT there, and a peer in the
# target namespace (198.51.100.2) connects to 198.51.100.1:HPORT. The
# guest's server (httpd.py, GET /peer) says which address it saw:
#   - by default the gateway's, whoever the peer;
#   - with --publish-keep-source the peer's own, 198.51.100.2, and a
#     download through it is intact (the guest's answers go to that
#     address and come back through lwIP: the XDP program lets them pass,
#     the default policy notwithstanding);
#   - still the gateway's for a loopback peer (the guest could not answer
#     127.0.0.1) under --publish-keep-source;
#   - the guest's bare SYN to the peer's address on an inbound port is not
#     let through by the exception (denied by the policy, RST).
# Ingress rules allow the target namespace's peer (the default --allow
# takes peers on this host only).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init pubsrc

mkdir "$TMP/www"
tg_make_file "$TMP/www/big" 20
BIG_SHA=$(tg_sha "$TMP/www/big")
POL=$TMP/pol.json
printf '%s\n' '{ "default_egress": "deny", "default_ingress": "deny", "rules": [' \
	'{ "direction": "ingress", "destination": "198.51.100.2/32", "action": "allow" },' \
	'{ "direction": "ingress", "destination": "127.0.0.0/8", "action": "allow" } ] }' >"$POL"

# peer_seen NS HOST: what the guest's server saw of a peer in NS.
peer_seen() {
	ip netns exec "$1" curl -sS --max-time 10 "http://$2:$HPORT/peer" 2>&1 || true
}

round() {
	local keep=$1 got want
	tg_start_tapgate --policy "$POL" --publish "0.0.0.0:$HPORT:$GPORT" $keep
	want=$TG_GW_IP
	[ -z "$keep" ] || want=198.51.100.2
	got=$(peer_seen "$TARGETNS" 198.51.100.1)
	tg_expect_eq "$got" "$want" "$mode ${keep:-default}: the guest sees a peer at 198.51.100.2 as"
	got=$(ip netns exec "$TARGETNS" curl -sS --max-time 60 "http://198.51.100.1:$HPORT/big" |
		sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$BIG_SHA" "$mode ${keep:-default}: ... 20 MB from the guest intact"
	got=$(peer_seen "$HOSTNS" 127.0.0.1)
	tg_expect_eq "$got" "$TG_GW_IP" "$mode ${keep:-default}: a loopback peer shows as the gateway"
	if [ -n "$keep" ]; then
		got=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" connect 198.51.100.2 61441 2>&1 ||
			true)
		grep -qE "ECONNREFUSED|ECONNRESET" <<<"$got" ||
			tg_fail "$mode: the guest's own SYN to 198.51.100.2:61441 was not refused: $got"
		tg_pass "$mode keep-source: the guest's own SYN to an inbound port is refused"
	fi
	tg_stop_tapgate_hostns
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_host_ns
	tg_guest_http_server "$TMP/www"
	HPORT=$(tg_free_port)
	round ""
	round --publish-keep-source
done
