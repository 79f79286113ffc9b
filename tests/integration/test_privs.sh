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
# Then the same with --user nobody: the daemon runs as nobody:nogroup
# (all four uids and gids), with the same three capabilities, does all of
# the above, and at exit still detaches and removes its pins, control
# socket and lock file, which it had been given. The shared directories it
# used (/run/tapgate, /sys/fs/bpf/tapgate) get their owner and mode back
# afterwards. Behind a veth.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init privs

KEEP=0000008000001400 # cap_net_admin (12), cap_net_bind_service (10), cap_bpf (39)

field() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$TGPID/status"
}

# ids KEY: the four ids of Uid: or Gid:, one line.
ids() {
	awk -v f="$1:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$TGPID/status"
}

# serves_all NAME: what a serving daemon must still do after the drop.
serves_all() {
	local pol out
	tg_expect_eq "$(tg_gcurl -f "$(tg_gw_url f)")" hello "$1: traffic flows after the drop"
	pol=$TMP/p.json
	echo '{ "default_egress": "deny", "rules": [ { "destination": "group:host", "action": "allow" } ] }' >"$pol"
	out=$("$TG" policy "$HOSTDEV" "$pol")
	grep -q "^ok" <<<"$out" || tg_fail "$1: a policy reload after the drop: $out"
	tg_pass "$1: a policy reload after the drop (the maps written with cap_bpf)"
	out=$("$TG" publish "$HOSTDEV" 81:8080)
	grep -q "^ok" <<<"$out" || tg_fail "$1: publishing port 81 after the drop: $out"
	"$TG" unpublish "$HOSTDEV" 81:8080 >/dev/null
	tg_pass "$1: a host port below 1024 published after the drop (cap_net_bind_service)"
	"$TG" flows "$HOSTDEV" >/dev/null || tg_fail "$1: tapgate flows after the drop"
}

# The shared directories' owner and mode, to put back after --user.
saved_dirs=()
for d in /run/tapgate /sys/fs/bpf/tapgate; do
	[ -d "$d" ] && saved_dirs+=("$d:$(stat -c %u:%g:%a "$d")")
done
restore_dirs() {
	local e d
	for e in "${saved_dirs[@]}"; do
		d=${e%%:*}
		IFS=: read -r u g m <<<"${e#*:}"
		[ -d "$d" ] && chown "$u:$g" "$d" && chmod "$m" "$d"
	done
	for d in /run/tapgate /sys/fs/bpf/tapgate; do
		[[ " ${saved_dirs[*]} " == *" $d:"* ]] && continue
		[ -d "$d" ] && chown 0:0 "$d" && chmod 0700 "$d" && { rmdir "$d" 2>/dev/null || true; }
	done
	return 0
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
serves_all root
tg_stop_tapgate

# --user nobody
nobody=$(id -u nobody) nogroup=$(id -g nobody)
TG_AT_EXIT=restore_dirs
tg_start_tapgate --allow host --user nobody
tg_expect_eq "$(ids Uid)" "$nobody $nobody $nobody $nobody" "--user nobody: every uid is nobody's"
tg_expect_eq "$(ids Gid)" "$nogroup $nogroup $nogroup $nogroup" "--user nobody: every gid is nogroup's"
tg_expect_eq "$(awk '$1 == "Groups:" { print $2 }' "/proc/$TGPID/status")" "$nogroup" \
	"--user nobody: no supplementary group but its own"
for f in CapEff CapPrm CapBnd; do
	tg_expect_eq "$(field "$f")" "$want" "--user nobody: $f is net_admin, net_bind_service and bpf only"
done
tg_expect_eq "$(field NoNewPrivs)" 1 "--user nobody: no_new_privs is set"
grep -q "serving as user nobody" "$TG_LOG" || tg_fail "the log does not say it serves as nobody"
serves_all "--user nobody"
tg_stop_tapgate
for f in "/run/tapgate/$HOSTDEV.ctl" "/run/tapgate/$HOSTDEV.lock"; do
	[ -e "$f" ] && tg_fail "--user nobody: $f left after exit"
done
tg_pass "--user nobody: control socket and lock file removed at exit"
restore_dirs
