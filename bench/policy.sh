#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/policy.sh - what the policy costs (part of `make bench`).
#
# A guest behind a veth floods 60-byte UDP frames (build/bench/flood, one
# core, AF_PACKET) at an address the policy denies, for FLOOD_TIME seconds
# per run, RUNS runs; rows:
#   tapgate (XDP drop)   tapgate run --policy denying 198.51.100.0/24: the
#                        frames die in the XDP program (drop_policy).
#   tapgate (allowed)    the same flood with the address allowed: every
#                        frame goes through the UDP relay to a closed port,
#                        what a flood costs when the kernel does not drop it.
#   kernel stack         no tapgate, no XDP: the host side's stack drops the
#                        frames (not its MAC, no forwarding): the peer.
# Columns: frames/s sent by the guest, frames/s dropped where the row says
# (XDP counter, the device's rx counter), the daemon's CPU (% of a core) meanwhile.
# Then the reload: a 1000-rule policy put in force with `tapgate policy`
# (parse, compile into the maps, generation flip, sweep), RUNS times.
# Medians [min-max]. Nothing leaves the machine: the destination exists
# nowhere, the guest namespace has no other route.
#
# Environment: BENCH_RUNS (3), BENCH_FLOOD_TIME (5), BENCH_QUICK=1 (1 run, 2 s).
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init polbench

RUNS=${BENCH_RUNS:-3}
T=${BENCH_FLOOD_TIME:-5}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=1
	T=2
fi
FLOOD=$ROOT/build/bench/flood
DST=198.51.100.9
[ -x "$FLOOD" ] || tg_fail "$FLOOD is missing (make)"

say() { echo "$*" >&2; }

# median of the arguments, with [min-max] when there are several.
med() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = v[int((NR + 1) / 2)]
		if (NR > 1) printf "%.0f [%.0f-%.0f]", m, v[1], v[NR]; else printf "%.0f", m }'
}

# flood_run: one flood; prints "sent_per_s".
flood_run() {
	local out
	out=$(ip netns exec "$GUESTNS" "$FLOOD" eth0 "$TG_GUEST_MAC" "$TG_GW_MAC" "$TG_GUEST_IP" \
		"$DST" 9 "$T") || tg_fail "flood failed: $out"
	echo $((${out#sent } / T))
}

# row_tapgate NAME POLICY COUNTER: the flood against tapgate under POLICY;
# COUNTER (a tg_stat key) counts the frames dropped where the row says.
row_tapgate() {
	local name=$1 sent=() drop=() cpu=() i s0 s1 c0 c1 d0 d1 hz
	hz=$(getconf CLK_TCK)
	tg_round veth >&2
	echo "$2" >"$TMP/policy.json"
	tg_start_tapgate --policy "$TMP/policy.json" --udp-max-flows 64 >&2
	for ((i = 0; i < RUNS; i++)); do
		d0=$(tg_stat "$3")
		c0=$(tg_ticks "$TGPID")
		s=$(flood_run)
		c1=$(tg_ticks "$TGPID")
		d1=$(tg_stat "$3")
		sent+=("$s")
		drop+=($(((d1 - d0) / T)))
		cpu+=("$(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$T" 'BEGIN { printf "%.1f", 100 * t / hz / s }')")
		say "  $name run $i: sent $s/s, dropped $(((d1 - d0) / T))/s, daemon CPU ${cpu[-1]} %"
	done
	printf '%-22s %22s %22s %16s\n' "$name" "$(med "${sent[@]}")" "$(med "${drop[@]}")" \
		"$(printf '%s\n' "${cpu[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p") %"
	tg_stop_tapgate >&2
}

# The peer: no tapgate, no XDP; the frames reach the host side's stack,
# which drops them (not for its MAC, no forwarding). rx counted by the
# device. (tc's classifiers are not built into this machine's kernel.)
row_kernel() {
	local sent=() drop=() i s d0 d1
	tg_round veth >&2
	for ((i = 0; i < RUNS; i++)); do
		d0=$(cat "/sys/class/net/$HOSTDEV/statistics/rx_packets")
		s=$(flood_run)
		d1=$(cat "/sys/class/net/$HOSTDEV/statistics/rx_packets")
		sent+=("$s")
		drop+=($(((d1 - d0) / T)))
		say "  kernel stack run $i: sent $s/s, dropped $(((d1 - d0) / T))/s"
	done
	printf '%-22s %22s %22s %16s\n' "kernel stack (no XDP)" "$(med "${sent[@]}")" \
		"$(med "${drop[@]}")" "-"
}

# reload_1000: ms for `tapgate policy` with 1000 rules, RUNS times.
reload_1000() {
	local ms=() i t0 t1 r
	tg_round veth >&2
	{
		echo '{"default_egress": "deny", "rules": ['
		for ((r = 0; r < 999; r++)); do
			echo "{\"destination\": \"10.$((r / 250)).$((r % 250)).0/24\", \"protocols\": [\"tcp\"], \"ports\": [$((1000 + r))], \"action\": \"allow\"},"
		done
		echo '{"destination": "group:public", "action": "allow"}]}'
	} >"$TMP/p1000.json"
	echo '{"default_egress": "allow"}' >"$TMP/open.json"
	tg_start_tapgate --policy "$TMP/open.json" >&2
	for ((i = 0; i < RUNS; i++)); do
		"$TG" policy "$HOSTDEV" "$TMP/open.json" >/dev/null || tg_fail "reload failed"
		t0=$(date +%s%N)
		"$TG" policy "$HOSTDEV" "$TMP/p1000.json" >/dev/null || tg_fail "reload failed"
		t1=$(date +%s%N)
		ms+=($(((t1 - t0) / 1000)))
		say "  reload of 1000 rules run $i: $(((t1 - t0) / 1000)) us"
	done
	echo
	echo "reload of a 1000-rule policy with 'tapgate policy' (us, client's wall time): $(med "${ms[@]}")"
	tg_stop_tapgate >&2
}

echo "policy: a denied UDP flood from the guest (60-byte frames, ${T} s x $RUNS runs)"
printf '%-22s %22s %22s %16s\n' "" "sent frames/s" "dropped frames/s" "daemon CPU"
row_tapgate "tapgate (XDP drop)" \
	"{\"default_egress\": \"allow\", \"rules\": [{\"destination\": \"198.51.100.0/24\", \"action\": \"deny\"}]}" \
	xdp.drop_policy
row_tapgate "tapgate (allowed)" "{\"default_egress\": \"allow\"}" xdp.udp_relay
row_kernel
reload_1000
