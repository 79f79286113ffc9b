#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/synflood.sh - what a guest's SYN flood leaves of its own live
# connections (part of `make bench`; issue 16's target: >= 80 %).
#
# Behind a veth, the guest downloads a 1000 MiB file from the host's HTTP
# server (curl to /dev/null, one connection) alone, then again while
# build/bench/flood sends TCP SYNs from ever new source ports, as fast as
# one core can, from 0.2 s after the download started until it ends; RUNS
# runs of each. Rows: the flood's target and tapgate's --syn-rate:
#   spoofed source       SYNs from an address not the guest's: XDP drops
#                        them (drop_spoof_ip) before anything else; what the
#                        flood costs the machine at all (the flooder's core).
#   closed port          to a host port nothing listens on: each SYN that
#                        passes costs the daemon a socket and a refused
#                        connect, and the guest a RST.
#   listening port       to a host port where build/bench/rr listens: each
#                        SYN that passes is a real host connection, which
#                        the guest's RST to its SYN-ACK ends.
# each at --syn-rate 1000 (the default) and 0 (no limit). Columns: the
# download's MB/s alone and under the flood, and the share kept (the SYNs
# XDP dropped are in the per-run lines). A download that does not finish in
# 60 s under the flood counts as 0 MB/s.
# Medians [min-max]. Nothing leaves the machine.
#
# Environment: BENCH_RUNS (3), BENCH_QUICK=1 (1 run), BENCH_FLOOD_MIB (1000).
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init synbench

RUNS=${BENCH_RUNS:-3}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=1
MIB=${BENCH_FLOOD_MIB:-1000}
FLOOD=$ROOT/build/bench/flood
RR=$ROOT/build/bench/rr
for b in "$FLOOD" "$RR"; do
	[ -x "$b" ] || tg_fail "$b is missing (make)"
done
mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"

say() { echo "$*" >&2; }

# median of the arguments, with [min-max] when there are several.
med() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = v[int((NR + 1) / 2)]
		if (NR > 1) printf "%.0f [%.0f-%.0f]", m, v[1], v[NR]; else printf "%.0f", m }'
}

# download: ms for the whole file; 0 when it did not finish in LIMIT s.
LIMIT=60
download() {
	local t0
	t0=$(tg_now_ms)
	tg_gcurl -f -o /dev/null --max-time "$LIMIT" "$(tg_gw_url big.bin)" || {
		echo 0
		return 0
	}
	echo $(($(tg_now_ms) - t0))
}

mbs() { [ "$1" -gt 0 ] && echo $((MIB * 1048576 / 1000 / $1)) || echo 0; }

# settle FDS: wait (<= 40 s) until the daemon has let go of the last
# flood's half-open connections (its descriptors back to FDS).
settle() {
	local j
	for ((j = 0; j < 400; j++)); do
		[ "$(tg_fds)" -le "$1" ] && return 0
		sleep 0.1
	done
	say "  (the daemon still holds $(($(tg_fds) - $1)) descriptors of the last flood)"
}

# row NAME SRC PORT RATE: RUNS downloads alone and under the flood.
row() {
	local name=$1 src=$2 port=$3 rate=$4 alone=() under=() kept=()
	local i a u d0 d1 fl out
	tg_round veth >&2
	tg_http_server "$TMP/www" >&2
	if [ "$port" = listen ]; then
		port=$(tg_free_port)
		tg_bg "$RR" server 127.0.0.1 "$port" >"$TMP/rr.$P.log" 2>&1 </dev/null
		sleep 0.3
	fi
	tg_start_tapgate --allow host --syn-rate "$rate" >&2
	base=$(tg_fds)
	for ((i = 0; i < RUNS; i++)); do
		settle "$base"
		a=$(download)
		[ "$a" -gt 0 ] || tg_fail "$name: the download alone did not finish in $LIMIT s"
		d0=$(tg_stat xdp.drop_syn_rate)
		out=$TMP/flood.$P.$i
		download >"$out.dl" &
		fl=$!
		sleep 0.2
		ip netns exec "$GUESTNS" timeout -s INT 120 "$FLOOD" eth0 "$TG_GUEST_MAC" "$TG_GW_MAC" \
			"$src" "$TG_GW_IP" "$port" $((LIMIT + 5)) syn >"$out" 2>&1 &
		local flooder=$!
		wait "$fl" || tg_fail "$name: the download under the flood failed"
		kill "$flooder" 2>/dev/null || true
		wait "$flooder" 2>/dev/null || true
		u=$(cat "$out.dl")
		d1=$(tg_stat xdp.drop_syn_rate)
		alone+=("$(mbs "$a")")
		under+=("$(mbs "$u")")
		kept+=($((u > 0 ? 100 * a / u : 0)))
		say "  $name run $i: alone $(mbs "$a") MB/s, under the flood $(mbs "$u") MB/s (${kept[-1]} %), SYN drops $((d1 - d0))"
	done
	printf '%-34s %16s %16s %12s\n' "$name" "$(med "${alone[@]}")" "$(med "${under[@]}")" \
		"$(med "${kept[@]}") %"
	tg_stop_tapgate >&2
}

echo "synflood: a download (${MIB} MiB, veth) alone and under a guest's SYN flood at full rate, $RUNS runs"
printf '%-34s %16s %16s %12s\n' "" "alone MB/s" "flood MB/s" "kept"
row "spoofed source (XDP drops all)" 100.96.0.3 9 1000
row "closed port, --syn-rate 1000" "$TG_GUEST_IP" 9 1000
row "closed port, --syn-rate 0" "$TG_GUEST_IP" 9 0
row "listening port, --syn-rate 1000" "$TG_GUEST_IP" listen 1000
row "listening port, --syn-rate 0" "$TG_GUEST_IP" listen 0
