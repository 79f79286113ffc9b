#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_privs.sh - a serving tapgate holds only what it still needs (issue
# 16): once ready, its effective, permitted and bounding capability sets
# are exactly cap_net_admin, cap_net_bind_service and cap_bpf (plus
# cap_sys_admin only under libxdp's dispatcher, which the log then says),
# nothing inheritable or ambient, and no_new_privs is set. With that it
# still does everything it does after setup: carries traffic, reloads a
# policy into the maps, publishes a port below 1024 at runtime, lists its
# flows, and at exit detaches and removes its pins (lib.sh checks).
# Behind a veth.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init privs

KEEP=0000008000001400 # cap_net_admin (12), cap_net_bind_service (10), cap_bpf (39)

field() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$TGPID/status"
}

mode=veth
tg_round veth
mkdir "$TMP/www"
echo hello >"$TMP/www/f"
tg_http_server "$TMP/www"
tg_start_tapgate --allow host
want=$KEEP
if grep -q "cap_sys_admin is kept" "$TG_LOG"; then
	want=0000008000201400
	tg_note "libxdp's dispatcher is in use here: cap_sys_admin kept"
fi
for f in CapEff CapPrm CapBnd; do
	tg_expect_eq "$(field "$f")" "$want" "$f is net_admin, net_bind_service and bpf only"
done
tg_expect_eq "$(field CapInh)" 0000000000000000 "nothing inheritable"
tg_expect_eq "$(field CapAmb)" 0000000000000000 "nothing ambient"
tg_expect_eq "$(field NoNewPrivs)" 1 "no_new_privs is set"
tg_expect_eq "$(tg_gcurl -f "$(tg_gw_url f)")" hello "traffic flows after the drop"
pol=$TMP/p.json
echo '{ "default_egress": "deny", "rules": [ { "destination": "group:host", "action": "allow" } ] }' >"$pol"
out=$("$TG" policy "$HOSTDEV" "$pol")
grep -q "^ok" <<<"$out" || tg_fail "a policy reload after the drop: $out"
tg_pass "a policy reload after the drop (the maps written with cap_bpf)"
out=$("$TG" publish "$HOSTDEV" 81:8080)
grep -q "^ok" <<<"$out" || tg_fail "publishing port 81 after the drop: $out"
"$TG" unpublish "$HOSTDEV" 81:8080 >/dev/null
tg_pass "a host port below 1024 published after the drop (cap_net_bind_service)"
"$TG" flows "$HOSTDEV" >/dev/null || tg_fail "tapgate flows after the drop"
tg_stop_tapgate
