#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_pins.sh - the maps are readable from anywhere on the host (issue
# 13): a daemon started under `ip netns exec` (which gives it a private
# /sys, without the host's bpffs) pins into the host's bpffs, so `tapgate
# stats`, `tapgate flows` and bpftool in the root namespace find them, and
# a clean stop removes them there.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init pins

P=${TG_BASE}a
NS=${P}n
tg_netns_add "$NS"
ip -n "$NS" link add "${P}h" type veth peer name "${P}v"
ip -n "$NS" link set dev "${P}h" up
ip -n "$NS" link set dev "${P}v" up
TG_LOG=$TMP/tg.log
tg_bg ip netns exec "$NS" "$TG" run --dev "${P}h" --dns 127.0.0.1:9 >"$TG_LOG" 2>&1 </dev/null
TGPID=$BGPID
for ((i = 0; i < 100; i++)); do
	grep -q "ready on ${P}h" "$TG_LOG" && break
	sleep 0.1
done
grep -q "ready on ${P}h" "$TG_LOG" || tg_fail "tapgate under ip netns exec not ready: $(cat "$TG_LOG")"
[ -e "/sys/fs/bpf/tapgate/${P}h/tg_counters" ] ||
	tg_fail "no pins in the host's /sys/fs/bpf/tapgate/${P}h"
"$TG" stats "${P}h" >/dev/null || tg_fail "tapgate stats in the root namespace found nothing"
"$TG" flows "${P}h" >/dev/null || tg_fail "tapgate flows in the root namespace found nothing"
grep -q '"abi"' <<<"$(bpftool map dump pinned "/sys/fs/bpf/tapgate/${P}h/tg_config")" ||
	tg_fail "bpftool in the root namespace cannot read tg_config"
tg_pass "a daemon under ip netns exec pins where the host's tools read"
kill -TERM "$TGPID"
wait "$TGPID" || tg_fail "tapgate exited with status $?"
[ -e "/sys/fs/bpf/tapgate/${P}h" ] && tg_fail "its pins stayed after a clean stop"
tg_pass "a clean stop removes them from the host's bpffs"
