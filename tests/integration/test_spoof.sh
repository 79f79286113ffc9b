#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_spoof.sh - the XDP program drops what the guest sends under someone
# else's name, and counts it. From inside the guest, a raw AF_PACKET socket
# sends hand-made frames (tests/helpers/rawsend.py): TCP SYNs and ARP
# requests with a foreign source IP, and with a foreign source MAC. The
# per-verdict counters in the pinned tg_counters map must grow by at least
# what was sent: TG_V_DROP_SPOOF_IP and TG_V_DROP_SPOOF_MAC (indices read
# from include/steer.h). Honest traffic must still work afterwards. All
# frames are addressed to the gateway or broadcast inside our own link.
# Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init spoof

N=20

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP"
	echo ok >"$TMP/ok.txt"
	tg_start_tapgate --allow host
	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: honest curl failed before spoofing"
	tg_expect_eq "$got" ok "$mode: honest traffic works"

	ip0=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	mac0=$(tg_bpf_counter TG_V_DROP_SPOOF_MAC)
	for kind in tcp-ip arp-ip tcp-mac arp-mac; do
		tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 "$kind" "$N" --port "$HTTP_PORT" >/dev/null ||
			tg_fail "$mode: rawsend $kind failed"
	done
	sleep 0.5
	ip1=$(tg_bpf_counter TG_V_DROP_SPOOF_IP)
	mac1=$(tg_bpf_counter TG_V_DROP_SPOOF_MAC)
	tg_note "spoof-ip drops $ip0 -> $ip1, spoof-mac drops $mac0 -> $mac1 ($((2 * N)) sent each)"
	[ $((ip1 - ip0)) -ge $((2 * N)) ] ||
		tg_fail "$mode: TG_V_DROP_SPOOF_IP grew by $((ip1 - ip0)), want >= $((2 * N))"
	tg_pass "$mode: spoofed source IPs dropped and counted"
	[ $((mac1 - mac0)) -ge $((2 * N)) ] ||
		tg_fail "$mode: TG_V_DROP_SPOOF_MAC grew by $((mac1 - mac0)), want >= $((2 * N))"
	tg_pass "$mode: spoofed source MACs dropped and counted"

	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: honest curl failed after spoofing"
	tg_expect_eq "$got" ok "$mode: honest traffic still works"
	tg_stop_tapgate
done
