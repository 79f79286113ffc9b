#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/publish.sh - published ports: the host reaching servers in the
# guest (host -> guest), tapgate beside its peers, in one run:
#   pasta        pasta --config-net with -t HOSTPORT:GUESTPORT
#   slirp4netns  slirp4netns --configure with add_hostfwd on its API socket
#   tapgate      a veth guest, tapgate run --publish HOSTPORT:GUESTPORT
# The servers (iperf3 -s and build/bench/rr server) run in the guest
# namespace on 0.0.0.0; the clients run on the host against 127.0.0.1.
# Columns: TCP h>g (the host sends into the guest), TCP g>h (-R), 1 stream;
# RR p50/p99 (1-byte round trips); CRR (connect, 1 byte each way, close).
# Medians of BENCH_RUNS runs (3). Nothing leaves the machine.
#
# Environment: BENCH_RUNS (3), BENCH_TIME (TCP seconds, 5), BENCH_CRR_TIME
# (4), BENCH_RR_N (20000), BENCH_PUB_ENGINES ("pasta slirp4netns tapgate").
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init benchpub

RUNS=${BENCH_RUNS:-3}
T_TCP=${BENCH_TIME:-5}
T_CRR=${BENCH_CRR_TIME:-4}
RR_N=${BENCH_RR_N:-20000}
ENGINES=${BENCH_PUB_ENGINES:-pasta slirp4netns tapgate}
RR=$ROOT/build/bench/rr
REPORT=$ROOT/bench/report.py
GIPERF=5201 # the servers' ports in the guest
GRR=5301
for c in iperf3 slirp4netns pasta; do
	command -v "$c" >/dev/null || tg_fail "$c is missing: run 'make deps'"
done
[ -x "$RR" ] || tg_fail "$RR is not built: run 'make'"

say() { echo "$*" >&2; }

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "err"; else print v[int((NR + 1) / 2)] }'
}

# guest_servers: iperf3 -s and rr server in the guest namespace.
guest_servers() {
	tg_bg ip netns exec "$GUESTNS" iperf3 -s -p "$GIPERF" >/dev/null 2>&1 </dev/null
	tg_bg ip netns exec "$GUESTNS" "$RR" server 0.0.0.0 "$GRR" >/dev/null 2>&1 </dev/null
	sleep 0.5
}

# fresh_guest: a new prefix and an empty guest namespace (no device: the
# engine brings its own), as bench/run.sh's bench_round.
fresh_guest() {
	tg_teardown
	P=$TG_BASE${TG_ROUND_LETTERS:TG_ROUND:1}
	TG_ROUND=$((TG_ROUND + 1))
	TG_LOG=
	tg_guest_netns
}

setup_pasta() {
	fresh_guest
	tg_bg pasta -f -q --runas 0 --config-net -4 -I eth0 -a 10.0.2.15 -n 24 -g 10.0.2.2 \
		-t "$HIPERF:$GIPERF,$HRR:$GRR" -u none -T none -U none \
		--netns "/run/netns/$GUESTNS" >"$TMP/pasta.log" 2>&1 </dev/null
	sleep 1
}

setup_slirp4netns() {
	local api=$TMP/slirp.$P.sock p
	fresh_guest
	tg_bg slirp4netns --configure --disable-dns --api-socket "$api" --netns-type=path \
		"/run/netns/$GUESTNS" tap0 >"$TMP/slirp.log" 2>&1 </dev/null
	sleep 1
	for p in "$HIPERF:$GIPERF" "$HRR:$GRR"; do
		"$TG_PY" - "$api" "${p%:*}" "${p#*:}" <<'PY' || tg_fail "slirp4netns add_hostfwd failed"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
    "host_addr": "127.0.0.1", "host_port": int(sys.argv[2]), "guest_port": int(sys.argv[3])}}).encode())
r = json.loads(s.recv(4096))
sys.exit("error" in r)
PY
	done
}

setup_tapgate() {
	tg_round veth >&2
	tg_start_tapgate --publish "$HIPERF:$GIPERF" --publish "$HRR:$GRR" >&2
}

# measure ENGINE: one row: the medians of RUNS runs of each metric.
measure() {
	local e=$1 r out up=() down=() p50=() p99=() crr=()
	HIPERF=$(tg_free_port)
	HRR=$(tg_free_port)
	"setup_$e"
	guest_servers
	for ((r = 1; r <= RUNS; r++)); do
		out=$TMP/up.$e.$r
		timeout $((T_TCP + 20)) iperf3 -c 127.0.0.1 -p "$HIPERF" -t "$T_TCP" -J >"$out" 2>&1
		up+=("$("$TG_PY" "$REPORT" iperf "$out" tcp 2>/dev/null || echo err)")
		out=$TMP/down.$e.$r
		timeout $((T_TCP + 20)) iperf3 -c 127.0.0.1 -p "$HIPERF" -t "$T_TCP" -R -J >"$out" 2>&1
		down+=("$("$TG_PY" "$REPORT" iperf "$out" tcp 2>/dev/null || echo err)")
		out=$(timeout 120 "$RR" client 127.0.0.1 "$HRR" "$RR_N" 2>&1 || true)
		p50+=("$(sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' <<<"$out")")
		p99+=("$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$out")")
		out=$(timeout $((T_CRR + 30)) "$RR" crr 127.0.0.1 "$HRR" "$T_CRR" fin 2>/dev/null || true)
		crr+=("$(sed -n 's/.*conn_per_s=\([0-9.]*\).*/\1/p' <<<"$out")")
		say "  $e run $r: up ${up[-1]} down ${down[-1]} Gbit/s, RR p50 ${p50[-1]} us, CRR ${crr[-1]}/s"
	done
	printf '%-12s  %-10s  %-10s  %-8s  %-8s  %-8s\n' "$e" \
		"$(printf '%s\n' "${up[@]}" | grep -v err | median)" \
		"$(printf '%s\n' "${down[@]}" | grep -v err | median)" \
		"$(printf '%s\n' "${p50[@]}" | grep . | median)" \
		"$(printf '%s\n' "${p99[@]}" | grep . | median)" \
		"$(printf '%s\n' "${crr[@]}" | grep . | median)" >>"$TMP/rows"
	if [ "$e" = tapgate ]; then tg_stop_tapgate >&2; fi
	tg_kill_all
}

: >"$TMP/rows"
for e in $ENGINES; do
	say "== published ports: $e"
	measure "$e"
done
echo
echo "Published ports, host -> guest over 127.0.0.1 (medians of $RUNS runs; TCP ${T_TCP} s, CRR ${T_CRR} s, RR $RR_N round trips)"
printf '%-12s  %-10s  %-10s  %-8s  %-8s  %-8s\n' engine "TCP h>g" "TCP g>h" "RR p50" "RR p99" CRR
printf '%-12s  %-10s  %-10s  %-8s  %-8s  %-8s\n' "" Gbit/s Gbit/s µs µs conn/s
cat "$TMP/rows"
