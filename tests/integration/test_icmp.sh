#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_icmp.sh - ICMP echo (issue 3): answered by tapgate itself for the
# gateway, relayed through a raw socket for other destinations under the
# group policy. A relayed echo needs a destination on this machine that is
# not loopback, so tapgate runs with its host side in a namespace of its own
# (tg_host_ns): ${P}H holds the host-side device and tapgate, a veth pair
# links it to ${P}T, which owns 198.51.100.2 (public: TEST-NET-2) and
# 10.200.0.2 (private). Neither namespace has a default route: nothing can
# leave. From the guest, with --allow public:
#   - ping to the gateway is answered (by tapgate: the gateway exists
#     nowhere else), also with a 1400-byte payload;
#   - ping 198.51.100.2 is answered by ${P}T's kernel (its InEchos counter
#     grows), with 56- and 1400-byte payloads; ping matches replies by its
#     identifier, and icmptool.py checks that a chosen identifier, the
#     sequence numbers and the payload come back unchanged;
#   - ping 10.200.0.2 (private, not allowed) gets no reply and never
#     reaches ${P}T;
#   - counters: XDP to_icmp, daemon icmp_relayed and icmp_replies_relayed.
# Behind a veth and a tap (tapshuttle keeps the tap's fd while the device
# moves into ${P}H).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init icmp

GW=$TG_GW_IP
PUB=198.51.100.2  # in ${P}T: public
PRIV=10.200.0.2   # in ${P}T: private
ICMPTOOL=("$TG_PY" "$TG_HELPERS/icmptool.py")
PING=(ping -n -c 3 -i 0.2 -W 2)

# gping MSG ARGS...: ping from the guest, which must get its 3 replies with
# icmp_seq 1..3, no duplicates, no damaged data.
gping() {
	local msg=$1 out=$TMP/ping.out
	shift
	tg_gwait "$out" "${PING[@]}" "$@" || tg_fail "$msg: $(tr '\n' ' ' <"$out")"
	grep -q '3 packets transmitted, 3 received' "$out" || tg_fail "$msg: $(tail -n 2 "$out")"
	for s in 1 2 3; do
		grep -q "icmp_seq=$s " "$out" || tg_fail "$msg: no reply with icmp_seq=$s: $(cat "$out")"
	done
	if grep -qiE 'DUP!|wrong data|wrong ident' "$out"; then
		tg_fail "$msg: $(grep -iE 'DUP!|wrong data|wrong ident' "$out" | head -n 3)"
	fi
	tg_pass "$msg ($(grep -o 'rtt.*' "$out"))"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_host_ns

	# The harness: ${P}H reaches ${P}T on both addresses.
	tg_hexec ping -n -c 1 -W 2 "$PUB" >/dev/null || tg_fail "$HOSTNS cannot ping $PUB"
	tg_hexec ping -n -c 1 -W 2 "$PRIV" >/dev/null || tg_fail "$HOSTNS cannot ping $PRIV"
	tg_pass "$mode: $HOSTNS reaches $TARGETNS on $PUB and $PRIV"

	# Nothing listens on 127.0.0.1:53 in ${P}H: the guest asks no names.
	tg_start_tapgate --allow public --dns 127.0.0.1:53
	tg_stats_save "$TMP/s0.json"
	echos0=$(tg_snmp "$TARGETNS" Icmp InEchos)

	gping "$mode: ping $GW (answered by tapgate)" "$GW"
	gping "$mode: ping -s 1400 $GW" -s 1400 "$GW"
	echos1=$(tg_snmp "$TARGETNS" Icmp InEchos)
	tg_expect_eq "$((echos1 - echos0))" 0 "$mode: pings to the gateway stay inside tapgate"

	gping "$mode: ping $PUB (relayed to $TARGETNS)" "$PUB"
	gping "$mode: ping -s 1400 $PUB (relayed)" -s 1400 "$PUB"
	echos2=$(tg_snmp "$TARGETNS" Icmp InEchos)
	[ $((echos2 - echos1)) -ge 6 ] ||
		tg_fail "$mode: $TARGETNS saw $((echos2 - echos1)) echo requests, want >= 6: the replies were not its own"
	tg_pass "$mode: the replies came from $TARGETNS ($((echos2 - echos1)) echo requests there)"

	for id in 0x4242 0x0001 0xfffe; do
		tg_gwait "$TMP/icmptool.out" "${ICMPTOOL[@]}" echo "$PUB" "$id" 7 100 3 ||
			tg_fail "$mode: echo with id $id: $(cat "$TMP/icmptool.out")"
		tg_pass "$mode: relayed echo keeps id $id, seq and payload: $(cat "$TMP/icmptool.out")"
	done
	tg_gwait "$TMP/icmptool.out" "${ICMPTOOL[@]}" echo "$PUB" 0x7777 65530 1400 10 ||
		tg_fail "$mode: echo with 1400 bytes and seq wrapping: $(cat "$TMP/icmptool.out")"
	tg_pass "$mode: 1400-byte relayed echoes, seq wrapping past 65535: $(cat "$TMP/icmptool.out")"
	tg_gwait "$TMP/icmptool.out" "${ICMPTOOL[@]}" echo "$GW" 0x4243 1 64 3 ||
		tg_fail "$mode: echo to the gateway with id 0x4243: $(cat "$TMP/icmptool.out")"
	tg_pass "$mode: the gateway's answer keeps id, seq and payload"

	# A private destination is not in --allow public: no reply, never relayed.
	echos2=$(tg_snmp "$TARGETNS" Icmp InEchos)
	rc=0
	tg_gwait "$TMP/ping.out" ping -n -c 3 -i 0.2 -W 1 "$PRIV" || rc=$?
	grep -q ' 0 received' "$TMP/ping.out" ||
		tg_fail "$mode: ping $PRIV was answered: $(tr '\n' ' ' <"$TMP/ping.out")"
	[ "$rc" != 0 ] || tg_fail "$mode: ping $PRIV exited 0"
	tg_pass "$mode: ping $PRIV (private, not allowed) gets no reply"
	echos3=$(tg_snmp "$TARGETNS" Icmp InEchos)
	tg_expect_eq "$((echos3 - echos2))" 0 "$mode: no echo request reached $PRIV"

	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.to_icmp 24 "$mode: echo requests steered by XDP"
	tg_stat_grew daemon.icmp_relayed 21 "$mode: relayed echo requests counted"
	tg_stat_grew daemon.icmp_replies_relayed 21 "$mode: echo replies counted"
	tg_stop_tapgate_hostns
done
