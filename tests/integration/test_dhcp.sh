#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_dhcp.sh - a guest with no static address comes up by DHCP from
# tapgate's server (issue 15), behind a veth and a tap. The guest's eth0
# loses the address tg_round gave it (and its routes); its MTU is set
# wrong (1500, tapgate runs --mtu 1400). Then:
#  - busybox udhcpc, with a script of ours that applies what the lease says
#    with ip, gets 100.96.0.2/30, router and DNS server 100.96.0.1, MTU 1400,
#    and the guest fetches a file from the host's HTTP server through the
#    gateway;
#  - dhclient (isc-dhcp-client, our script and config: the host's
#    /etc/resolv.conf and lease files are never touched) gets the same
#    lease, and `dhclient -r` releases it (counted);
#  - a DHCPDISCOVER for another client hardware address (raw frames,
#    rawsend.py dhcp-mac) gets no offer (dhcp_ignored), one with a bad
#    magic cookie is dropped as malformed (dhcp_malformed);
#  - with --no-dhcp, udhcpc gets nothing and its DISCOVERs are dropped in
#    XDP as spoofed (from 0.0.0.0).
# Everything stays in the test's namespaces.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init dhcp

MTU=1400
N=5

for tool in "busybox udhcpc" dhclient; do
	command -v "${tool%% *}" >/dev/null || tg_skip "${tool%% *} is not installed: run 'make deps'"
done

# The clients' scripts: record what the lease says in $TMP/lease.env, apply
# it with ip; on release or deconfig, flush the address.
cat >"$TMP/apply.sh" <<'EOF'
#!/bin/bash
# apply.sh OUT REASON IP MASK ROUTER DNS MTU
out=$1 reason=$2 ip=$3 mask=$4 router=$5 dns=$6 mtu=$7 dev=eth0
len=0
IFS=. read -r -a m <<<"$mask"
for o in "${m[@]}"; do
	while [ "$o" -gt 0 ]; do len=$((len + (o & 1))); o=$((o >> 1)); done
done
case $reason in
bound | renew | BOUND | RENEW | REBIND | REBOOT)
	ip addr flush dev "$dev"
	ip addr add "$ip/$len" dev "$dev"
	[ -n "$mtu" ] && ip link set dev "$dev" mtu "$mtu"
	ip route replace default via "$router" dev "$dev"
	echo "reason=$reason ip=$ip/$len router=$router dns=$dns mtu=$mtu" >>"$out"
	;;
deconfig | RELEASE | EXPIRE | STOP)
	ip addr flush dev "$dev"
	echo "reason=$reason" >>"$out"
	;;
esac
exit 0
EOF
cat >"$TMP/udhcpc.sh" <<EOF
#!/bin/sh
exec "$TMP/apply.sh" "$TMP/lease.env" "\$1" "\$ip" "\$subnet" "\$router" "\$dns" "\$mtu"
EOF
cat >"$TMP/dhclient.sh" <<EOF
#!/bin/sh
exec "$TMP/apply.sh" "$TMP/lease.env" "\$reason" "\$new_ip_address" "\$new_subnet_mask" \
	"\$new_routers" "\$new_domain_name_servers" "\$new_interface_mtu"
EOF
cat >"$TMP/dhclient.conf" <<'EOF'
timeout 20;
retry 1;
request subnet-mask, routers, domain-name-servers, interface-mtu;
EOF
chmod +x "$TMP/apply.sh" "$TMP/udhcpc.sh" "$TMP/dhclient.sh"

# unconfigure: the guest's eth0 as a fresh guest has it: no address, no
# route, the wrong MTU, up.
unconfigure() {
	ip -n "$GUESTNS" addr flush dev eth0
	ip -n "$GUESTNS" route flush dev eth0
	ip -n "$GUESTNS" link set dev eth0 mtu 1500 up
	rm -f "$TMP/lease.env"
}

