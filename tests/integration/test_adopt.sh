#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_adopt.sh - the bpftool-managed path (issue 13), with the commands
# exactly as README ("Loaded by bpftool") gives them:
#   mkdir -p /sys/fs/bpf/tapgate
#   bpftool prog loadall steer.bpf.o /sys/fs/bpf/tapgate/IF pinmaps /sys/fs/bpf/tapgate/IF
#   bpftool net attach xdp pinned /sys/fs/bpf/tapgate/IF/tg_steer dev IF
# Before any daemon, the program drops every guest frame (the config map
# is empty: drop_noconfig). `tapgate run --adopt` fills the config, binds
# its sockets, and the guest's traffic flows; `bpftool map dump` shows the
# config by field name. Stopped, the daemon leaves the program attached
# and the pins in place, and frames are dropped (drop_nosock). A second
# --adopt serves again. An object of another ABI is refused with a message
# and exit 1, and nothing is changed. Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init adopt

OBJ=$ROOT/build/steer.bpf.o
OBJ99=$ROOT/build/steer-abi99.bpf.o
[ -f "$OBJ99" ] || tg_fail "$OBJ99 is missing (make)"

# load_attach OBJECT: the README's two commands.
load_attach() {
	local pin=/sys/fs/bpf/tapgate/$HOSTDEV
	mkdir -p /sys/fs/bpf/tapgate
	bpftool prog loadall "$1" "$pin" pinmaps "$pin" || tg_fail "bpftool prog loadall failed"
	bpftool net attach xdp pinned "$pin/tg_steer" dev "$HOSTDEV" ||
		tg_fail "bpftool net attach failed"
}

# unload: what an operator does to take it away again.
unload() {
	bpftool net detach xdp dev "$HOSTDEV" 2>/dev/null || true
	rm -rf "/sys/fs/bpf/tapgate/$HOSTDEV"
}

for mode in $(tg_modes); do
	tg_round "$mode"
	echo ok >"$TMP/ok.txt"
	tg_http_server "$TMP"
	load_attach "$OBJ"
	tg_gexec ping -c 2 -W 1 "$TG_GW_IP" >/dev/null 2>&1 && tg_fail "$mode: a frame got through before any config"
	n=$(bpftool -j map dump pinned "$(tg_pin_dir)/tg_counters" | "$TG_PY" -c '
import json, sys
idx = int(sys.argv[1])
for e in json.load(sys.stdin):
    f = e["formatted"]
    if f["key"] == idx:
        print(sum(v["value"]["packets"] for v in f["values"]))' "$(tg_verdict_index TG_V_DROP_NOCONFIG)")
	[ "${n:-0}" -gt 0 ] || tg_fail "$mode: drop_noconfig did not count the unconfigured frames"
	tg_pass "$mode: before any daemon every frame is dropped (drop_noconfig $n)"

	tg_gexec ip neigh flush all # the unanswered ARP above left a FAILED entry
	tg_start_tapgate --adopt --allow host
	got=$(tg_gcurl "$(tg_gw_url ok.txt)" 2>&1) || true
	tg_expect_eq "$got" ok "$mode: traffic flows through the adopted program"
	grep -q '"guest_ip4"' <<<"$(bpftool map dump pinned "$(tg_pin_dir)/tg_config")" ||
		tg_fail "$mode: bpftool map dump of tg_config shows no field names"
	abi=$(bpftool -j map dump pinned "$(tg_pin_dir)/tg_config" | "$TG_PY" -c '
import json, sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["abi"])')
	tg_expect_eq "$abi" "$(sed -n 's/^#define TG_ABI \([0-9]*\).*/\1/p' "$ROOT/include/steer.h")" \
		"$mode: the config map holds the daemon's ABI"
	st=$("$TG" status "$HOSTDEV" --json)
	case "$st" in *'"attach":"operator"'*'"loaded":"adopted"'*) tg_pass "$mode: status says adopted" ;;
	*) tg_fail "$mode: status: $st" ;; esac

	kill -TERM "$TGPID"
	wait "$TGPID" || tg_fail "$mode: the adopting daemon exited with status $?"
	tg_xdp_attached "$HOSTDEV" || tg_fail "$mode: the operator's program was detached"
	[ -e "$(tg_pin_dir)/tg_steer" ] || tg_fail "$mode: the operator's pins were removed"
	tg_stats_save "$TMP/s0.json"
	tg_gexec ping -c 2 -W 1 "$TG_GW_IP" >/dev/null 2>&1 && tg_fail "$mode: a frame got through with no daemon"
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.drop_nosock 1 "$mode: stopped, the program stays and drops (fail closed)"

	tg_gexec ip neigh flush all
	tg_start_tapgate --adopt --allow host
	got=$(tg_gcurl "$(tg_gw_url ok.txt)" 2>&1) || true
	tg_expect_eq "$got" ok "$mode: a second --adopt serves again"
	kill -TERM "$TGPID"
	wait "$TGPID" || true

	unload
	load_attach "$OBJ99"
	rc=0
	"$TG" run --dev "$HOSTDEV" --adopt --dns 127.0.0.1:9 >"$TMP/abi.log" 2>&1 || rc=$?
	tg_expect_eq "$rc" 1 "$mode: an object of another ABI is refused (exit 1)"
	grep -q "speaks ABI 99, this tapgate ABI" "$TMP/abi.log" ||
		tg_fail "$mode: no ABI message: $(cat "$TMP/abi.log")"
	tg_pass "$mode: and says which ABI each side speaks"
	tg_xdp_attached "$HOSTDEV" || tg_fail "$mode: the refused object was detached"
	unload

	rc=0
	"$TG" run --dev "$HOSTDEV" --adopt --dns 127.0.0.1:9 >"$TMP/none.log" 2>&1 || rc=$?
	tg_expect_eq "$rc" 1 "$mode: --adopt with nothing loaded fails (exit 1)"
	grep -q "bpftool prog loadall" "$TMP/none.log" ||
		tg_fail "$mode: the message does not say how to load it: $(cat "$TMP/none.log")"
	tg_pass "$mode: and says how to load it"
done
