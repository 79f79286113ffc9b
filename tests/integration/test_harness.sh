#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_harness.sh - checks the test harness itself, without tapgate, so that
# a failure elsewhere can be blamed on tapgate and not on lib.sh or
# tapshuttle. For each mode the guest is built exactly as the tapgate tests
# build it; then the host-side device is moved into a second namespace of
# ours (${P}x) that plays a plain kernel gateway, 100.96.0.1/30, and the
# guest must reach it: ping with full-size unfragmented frames, and an HTTP
# download through the link checked by sha256. Nothing reaches the real host
# stack: the gateway address lives only inside ${P}x.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init harness

tg_make_file "$TMP/blob" 4

for mode in $(tg_modes); do
	tg_round "$mode"
	gw=${P}x
	ip netns add "$gw"
	ip link set dev "$HOSTDEV" netns "$gw"
	ip -n "$gw" addr add "$TG_GW_IP/30" dev "$HOSTDEV"
	ip -n "$gw" link set dev "$HOSTDEV" up
	ip -n "$gw" link set dev lo up

	tg_gexec ping -c 3 -i 0.2 -W 2 -M "do" -s 1472 "$TG_GW_IP" >"$TMP/ping" ||
		tg_fail "$mode: guest cannot ping the gateway: $(cat "$TMP/ping")"
	tg_pass "$mode: guest pings the gateway with 1500-byte frames"

	mac=$(ip -n "$gw" neigh show "$TG_GUEST_IP" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	tg_expect_eq "$mac" "$TG_GUEST_MAC" "$mode: guest uses its MAC"

	# A web server on the gateway side (the root namespace's httpd.py would
	# listen on 127.0.0.1 only): python's http.server inside ${P}x.
	port=$(tg_free_port)
	tg_bg ip netns exec "$gw" "$TG_PY" -m http.server -b "$TG_GW_IP" \
		-d "$TMP" "$port" >"$TMP/gwhttp.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$gw" ss -Hltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.1
	done
	got=$(tg_gcurl "http://$TG_GW_IP:$port/blob" | sha256sum | cut -d' ' -f1)
	tg_expect_eq "$got" "$(tg_sha "$TMP/blob")" "$mode: 4 MiB download through the link"
done

tg_pass "harness works for: $(tg_modes)"
