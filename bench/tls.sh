#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/tls.sh - what TLS interception costs (part of `make bench`).
#
# Behind a veth, tapgate in a host namespace of its own with
# --tls-intercept; build/bench/tlsbench serving HTTPS in the target
# namespace on 198.51.100.2, on port 443 (intercepted: tapgate terminates
# the guest's TLS, opens its own to the server and relays the plaintext
# through its HTTP/1.1 reader) and on 8443 (not an intercepted port: the
# guest's TLS spliced to the server untouched, as any TCP). Same server,
# same certificate, same client. Rows:
#   rps, N conn     keep-alive requests a second (GET, 16-byte answers) over
#                   N connections (tlsbench rps, 5 s)
#   1 stream MB/s   one 1000 MiB download (curl to /dev/null)
#   KiB/connection  the daemon's RSS growth with 500 connections held open
#                   and idle after one request each, per connection, in the
#                   first run only (later runs reuse the heap the first
#                   grew, and would show ~0)
# RUNS runs each; medians [min-max]. Nothing leaves the machine.
#
# Environment: BENCH_RUNS (3), BENCH_QUICK=1 (1 run).
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
tg_init tlsbench

RUNS=${BENCH_RUNS:-3}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=1
PUB=198.51.100.2
MIB=1000
TB=$ROOT/build/bench/tlsbench
[ -x "$TB" ] || tg_fail "$TB is missing (make)"

say() { echo "$*" >&2; }

med() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = v[int((NR + 1) / 2)]
		if (NR > 1) printf "%.0f [%.0f-%.0f]", m, v[1], v[NR]; else printf "%.0f", m }'
}

tg_round veth
tg_host_ns
tg_pki "$TMP/pki" root DNS:api.test
for port in 443 8443; do
	tg_bg ip netns exec "$TARGETNS" "$TB" serve "$PUB" "$port" "$TMP/pki/root-leaf.crt" \
		"$TMP/pki/root-leaf.key" "$MIB" >"$TMP/tlsbench-$port.log" 2>&1
done
TG_DNS_NETNS=$HOSTNS tg_dnsmasq "--address=/test/$PUB"
cat >"$TMP/policy.json" <<EOF
{
  "default_egress": "deny",
  "rules": [
    { "destination": "*.test", "protocols": ["tcp"], "ports": [443, 8443], "action": "allow" }
  ],
  "tls": { "ports": [443], "extra_ca": "$TMP/pki/root.crt" }
}
EOF
tg_start_tapgate --policy "$TMP/policy.json" --dns "127.0.0.1:$DNS_PORT" --tls-intercept \
	--tls-state "$TMP/tls" --syn-rate 0
tg_guest_resolv
tg_gexec dig +short +time=2 +tries=2 api.test >/dev/null # the pin
sleep 0.5

ca_of() { [ "$1" = 443 ] && echo "$TMP/tls/ca.crt" || echo "$TMP/pki/root.crt"; }

rps() { # PORT CONNS
	tg_gexec "$TB" rps api.test "$PUB" "$1" "$(ca_of "$1")" "$2" 5 | awk '{ print $6 }'
}

stream() { # PORT: MB/s of one download
	local t0 t1
	t0=$(tg_now_ms)
	tg_gcurl -f -o /dev/null --max-time 120 --cacert "$(ca_of "$1")" \
		"https://api.test:$1/big" || {
		echo 0
		return 0
	}
	t1=$(tg_now_ms)
	echo $((MIB * 1048576 / 1000 / (t1 - t0)))
}

# held PORT: the daemon's RSS growth per connection, 500 held idle.
held() {
	local base n pid
	base=$(tg_rss_kib)
	tg_bg ip netns exec "$GUESTNS" "$TB" hold api.test "$PUB" "$1" "$(ca_of "$1")" 500 20 \
		>"$TMP/hold.out" 2>&1
	pid=$BGPID
	for ((n = 0; n < 150; n++)); do
		grep -q '^held' "$TMP/hold.out" && break
		sleep 0.1
	done
	sleep 1
	n=$(tg_rss_kib)
	say "port $1: $(cat "$TMP/hold.out"), RSS $base -> $n KiB"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	sleep 2 # the connections close
	echo $(((n - base) / 500))
}

declare -A R
for ((run = 1; run <= RUNS; run++)); do
	# First, while the heap holds least: spliced, then intercepted.
	for port in 8443 443; do
		[ "$run" = 1 ] || break
		v=$(held "$port")
		R[held.$port]+=" $v"
	done
	for port in 443 8443; do
		for c in 1 8; do
			v=$(rps "$port" "$c")
			R[rps$c.$port]+=" $v"
			say "run $run port $port: rps over $c connection(s): $v"
		done
		v=$(stream "$port")
		R[stream.$port]+=" $v"
		say "run $run port $port: 1 stream $v MB/s"
	done
done
# shellcheck disable=SC2086
{
	echo
	echo "TLS interception (veth, tlsbench HTTPS server; medians of $RUNS, [min-max])"
	printf '%-38s %-22s %-22s\n' row "intercepted (443)" "spliced (8443)"
	printf '%-38s %-22s %-22s\n' "keep-alive requests/s, 1 connection" \
		"$(med ${R[rps1.443]})" "$(med ${R[rps1.8443]})"
	printf '%-38s %-22s %-22s\n' "keep-alive requests/s, 8 connections" \
		"$(med ${R[rps8.443]})" "$(med ${R[rps8.8443]})"
	printf '%-38s %-22s %-22s\n' "1 stream, MB/s ($MIB MiB download)" \
		"$(med ${R[stream.443]})" "$(med ${R[stream.8443]})"
	printf '%-38s %-22s %-22s\n' "daemon RSS per held connection, KiB (run 1)" \
		"$(med ${R[held.443]})" "$(med ${R[held.8443]})"
	echo "tapgate: $(tg_stat daemon.tls_intercepted) connections intercepted," \
		"$(tg_stat daemon.tls_certs_minted) certificate(s) minted"
}
tg_stop_tapgate_hostns
