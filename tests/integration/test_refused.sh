#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_refused.sh - a connection to a closed host port is refused at once:
# tapgate connects to the host first and only then answers the guest's SYN,
# so the guest must see "connection refused" (an RST), not "connected, then
# closed", and within a second, not after a timeout. Checked with curl
# (exit 7) and with a bare connect() (ECONNREFUSED). Behind a veth and a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init refused

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_start_tapgate --allow host
	closed=$(tg_free_port)

	start=$(tg_now_ms)
	rc=0
	tg_gcurl --max-time 5 "http://$TG_GW_IP:$closed/" >"$TMP/curl.out" 2>&1 || rc=$?
	ms=$(($(tg_now_ms) - start))
	tg_note "curl: exit $rc after $ms ms: $(cat "$TMP/curl.out")"
	tg_expect_eq "$rc" 7 "$mode: curl to a closed port fails to connect (exit 7)"
	grep -Eq "Connection refused|Couldn't connect to server" "$TMP/curl.out" ||
		tg_fail "$mode: curl did not report a refused connection"
	[ "$ms" -lt 1000 ] || tg_fail "$mode: refusal took $ms ms (want < 1000)"
	tg_pass "$mode: refused in $ms ms"

	out=$(tg_gexec "$TG_PY" "$TG_HELPERS/tcptool.py" connect "$TG_GW_IP" "$closed" || true)
	read -r word ms <<<"$out"
	tg_expect_eq "$word" ECONNREFUSED "$mode: connect() to a closed port"
	[ "$ms" -lt 1000 ] || tg_fail "$mode: connect() refusal took $ms ms (want < 1000)"

	# The refusal must not cost the data path anything.
	tg_http_server "$TMP"
	echo ok >"$TMP/ok.txt"
	got=$(tg_gcurl -f "$(tg_gw_url ok.txt)") || tg_fail "$mode: an open port fails after a refusal"
	tg_expect_eq "$got" ok "$mode: open port still works"
	tg_stop_tapgate
done