# check_lease MODE CLIENT: the lease as the script saw it and as eth0 has it.
check_lease() {
	local got
	got=$(grep -m1 -E '^reason=(bound|BOUND)' "$TMP/lease.env" 2>/dev/null) ||
		tg_fail "$1: $2 applied no lease: $(cat "$TMP/lease.env" 2>/dev/null)"
	tg_expect_eq "$got" "${got%% *} ip=$TG_GUEST_CIDR router=$TG_GW_IP dns=$TG_GW_IP mtu=$MTU" \
		"$1: $2 gets $TG_GUEST_CIDR, router and DNS $TG_GW_IP, MTU $MTU"
	grep -q "inet $TG_GUEST_CIDR " <<<"$(ip -n "$GUESTNS" addr show dev eth0)" ||
		tg_fail "$1: eth0 has not the address: $(ip -n "$GUESTNS" addr show dev eth0)"
	grep -q "mtu $MTU " <<<"$(ip -n "$GUESTNS" link show dev eth0)" ||
		tg_fail "$1: eth0's MTU is not $MTU"
	tg_pass "$1: $2's lease is on eth0"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	unconfigure
	tg_http_server "$TMP"
	echo ok >"$TMP/ok.txt"
	tg_start_tapgate --allow host --mtu "$MTU"

	# busybox udhcpc
	tg_stats_save "$TMP/s0.json"
	tg_gwait "$TMP/udhcpc.$P.log" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 \
		-s "$TMP/udhcpc.sh" || tg_fail "$mode: udhcpc got no lease: $(cat "$TMP/udhcpc.$P.log")"
	check_lease "$mode" udhcpc
	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: curl through the gateway failed"
	tg_expect_eq "$got" ok "$mode: the guest reaches the host through the gateway"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.dhcp_offers 1 "$mode: an offer"
	tg_stat_grew daemon.dhcp_acks 1 "$mode: an ack"
	tg_stat_grew xdp.to_dhcp 2 "$mode: DHCP steered by XDP"

	# dhclient: its lease, then its release
	unconfigure
	tg_stats_save "$TMP/s0.json"
	tg_bg ip netns exec "$GUESTNS" dhclient -d -1 -v -cf "$TMP/dhclient.conf" \
		-sf "$TMP/dhclient.sh" -lf "$TMP/dhclient.$P.leases" -pf "$TMP/dhclient.$P.pid" \
		eth0 >"$TMP/dhclient.$P.log" 2>&1
	DHPID=$BGPID
	for ((i = 0; i < 200; i++)); do
		grep -qE '^reason=BOUND' "$TMP/lease.env" 2>/dev/null && break
		tg_own_child "$DHPID" || tg_fail "$mode: dhclient exited: $(cat "$TMP/dhclient.$P.log")"
		sleep 0.1
	done
	check_lease "$mode" dhclient
	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: curl after dhclient failed"
	tg_expect_eq "$got" ok "$mode: the guest reaches the host after dhclient"
	tg_gwait "$TMP/dhclient-r.$P.log" dhclient -r -v -cf "$TMP/dhclient.conf" \
		-sf "$TMP/dhclient.sh" -lf "$TMP/dhclient.$P.leases" -pf "$TMP/dhclient.$P.pid" eth0 ||
		tg_fail "$mode: dhclient -r failed: $(cat "$TMP/dhclient-r.$P.log")"
	tg_stop_pid "$DHPID" || true # dhclient -r stopped it already (SIGTERM)
	sleep 0.3
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.dhcp_acks 1 "$mode: dhclient acked"
	tg_stat_grew daemon.dhcp_released 1 "$mode: dhclient -r released the lease"
	grep -q "inet " <<<"$(ip -n "$GUESTNS" addr show dev eth0)" &&
		tg_fail "$mode: eth0 kept its address after dhclient -r"
	tg_pass "$mode: the released address is off eth0"

	# another client's MAC, and a bad cookie
	tg_stats_save "$TMP/s0.json"
	for kind in dhcp-mac dhcp-cookie; do
		tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 "$kind" "$N" >/dev/null ||
			tg_fail "$mode: rawsend $kind failed"
	done
	sleep 0.5
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.dhcp_ignored "$N" "$mode: a DISCOVER for another MAC is ignored"
	tg_expect_eq "$(tg_stat_delta daemon.dhcp_offers)" 0 "$mode: and gets no offer"
	tg_stat_grew slot_drops.dhcp_malformed "$N" "$mode: a bad magic cookie is dropped as malformed"
	tg_stop_tapgate

	# --no-dhcp
	unconfigure
	tg_start_tapgate --allow host --mtu "$MTU" --no-dhcp
	tg_stats_save "$TMP/s0.json"
	tg_gwait "$TMP/udhcpc-off.$P.log" busybox udhcpc -i eth0 -n -q -f -t 2 -T 1 \
		-s "$TMP/udhcpc.sh" && tg_fail "$mode: udhcpc got a lease under --no-dhcp"
	tg_stats_save "$TMP/s1.json"
	[ -s "$TMP/lease.env" ] && grep -q bound "$TMP/lease.env" &&
		tg_fail "$mode: a lease was applied under --no-dhcp"
	tg_pass "$mode: --no-dhcp: udhcpc gets nothing"
	tg_stat_grew xdp.drop_spoof_ip 2 "$mode: --no-dhcp: its DISCOVERs dropped in XDP"
	tg_expect_eq "$(tg_stat_delta xdp.to_dhcp)" 0 "$mode: --no-dhcp: nothing steered as DHCP"
	tg_stop_tapgate
done
