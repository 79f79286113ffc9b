#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/density.sh - many idle sandboxes on one host (issue 13): N veth
# pairs, one `tapgate run` on each (own program, default policy), started
# one after the other. Measured: attach-to-ready time per daemon (its own
# count from main() to "ready", p50 and p99), total and per-daemon PSS and RSS
# (/proc/PID/smaps_rollup) once all run, their CPU over 10 s of idling
# (utime+stime ticks, all daemons together), and after a SIGTERM to each:
# nothing left in bpffs, /run/tapgate or on the links.
#
# Usage: bench/density.sh [N...]   (default: 200; `make bench` runs 200)
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init density

say() { echo "$*" >&2; }

# pct LIST P: the P-th percentile of the numbers on stdin.
pct() {
	sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

run_n() {
	local n=$1 i dev pids=() ready=() pss=0 rss=0 c0=0 c1=0 left
	P=$TG_BASE${TG_ROUND_LETTERS:TG_ROUND:1} # device names stay within 15 bytes
	TG_ROUND=$((TG_ROUND + 1))
	say "density: $n daemons"
	for ((i = 0; i < n; i++)); do
		ip link add "${P}d$i" type veth peer name "${P}e$i"
		tg_host_dev_quiet "${P}d$i"
		ip link set dev "${P}d$i" up
		ip link set dev "${P}e$i" up
	done
	for ((i = 0; i < n; i++)); do
		dev=${P}d$i
		tg_bg "$TG" run --dev "$dev" --dns 127.0.0.1:9 >"$TMP/$dev.log" 2>&1 </dev/null
		pids+=("$BGPID")
		until grep -q "ready on $dev " "$TMP/$dev.log"; do
			tg_own_child "$BGPID" || tg_fail "daemon $i exited: $(cat "$TMP/$dev.log")"
			sleep 0.01
		done
		# The daemon's own count, from main() to serving: no polling in it.
		ready+=("$(sed -n "s/.*ready on $dev (in \([0-9]*\) ms).*/\1/p" "$TMP/$dev.log")")
	done
	for p in "${pids[@]}"; do
		read -r a b < <(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 } END { print p, r }' \
			"/proc/$p/smaps_rollup")
		pss=$((pss + a))
		rss=$((rss + b))
		c0=$((c0 + $(tg_ticks "$p")))
	done
	sleep 10
	for p in "${pids[@]}"; do
		c1=$((c1 + $(tg_ticks "$p")))
	done
	for p in "${pids[@]}"; do
		kill -TERM "$p"
	done
	for p in "${pids[@]}"; do
		wait "$p" || tg_fail "a daemon exited with status $?"
	done
	left=$(
		ls /sys/fs/bpf/tapgate 2>/dev/null | grep -c "^$P" || true
		ls /run/tapgate 2>/dev/null | grep -c "^$P" || true
		ip -o link show | grep "^[0-9]*: ${P}d" | grep -c 'prog/xdp' || true
	)
	printf '%6d %10s %10s %12.1f %12.2f %12.1f %12.2f %10s %14s\n' "$n" \
		"$(printf '%s\n' "${ready[@]}" | pct 50)" "$(printf '%s\n' "${ready[@]}" | pct 99)" \
		"$(awk -v k="$pss" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$pss" -v n="$n" 'BEGIN { print k / 1024 / n }')" \
		"$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$rss" -v n="$n" 'BEGIN { print k / 1024 / n }')" \
		"$((c1 - c0))" "$(echo "$left" | paste -sd+ | bc)"
	for ((i = 0; i < n; i++)); do
		ip link del "${P}d$i" 2>/dev/null
	done
}

echo "density: idle tapgates, one per veth, on $(nproc) CPUs"
printf '%6s %10s %10s %12s %12s %12s %12s %10s %14s\n' daemons "ready p50" "ready p99" \
	"PSS MiB" "PSS/each" "RSS MiB" "RSS/each" "CPU ticks" "left behind"
printf '%6s %10s %10s %12s %12s %12s %12s %10s %14s\n' "" ms ms "" MiB "" MiB "10 s" ""
for n in "${@:-200}"; do
	run_n "$n"
done
