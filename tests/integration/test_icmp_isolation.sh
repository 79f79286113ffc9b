#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_icmp_isolation.sh - two sandboxes on one host do not see each
# other's echo replies (issue 16). Both daemons run in the same host-side
# namespace (tg_host_ns) with raw ICMP sockets, which get every echo reply
# that namespace receives; both guests ping the same target (198.51.100.2
# in the target namespace) at once, 200 requests each, fast:
#   - each guest gets its 200 replies, no duplicates, no loss;
#   - neither daemon even reads the other's replies: its socket filter
#     keeps them out (icmp_foreign stays 0 for both).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init icmpiso

PUB=198.51.100.2
N=200

foreign() {
	"$TG" stats "$1" --json | "$TG_PY" -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["icmp_foreign"])'
}

mode=veth
tg_round veth
tg_host_ns
tg_second_guest "$TG_GUEST_MAC" "$TG_GUEST_CIDR" "$TG_GW_IP"
tg_start_tapgate --allow public
tg_start_second "${P}b" --allow public
tg_bg ip netns exec "$GUESTNS" ping -n -q -c "$N" -i 0.005 -W 2 "$PUB" >"$TMP/ping1" 2>&1
p1=$BGPID
tg_bg ip netns exec "$G2" ping -n -q -c "$N" -i 0.005 -W 2 "$PUB" >"$TMP/ping2" 2>&1
p2=$BGPID
wait "$p1" || tg_fail "the first guest's ping: $(cat "$TMP/ping1")"
wait "$p2" || tg_fail "the second guest's ping: $(cat "$TMP/ping2")"
for f in ping1 ping2; do
	grep -q "$N packets transmitted, $N received, 0% packet loss" "$TMP/$f" ||
		tg_fail "$f: $(grep transmitted "$TMP/$f")"
	! grep -q duplicates "$TMP/$f" || tg_fail "$f: duplicates: $(grep transmitted "$TMP/$f")"
done
tg_pass "both guests got their $N replies each, no duplicates, no loss"
tg_expect_eq "$(foreign "$HOSTDEV")" 0 "the first daemon read none of the second's replies"
tg_expect_eq "$(foreign "${P}b")" 0 "the second daemon read none of the first's replies"
tg_stop_pid "$TGPID2" 5 || tg_fail "the second tapgate did not stop"
tg_stop_tapgate_hostns
