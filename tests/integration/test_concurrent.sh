#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_concurrent.sh - 200 TCP connections open through tapgate at the same
# time, each moving data: 200 curls in the guest fetch a 256 KiB file from
# the host's HTTP server, which holds every reply until all 200 requests have
# arrived (a barrier), so the connections really overlap. Every copy must
# hash right. Behind a veth and behind a tap.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init concurrent

N=${TG_CONCURRENT_N:-200}
mkdir "$TMP/www"
tg_make_file_kib "$TMP/www/f.bin" 256
want=$(tg_sha "$TMP/www/f.bin")

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP/www"
	tg_start_tapgate --allow host --max-conns 1024
	out=$TMP/out.$P
	mkdir "$out"

	# One shell in the guest starts all curls and reports how many failed.
	url="$(tg_gw_url f.bin)?barrier=$P&n=$N"
	# shellcheck disable=SC2016 # expanded by the guest's bash
	failed=$(tg_gexec bash -c '
		n=$1 out=$2 url=$3
		for ((i = 0; i < n; i++)); do
			curl -sSf --connect-timeout 10 --max-time 90 -o "$out/$i" "$url" \
				2>"$out/$i.err" &
		done
		bad=0
		for p in $(jobs -p); do wait "$p" || bad=$((bad + 1)); done
		echo "$bad"' _ "$N" "$out" "$url")
	if [ "$failed" != 0 ]; then
		grep -h . "$out"/*.err | sort | uniq -c | sort -rn | head -5 >&2
		tg_fail "$mode: $failed of $N concurrent transfers failed"
	fi
	tg_pass "$mode: $N concurrent transfers completed"

	bad=0
	for ((i = 0; i < N; i++)); do
		[ "$(tg_sha "$out/$i")" = "$want" ] || bad=$((bad + 1))
	done
	tg_expect_eq "$bad" 0 "$mode: all $N copies hash right (bad copies)"
	tg_stop_tapgate
done
