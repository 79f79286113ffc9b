#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_hostaddr.sh - the host's addresses are followed live. tapgate runs in
# a host namespace of its own (tg_host_ns) with the default --allow public;
# a server there listens on 0.0.0.0:$PORT and answers "host". The address
# $ADDR (public, TEST-NET-3) is first a target namespace's, routed there,
# whose server on the same port answers "target": the guest reaches it.
# Then $ADDR is added to a device (a veth) in the host namespace: the guest's
# connect must be refused (RST, ECONNREFUSED; conns_denied up; never
# "host"), its non-SYN TCP dropped in XDP (TG_V_DROP_POLICY up), and the
# pinned tg_policy4/tg_policy6 maps must carry $ADDR as host, denied. When
# the address is removed (and again when its device is deleted) the
# entries go and the target answers again.
#
# Density: 1000 veth pairs in that namespace, one end of each with a
# public /32, both (IPv6 on) with a link-local fe80::; tapgate must start
# (it once failed
# with "cannot fill the policy maps: No space left on device"), put every
# /32 in the map and none of the fe80::s, and follow all 1000 going and
# coming back while it runs. The times taken are printed, not asserted.
# All traffic stays in the namespaces the test creates.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init hostaddr

ADDR=203.0.113.77
PORT=8077
NLINKS=1000
TG_READY_TIMEOUT=60 # the density start is timed below, not bounded here

# serve_name NS NAME: a server on 0.0.0.0:$PORT in NS that sends NAME and
# closes each connection.
serve_name() {
	local ready=$TMP/serve.$1
	tg_bg ip netns exec "$1" "$TG_PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    c.sendall(sys.argv[2].encode())
    c.close()' "$PORT" "$2" "$ready" >"$TMP/serve.$1.log" 2>&1
	for _ in $(seq 50); do
		[ -e "$ready" ] && return 0
		sleep 0.1
	done
	tg_fail "server in $1 did not listen"
}

# guest_fetch: what the guest gets from $ADDR:$PORT: the server's name,
# ECONNREFUSED, or another error's name.
guest_fetch() {
	tg_gexec "$TG_PY" -c '
import errno, socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    print(s.recv(64).decode() or "EOF")
except OSError as e:
    print(errno.errorcode.get(e.errno, "TIMEOUT") if e.errno else "TIMEOUT")' "$ADDR" "$PORT"
}

# policy_dump MAP: the pinned policy map MAP as "prefixlen address action
# group" lines: the region's address prefix (the generation byte left
# out), what the sandbox layer's chain does with TCP there (its first
# entry covering TCP, from tg_pchain) and the region's group. The maps
# carry BTF, so bpftool gives the fields by name.
policy_dump() {
	local pin
	pin=$(tg_pin_dir)
	"$TG_PY" -c '
import ipaddress, json, subprocess, sys
def dump(path):
    return json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned", path]))
chain = {e["formatted"]["key"]: e["formatted"]["value"] for e in dump(sys.argv[2])}
for e in dump(sys.argv[1]):
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    i = v["chain"][1]
    while i in chain and not chain[i]["protos"] & 1:
        i += 1
    act = chain[i]["action"] if i in chain else "?"
    print(k["prefixlen"] - 8, ipaddress.ip_address(bytes(k["addr"])), act, v["group"])' \
		"$pin/$1" "$pin/tg_pchain"
}

# policy_entry MAP PREFIXLEN ADDRESS: "action group" of that prefix in MAP,
# or "none".
policy_entry() {
	local out
	out=$(policy_dump "$1" | awk -v p="$2" -v a="$3" '$1 == p && $2 == a { print $3, $4 }')
	echo "${out:-none}"
}

# wait_entry MAP PREFIXLEN ADDRESS WANT: wait (<= 5 s) until policy_entry
# says WANT; fail naming what it says.
wait_entry() {
	local got
	for _ in $(seq 50); do
		got=$(policy_entry "$1" "$2" "$3")
		[ "$got" = "$4" ] && return 0
		sleep 0.1
	done
	tg_fail "$1: $3/$2 is '$got', expected '$4'"
}

