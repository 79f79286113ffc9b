#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_flows.sh - inspection through maps (issue 13): while the guest
# downloads slowly and sends UDP, the pinned flow map lists one TCP and
# one UDP flow with their real endpoints, `tapgate flows` (and --json)
# prints them with byte counts that grow, `bpftool map dump` shows named
# fields (BTF), and once the flows are closed the map is empty again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init flows

tg_round veth
tg_make_file "$TMP/big.bin" 32
tg_http_server "$TMP"
tg_udp_echo_server
tg_start_tapgate --allow host
tg_bg ip netns exec "$GUESTNS" curl -sS --max-time 60 --limit-rate 200k -o /dev/null \
	"$(tg_gw_url big.bin)"
curl_pid=$BGPID
tg_gexec "$TG_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"hello", (__import__("sys").argv[1], int(__import__("sys").argv[2])))
print(s.recvfrom(100)[0].decode())' "$TG_GW_IP" "$UDP_PORT" >/dev/null ||
	tg_fail "UDP echo through tapgate failed"
sleep 2

flows() { "$TG" flows "$HOSTDEV" --json; }
json=$(flows) || tg_fail "tapgate flows failed"
echo "  .. $json"
field() {
	"$TG_PY" -c '
import json, sys
fl = [f for f in json.loads(sys.argv[1]) if f["proto"] == sys.argv[2]]
print(fl[0][sys.argv[3]] if len(fl) == 1 else "count %d" % len(fl))' "$json" "$1" "$2"
}
tg_expect_eq "$(field tcp dst)" "$TG_GW_IP:$HTTP_PORT" "the TCP flow's destination"
tg_expect_eq "$(field tcp state)" open "the TCP flow is open"
tg_expect_eq "$(field udp dst)" "$TG_GW_IP:$UDP_PORT" "the UDP flow's destination"
tg_expect_eq "$(field udp bytes_out)" 5 "the UDP flow's bytes out"
in1=$(field tcp bytes_in)
sleep 2
json=$(flows)
in2=$(field tcp bytes_in)
[ "$in2" -gt "$in1" ] && [ "$in1" -gt 0 ] || tg_fail "bytes_in did not grow: $in1 then $in2"
tg_pass "the download's bytes_in grows ($in1 -> $in2)"
grep -q "^tcp .*$TG_GW_IP:$HTTP_PORT .*open" <<<"$("$TG" flows "$HOSTDEV")" ||
	tg_fail "tapgate flows (table) lacks the TCP flow"
grep -q '"bytes_in"' <<<"$(bpftool map dump pinned "$(tg_pin_dir)/tg_flows")" ||
	tg_fail "bpftool map dump shows no named fields"
tg_pass "bpftool map dump names the fields"

kill "$curl_pid" 2>/dev/null
wait "$curl_pid" 2>/dev/null || true
for ((i = 0; i < 50; i++)); do
	n=$(flows | "$TG_PY" -c 'import json, sys; print(len([f for f in json.load(sys.stdin) if f["proto"] == "tcp"]))')
	[ "$n" = 0 ] && break
	sleep 0.1
done
tg_expect_eq "$n" 0 "the TCP flow leaves the map when it closes"
tg_stop_tapgate
