#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_install.sh - `make install` and the systemd template unit (issue
# 13). Installs into a temporary DESTDIR and checks what lands there: the
# daemon, steer.bpf.o (which bpftool loads), tapgate(8) (rendered by man
# without a warning) and tapgate@.service (systemd-analyze verify). This
# machine's PID 1 is not systemd, so the unit is run the way systemd
# would: its ExecStart with %i = the device and TAPGATE_OPTS from
# /etc/tapgate/%i.conf (a copy under the temporary directory), its
# ExecReload (SIGHUP) reloads the policy, and SIGTERM stops it cleanly.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init install

D=$TMP/root
make -s -C "$ROOT" install DESTDIR="$D" >/dev/null || tg_fail "make install failed"
for f in usr/local/sbin/tapgate usr/local/lib/tapgate/steer.bpf.o \
	usr/local/share/man/man8/tapgate.8 etc/systemd/system/tapgate@.service; do
	[ -f "$D/$f" ] || tg_fail "make install did not install /$f"
done
[ -d "$D/etc/tapgate" ] || tg_fail "make install did not make /etc/tapgate"
tg_pass "make install puts the daemon, the object, the man page and the unit in place"

"$D/usr/local/sbin/tapgate" version | grep -q '^tapgate ' || tg_fail "the installed tapgate does not run"
warn=$(MANWIDTH=80 man --warnings -l "$D/usr/local/share/man/man8/tapgate.8" 2>&1 >/dev/null)
tg_expect_eq "$warn" "" "tapgate(8) renders without warnings"
grep -q "tapgate policy" <<<"$(MANWIDTH=80 man -l "$D/usr/local/share/man/man8/tapgate.8" 2>/dev/null)" ||
	tg_fail "tapgate(8) does not describe 'tapgate policy'"

UNIT=$TMP/tapgate@.service
sed "s|/usr/local/sbin/tapgate|$D/usr/local/sbin/tapgate|; s|^Documentation=.*||" \
	"$D/etc/systemd/system/tapgate@.service" >"$UNIT"
out=$(systemd-analyze verify "$UNIT" 2>&1) || tg_fail "systemd-analyze verify: $out"
tg_pass "systemd-analyze verify accepts tapgate@.service"

tg_round veth
echo ok >"$TMP/ok.txt"
tg_http_server "$TMP"
echo '{"default_egress": "deny", "rules": [{"destination": "group:host", "action": "allow"}]}' \
	>"$TMP/pol.json"
echo "TAPGATE_OPTS=\"--policy $TMP/pol.json --dns 127.0.0.1:9\"" >"$D/etc/tapgate/$HOSTDEV.conf"
# What systemd does for tapgate@$HOSTDEV: EnvironmentFile, then ExecStart
# with %i substituted and $TAPGATE_OPTS split into words.
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
exec_start=${exec_start//%i/$HOSTDEV}
# shellcheck disable=SC1090
. "$D/etc/tapgate/$HOSTDEV.conf"
TG_LOG=$TMP/unit.log
# shellcheck disable=SC2086
tg_bg ${exec_start//\$TAPGATE_OPTS/$TAPGATE_OPTS} >"$TG_LOG" 2>&1 </dev/null
TGPID=$BGPID
for ((i = 0; i < 50; i++)); do
	grep -q "ready on $HOSTDEV" "$TG_LOG" && break
	sleep 0.1
done
grep -q "ready on $HOSTDEV" "$TG_LOG" || tg_fail "the unit's ExecStart did not get ready: $(cat "$TG_LOG")"
got=$(tg_gcurl "$(tg_gw_url ok.txt)" 2>&1) || true
tg_expect_eq "$got" ok "the unit's daemon serves"
echo '{"default_egress": "deny"}' >"$TMP/pol.json"
reload=$(sed -n 's/^ExecReload=//p' "$UNIT")
${reload//\$MAINPID/$TGPID} || tg_fail "ExecReload failed"
for ((i = 0; i < 30; i++)); do
	grep -q "policy reloaded" "$TG_LOG" && break
	sleep 0.1
done
rc=0
tg_gcurl --max-time 5 "$(tg_gw_url ok.txt)" >/dev/null 2>&1 || rc=$?
tg_expect_eq "$rc" 7 "ExecReload (SIGHUP) put the new policy in force"
kill -TERM "$TGPID"
wait "$TGPID" || tg_fail "the unit's daemon exited with status $? on SIGTERM"
tg_pass "SIGTERM (KillSignal) stops it cleanly"