# count_entries MAP AWK-CONDITION: how many entries of MAP meet it
# ($1 prefix length, $2 address).
count_entries() {
	policy_dump "$1" | awk "$2 { n++ } END { print n + 0 }"
}

DENY=0
HOST=$(awk '/enum tg_group/ { on = 1; n = 0; next } on && /TG_G_HOST/ { print n; exit }
	on && /TG_G_/ { n++ }' "$ROOT/include/steer.h")
[ -n "$HOST" ] || tg_fail "TG_G_HOST not found in include/steer.h"
MAPPED=$("$TG_PY" -c 'import ipaddress, sys; print(ipaddress.ip_address("::ffff:" + sys.argv[1]))' "$ADDR")

tg_round veth
tg_host_ns
ip -n "$TARGETNS" addr add "$ADDR/32" dev lo
ip -n "$HOSTNS" route add "$ADDR/32" via 198.51.100.2
serve_name "$HOSTNS" host
serve_name "$TARGETNS" target
start=$(tg_now_ms)
tg_start_tapgate
echo "start with no links added: $(($(tg_now_ms) - start)) ms"

# ---------------------------------------------------------------- live
tg_expect_eq "$(guest_fetch)" target "$ADDR is public: the guest reaches the target"
tg_expect_eq "$(policy_entry tg_policy4 32 "$ADDR")" none "no entry for $ADDR before"
drops0=$(tg_bpf_counter TG_V_DROP_POLICY)
tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 tcp-ack 10 --dst "$ADDR" --port "$PORT" >/dev/null
sleep 0.3
drops1=$(tg_bpf_counter TG_V_DROP_POLICY)
tg_expect_eq "$((drops1 - drops0))" 0 "non-SYN TCP to public $ADDR not dropped by policy"

ip -n "$HOSTNS" link add "${P}d" type veth peer name "${P}e"
ip -n "$HOSTNS" link set dev "${P}d" up
ip -n "$HOSTNS" addr add "$ADDR/32" dev "${P}d"
wait_entry tg_policy4 32 "$ADDR" "$DENY $HOST"
tg_pass "tg_policy4 carries $ADDR/32 as host, denied"
wait_entry tg_policy6 128 "$MAPPED" "$DENY $HOST"
tg_pass "tg_policy6 carries $MAPPED/128 as host, denied"

tg_stats_save "$TMP/s0.json"
out=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" connect "$ADDR" "$PORT" || true)
read -r word ms <<<"$out"
tg_expect_eq "$word" ECONNREFUSED "connect() to $ADDR, now the host's, is refused (${ms:-?} ms)"
got=$(guest_fetch)
[ "$got" != host ] || tg_fail "the guest reached the host's server through $ADDR"
tg_expect_eq "$got" ECONNREFUSED "and refused again"
tg_stats_save "$TMP/s1.json"
tg_stat_grew daemon.conns_denied 2 "SYNs to the host's new address denied"
drops0=$(tg_bpf_counter TG_V_DROP_POLICY)
tg_gexec "$TG_PY" "$TG_HELPERS/rawsend.py" eth0 tcp-ack 10 --dst "$ADDR" --port "$PORT" >/dev/null
sleep 0.3
drops1=$(tg_bpf_counter TG_V_DROP_POLICY)
[ $((drops1 - drops0)) -ge 10 ] ||
	tg_fail "non-SYN TCP to $ADDR: TG_V_DROP_POLICY grew by $((drops1 - drops0)), want >= 10"
tg_pass "non-SYN TCP to $ADDR dropped by the XDP policy (+$((drops1 - drops0)))"

ip -n "$HOSTNS" addr del "$ADDR/32" dev "${P}d"
wait_entry tg_policy4 32 "$ADDR" none
wait_entry tg_policy6 128 "$MAPPED" none
tg_pass "address removed: its entries are gone"
tg_expect_eq "$(guest_fetch)" target "the guest reaches the target again"

ip -n "$HOSTNS" addr add "$ADDR/32" dev "${P}d"
wait_entry tg_policy4 32 "$ADDR" "$DENY $HOST"
ip -n "$HOSTNS" link del "${P}d"
wait_entry tg_policy4 32 "$ADDR" none
tg_pass "device deleted with the address on it: the entry is gone"
tg_expect_eq "$(guest_fetch)" target "and the target answers"
tg_stop_tapgate_hostns

# ---------------------------------------------------------------- density
# $NLINKS veth pairs vI/wI, 198.18.I.J/32 on each vI (public: the benchmark
# range), IPv6 on for them so that each end gets its fe80::.
ip netns exec "$HOSTNS" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
links() {
	local i
	for ((i = 0; i < NLINKS; i++)); do
		case $1 in
		add) printf 'link add v%d type veth peer name w%d\nlink set dev v%d up\n' "$i" "$i" "$i"
			printf 'link set dev w%d up\naddress add 198.18.%d.%d/32 dev v%d\n' \
				"$i" $((i / 250)) $((i % 250 + 1)) "$i" ;;
		del) printf 'link del v%d\n' "$i" ;;
		esac
	done | ip -n "$HOSTNS" -batch -
}
links add
for _ in $(seq 50); do
	n6=$(ip -n "$HOSTNS" -6 -o addr show scope link 2>/dev/null | wc -l)
	[ "$n6" -ge $((2 * NLINKS)) ] && break
	sleep 0.1
done
tg_note "$NLINKS veth pairs in $HOSTNS: $(ip -n "$HOSTNS" -4 -o addr show 2>/dev/null | wc -l) IPv4, $n6 link-local IPv6 addresses"

start=$(tg_now_ms)
tg_start_tapgate
ms=$(($(tg_now_ms) - start))
echo "start with $NLINKS links: $ms ms"
tg_pass "tapgate starts with $NLINKS addressed links"
n=$(count_entries tg_policy4 '$1 == 32 && $2 ~ /^198\.1[89]\./')
tg_expect_eq "$n" "$NLINKS" "every link's /32 is in tg_policy4"
n=$(count_entries tg_policy6 '$1 == 128 && $2 ~ /^fe[89ab]/')
tg_expect_eq "$n" 0 "no fe80:: /128 in tg_policy6 (link-local covers them)"
tg_note "policy entries: $(count_entries tg_policy4 1) IPv4, $(count_entries tg_policy6 1) IPv6"
ADDR=198.18.$(((NLINKS - 1) / 250)).$(((NLINKS - 1) % 250 + 1)) # the last link's
tg_expect_eq "$(guest_fetch)" ECONNREFUSED "the last link's address is refused"

start=$(tg_now_ms)
links del
ipms=$(($(tg_now_ms) - start))
for _ in $(seq 300); do
	n=$(count_entries tg_policy4 '$1 == 32 && $2 ~ /^198\.1[89]\./')
	[ "$n" = 0 ] && break
	sleep 0.1
done
tg_expect_eq "$n" 0 "all $NLINKS deleted while running: their entries are gone"
echo "delete $NLINKS links while running: ip took $ipms ms, the map had none after $(($(tg_now_ms) - start)) ms"

start=$(tg_now_ms)
links add
ipms=$(($(tg_now_ms) - start))
for _ in $(seq 300); do
	n=$(count_entries tg_policy4 '$1 == 32 && $2 ~ /^198\.1[89]\./')
	[ "$n" = "$NLINKS" ] && break
	sleep 0.1
done
tg_expect_eq "$n" "$NLINKS" "all $NLINKS added back while running: every /32 is in again"
echo "add $NLINKS links while running: ip took $ipms ms, the map had all after $(($(tg_now_ms) - start)) ms"
n=$(count_entries tg_policy6 '$1 == 128 && $2 ~ /^fe[89ab]/')
tg_expect_eq "$n" 0 "still no fe80:: /128"
tg_expect_eq "$(guest_fetch)" ECONNREFUSED "the last link's address is refused again"
tg_stop_tapgate_hostns
