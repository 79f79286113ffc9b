#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh - `make bench`: tapgate against the kernel's own path,
# slirp4netns and pasta, on this machine, with nothing sent off it.
#
# Each engine gives a guest network namespace its network:
#   kernel        a veth pair to a second namespace ("the host side"), plain
#                 routing; the servers listen on that side's 10.213.0.1. The
#                 physical limit of the path, no user-space engine.
#   slirp4netns   slirp4netns --configure on the guest namespace; the host's
#                 127.0.0.1 is 10.0.2.2 for the guest.
#   pasta         pasta --config-net on the guest namespace (gateway
#                 10.0.2.2, which pasta maps to the host's 127.0.0.1).
#   tapgate veth  tests/integration/lib.sh's veth guest, tapgate run --allow
#                 host: the host's 127.0.0.1 is the gateway 100.96.0.1.
#   tapgate tap   the same behind a tap whose fd tapshuttle holds.
#   tapgate tap-vnet  the same with both taps opened as a VMM opens them
#                 (tapshuttle --vnet: virtio-net headers, offloads on: the
#                 guest's kernel sends TSO super-frames and partial sums).
#   tapgate veth6 the veth guest over IPv6 (servers on ::1).
# The servers (iperf3 -s, build/bench/rr server) listen on the host's
# 127.0.0.1 (kernel: on 10.213.0.1 inside the host-side namespace), one fixed
# port pair per engine; every client runs in the guest and talks only to the
# host's address, so nothing leaves the machine (the kernel row's namespaces
# have no route off it at all).
#
# Metrics, RUNS times each (median [min-max]): iperf3 TCP guest->host and
# host->guest (-R), 1 and 4 streams; rr: 1-byte round trips (p50, p99);
# crr: connections per second; iperf3 UDP -b 0 -l 1472 both ways (delivered
# Mbit/s, loss); the engine's CPU during TCP g>h x1, its RSS idle and peak.
# The order per engine: idle RSS, RUNS x (TCP, rr), then RUNS x UDP, then
# RUNS x crr, so that a failing UDP relay or a connection-rate run that
# leaves an engine in a bad state spoils nothing else; then, on a fresh
# engine, the held connections (HOLD_N open at once, RSS). One table on
# stdout (engines as rows), progress on stderr.
#
# Environment:
#   BENCH_QUICK=1      1 run, short durations (~4 min), for development
#   BENCH_RUNS=N       runs per metric (3; quick 1)
#   BENCH_TIME=S       seconds per TCP run (5; quick 3). 10 is steadier, but
#                      5 engines x 4 TCP metrics x 3 runs x 10 s alone is
#                      10 minutes; the default run takes about 13 in all
#   BENCH_UDP_TIME=S   seconds per UDP run (4; quick 2)
#   BENCH_CRR_TIME=S   seconds per connection-rate run (4; quick 2)
#   BENCH_CRR_MODE=M   fin: the server closes first (default); rst: the
#                      client aborts with SO_LINGER 0 (see bench/rr.c)
#   BENCH_RR_N=N       round trips per rr run (20000)
#   BENCH_HOLD_N=N     connections the guest holds open for the "RSS held"
#                      column (10000; quick 2000); tapgate runs with
#                      --max-conns above it (its default is 4096)
#   BENCH_PORT=N       port base: engine i uses N+i (iperf3), N+50+i (rr) (25200)
#   BENCH_ENGINES="kernel slirp4netns pasta tapgate-veth tapgate-veth-bp tapgate-tap tapgate-tap-vnet tapgate-veth6"
#                      (tapgate-veth-bp: tapgate on a veth with --busy-poll 50;
#                      tapgate-veth6: the veth guest over IPv6, to ::1)
#   BENCH_MTU_TABLE=1  also a table per jumbo MTU of BENCH_MTUS (kernel,
#                      slirp4netns, pasta, tapgate on a veth and on the
#                      offloading tap, all at that guest MTU)
#   BENCH_MTUS="9000 65520"  the MTUs of those tables
#   BENCH_PLOT=0       no pictures (default: build/bench/TABLE.png per table,
#                      with python3-matplotlib: one panel per metric, bars
#                      at the median, whiskers from min to max)
#   BENCH_KEEP=1       keep the logs ($TMP) after the run
# Everything it makes carries lib.sh's prefix and is removed on exit, also on
# failure or Ctrl-C (which prints the table of what was measured so far).
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh's cleanup
[ "${BENCH_KEEP:-0}" = 1 ] && TG_KEEP=1
tg_init bench

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	RUNS=${BENCH_RUNS:-1} T_TCP=${BENCH_TIME:-3} T_UDP=${BENCH_UDP_TIME:-2}
	T_CRR=${BENCH_CRR_TIME:-2}
else
	RUNS=${BENCH_RUNS:-3} T_TCP=${BENCH_TIME:-5} T_UDP=${BENCH_UDP_TIME:-4}
	T_CRR=${BENCH_CRR_TIME:-4}
fi
RR_N=${BENCH_RR_N:-20000}
if [ "${BENCH_QUICK:-0}" = 1 ]; then HOLD_N=${BENCH_HOLD_N:-2000}; else HOLD_N=${BENCH_HOLD_N:-10000}; fi
CRR_MODE=${BENCH_CRR_MODE:-fin}
PORT_BASE=${BENCH_PORT:-25200}
ENGINES=${BENCH_ENGINES:-kernel slirp4netns pasta tapgate-veth tapgate-veth-bp tapgate-tap tapgate-tap-vnet tapgate-veth6}
ALL_ENGINES=(kernel slirp4netns pasta tapgate-veth tapgate-veth-bp tapgate-tap tapgate-tap-vnet tapgate-veth6)
MTUS=${BENCH_MTUS:-9000 65520}
PLOT_DIR=$ROOT/build/bench
RR=$ROOT/build/bench/rr
REPORT=$ROOT/bench/report.py
RESULTS=$TMP/results.tsv
NOTES=$TMP/notes
HZ=$(getconf CLK_TCK)
KERNEL_H=10.213.0.1 # the kernel row's host side (inside its namespace)
KERNEL_G=10.213.0.2
SLIRP_HOST=10.0.2.2 # slirp4netns's and (as we configure it) pasta's gateway
: >"$RESULTS"
: >"$NOTES"

for v in RUNS T_TCP T_UDP T_CRR RR_N HOLD_N PORT_BASE; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || tg_fail "$v must be a positive integer, not '${!v}'"
done
[ "$CRR_MODE" = fin ] || [ "$CRR_MODE" = rst ] || tg_fail "BENCH_CRR_MODE is fin or rst"
[ "$T_TCP" -ge 2 ] || tg_fail "BENCH_TIME must be at least 2 (the CPU is sampled inside the run)"
for e in $ENGINES; do
	[[ " ${ALL_ENGINES[*]} " == *" $e "* ]] || tg_fail "unknown engine '$e' in BENCH_ENGINES"
done
# Every engine keeps a host socket per guest connection: all of them get the
# same descriptor limit, the hard one, enough for the held connections.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((HOLD_N + 1024)) ] ||
	tg_fail "BENCH_HOLD_N=$HOLD_N needs $((HOLD_N + 1024)) descriptors; the limit is $(ulimit -n)"
for c in iperf3 slirp4netns pasta timeout ss; do
	command -v "$c" >/dev/null || tg_fail "$c is missing: run 'make deps'"
done
for f in "$RR" "$TG" "$TG_SHUTTLE"; do
	[ -x "$f" ] || tg_fail "$f is not built: run 'make'"
done

# ---------------------------------------------------------------- helpers

say() { echo "$*" >&2; }

# nap SECONDS: sleep, but let SIGINT/SIGTERM through at once.
nap() {
	tg_bg sleep "$1"
	wait "$BGPID" || true
}

# note TEXT: a line under the table of the current engine.
note() {
	printf '%s|%s|%s\n' "$TABLE" "$ENGINE" "$*" >>"$NOTES"
	say "  !! $ENGINE: $*"
}

# rec METRIC RUN VALUE: one measured value of the current engine.
rec() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$TABLE" "$ENGINE" "$1" "$2" "$3" >>"$RESULTS"
}

# mib PID FIELD: VmRSS or VmHWM of PID in MiB.
mib() {
	awk -v f="$2:" '$1 == f { printf "%.1f", $2 / 1024; found = 1 } END { exit !found }' \
		"/proc/$1/status" 2>/dev/null
}

# round NUMBER DECIMALS: for the progress lines ("err" passes through).
round() {
	case "$1" in
	[0-9]*) printf "%.${2}f" "$1" ;;
	*) echo "$1" ;;
	esac
}

# calc EXPR: floating-point arithmetic.
calc() {
	awk "BEGIN { printf \"%.6g\", $1 }"
}

# engine_alive WHAT: true while the engine's processes run; the first time
# one is found dead, a note says so (with the tail of tapgate's log).
engine_alive() {
	local pid rc
	for pid in $EPID $APID; do
		tg_own_child "$pid" && continue
		if [ "$ENGINE_DEAD" = 0 ]; then
			ENGINE_DEAD=1
			rc=0
			wait "$pid" 2>/dev/null || rc=$?
			note "process $pid ($(engine_proc_name "$pid")) exited with status $rc before $1"
			if [ "$pid" = "${TGPID:-}" ] && [ -s "${TG_LOG:-}" ]; then
				tail -n 3 "$TG_LOG" | while IFS= read -r l; do note "  log: $l"; done
			fi
		fi
		return 1
	done
	return 0
}

engine_proc_name() {
	case "$1" in
	"${TGPID:-x}") echo tapgate ;;
	"${TG_SHUTTLE_PID:-x}") echo tapshuttle ;;
	*) echo "$ENGINE" ;;
	esac
}

# gstart OUT SECONDS CMD...: CMD in the guest in the background (stdout in
# OUT, stderr in OUT.err), killed after SECONDS; sets GPID.
gstart() {
	local out=$1 secs=$2
	shift 2
	tg_bg ip netns exec "$GUESTNS" timeout -k 2 "$secs" "$@" >"$out" 2>"$out.err" </dev/null
	GPID=$BGPID
}

# gwait: wait for the gstart'ed command; return its status.
gwait() {
	local rc=0
	wait "$GPID" || rc=$?
	return "$rc"
}

# why OUT RC: a short reason for a failed guest command.
why() {
	local msg
	if [ "$2" = 124 ] || [ "$2" = 137 ]; then
		echo "timed out"
		return
	fi
	msg=$(grep -v '^$' "$1.err" 2>/dev/null | tail -n 1) || true
	echo "exit $2${msg:+: $msg}"
}

# port_busy PORT: true if something listens on PORT (TCP or UDP) where the
# servers will run.
port_busy() {
	"${SRVX[@]}" ss -Hlntu "sport = :$1" | grep -q .
}

# pick_port WANT: WANT if free, otherwise a free port (noted).
pick_port() {
	local p=$1
	if port_busy "$p"; then
		p=$("${SRVX[@]}" "$TG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		note "port $1 is taken on this host, used $p instead"
	fi
	echo "$p"
}

start_iperf_server() {
	local i
	tg_bg "${SRVX[@]}" iperf3 -s -B "$SRV_ADDR" -p "$IPORT" --idle-timeout 30 \
		>>"$TMP/iperf3-server.$P.log" 2>&1 </dev/null
	IPERF_PID=$BGPID
	for ((i = 0; i < 50; i++)); do
		"${SRVX[@]}" ss -Hlnt "sport = :$IPORT" | grep -qE "(^| )\[?$SRV_ADDR\]?:$IPORT" && return 0
		tg_own_child "$IPERF_PID" || tg_fail "iperf3 -s exited: $(tail -n 3 "$TMP/iperf3-server.$P.log")"
		sleep 0.1
	done
	tg_fail "iperf3 -s did not listen on $SRV_ADDR:$IPORT within 5 s"
}

# restart_iperf_server: after a failed run, a fresh server (iperf3 -s can
# stay busy with a test its client abandoned).
restart_iperf_server() {
	tg_stop_pid "$IPERF_PID" 2 || true
	start_iperf_server
}

# start_servers INDEX: iperf3 -s and rr server for the current engine.
start_servers() {
	local out=$TMP/rr-server.$P.out i
	IPORT=$(pick_port $((PORT_BASE + $1)))
	RPORT=$(pick_port $((PORT_BASE + 50 + $1)))
	start_iperf_server
	tg_bg "${SRVX[@]}" "$RR" server "$SRV_ADDR" "$RPORT" >"$out" 2>&1 </dev/null
	for ((i = 0; i < 50; i++)); do
		grep -qx ready "$out" && return 0
		tg_own_child "$BGPID" || tg_fail "rr server exited: $(cat "$out")"
		sleep 0.1
	done
	tg_fail "rr server not ready within 5 s"
}

# ---------------------------------------------------------------- engines
#
# setup_ENGINE MTU: a fresh guest namespace $GUESTNS served by ENGINE. Sets
# DST (the host as the guest reaches it), SRV_ADDR and SRVX (where and how
# the servers run), EPID (the engine's process, none for the kernel) and
# APID (a helper process whose CPU is shown apart: tapshuttle).

# bench_clear: remove the namespaces, devices and processes of the engine
# measured last; tapgate first, while its device is there (a tap goes with
# the shuttle), so that it detaches cleanly.
bench_clear() {
	if [ -n "${TGPID:-}" ]; then tg_stop_pid "$TGPID" 5 || true; fi
	tg_teardown
}

# bench_round: like tg_round, without a tapgate guest: clear the previous
# engine's namespaces, devices and processes, take the next prefix.
bench_round() {
	bench_clear
	P=$TG_BASE${TG_ROUND_LETTERS:TG_ROUND:1}
	TG_ROUND=$((TG_ROUND + 1))
	TG_LOG=
	TGPID=
	TG_SHUTTLE_PID=
}

# guest_tune: the guest's ephemeral ports: all of 1024-65535, so that the
# connection-rate runs wrap around them as seldom as possible, the same for
# every engine.
guest_tune() {
	ip netns exec "$GUESTNS" sysctl -qw "net.ipv4.ip_local_port_range=1024 65535"
}

# wait_guest_addr DEV ADDR: wait for the engine to configure the guest.
wait_guest_addr() {
	local i
	for ((i = 0; i < 100; i++)); do
		if ip -n "$GUESTNS" -4 -o addr show dev "$1" 2>/dev/null | grep -qF " $2/" &&
			ip -n "$GUESTNS" route show default 2>/dev/null | grep -q .; then
			return 0
		fi
		tg_own_child "$EPID" || tg_fail "$ENGINE exited: $(tail -n 3 "$TMP/$ENGINE.$P.log")"
		sleep 0.1
	done
	tg_fail "$ENGINE did not configure $2 on the guest's $1 within 10 s"
}

# check_mtu DEV MTU: the guest device has the MTU asked for.
check_mtu() {
	local got
	got=$(ip -n "$GUESTNS" -o link show dev "$1" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	[ "$got" = "$2" ] || tg_fail "$ENGINE: guest $1 has MTU $got, not $2"
}

setup_kernel() {
	local h ns
	bench_round
	GUESTNS=${P}g
	h=${P}H
	for ns in "$GUESTNS" "$h"; do
		tg_netns_add "$ns"
	done
	ip link add "${P}k" netns "$h" type veth peer name "${P}v" netns "$GUESTNS"
	ip -n "$GUESTNS" link set dev "${P}v" name eth0
	ip -n "$h" link set dev "${P}k" mtu "$1"
	ip -n "$GUESTNS" link set dev eth0 mtu "$1"
	ip -n "$h" addr add "$KERNEL_H/24" dev "${P}k"
	ip -n "$GUESTNS" addr add "$KERNEL_G/24" dev eth0
	ip -n "$h" link set dev "${P}k" up
	ip -n "$GUESTNS" link set dev eth0 up
	guest_tune
	DST=$KERNEL_H SRV_ADDR=$KERNEL_H EPID='' APID=''
	SRVX=(ip netns exec "$h")
	check_mtu eth0 "$1"
}

setup_slirp4netns() {
	bench_round
	tg_guest_netns
	guest_tune
	# --disable-dns: no DNS forwarder; the guest only talks to 10.0.2.2.
	tg_bg slirp4netns --configure --mtu="$1" --disable-dns --netns-type=path \
		"/run/netns/$GUESTNS" tap0 >"$TMP/$ENGINE.$P.log" 2>&1 </dev/null
	EPID=$BGPID APID='' DST=$SLIRP_HOST SRV_ADDR=127.0.0.1 SRVX=()
	wait_guest_addr tap0 10.0.2.100
	check_mtu tap0 "$1"
}

setup_pasta() {
	bench_round
	tg_guest_netns
	guest_tune
	# -f: stay a child of ours; --runas 0: as nobody it cannot join the
	# namespace; the gateway 10.0.2.2 is mapped to the host's loopback
	# (pasta's default, --no-map-gw turns it off); no port forwarding
	# either way; IPv4 only.
	tg_bg pasta -f -q --runas 0 --config-net -4 -I eth0 -m "$1" -a 10.0.2.15 -n 24 \
		-g "$SLIRP_HOST" -t none -u none -T none -U none --netns "/run/netns/$GUESTNS" \
		>"$TMP/$ENGINE.$P.log" 2>&1 </dev/null
	EPID=$BGPID APID='' DST=$SLIRP_HOST SRV_ADDR=127.0.0.1 SRVX=()
	wait_guest_addr eth0 10.0.2.15
	check_mtu eth0 "$1"
}

# setup_tapgate MODE [ARGS...]: tapgate behind MODE (veth, tap), run with ARGS.
setup_tapgate() {
	local mode=$1
	shift
	bench_clear
	tg_round "$mode" >&2
	TGPID=
	guest_tune
	if [ -n "${TG_BENCH_MTU:-}" ]; then
		ip link set dev "$HOSTDEV" mtu "$TG_BENCH_MTU"
		ip -n "$GUESTNS" link set dev eth0 mtu "$TG_BENCH_MTU"
		set -- "$@" --mtu "$TG_BENCH_MTU"
	fi
	# --syn-rate 0: the CRR and held-connection rows measure the engine,
	# which the default limit of new connections (1000/s) would cap; the
	# peers have no such limit. bench/synflood.sh measures the limit.
	tg_start_tapgate --allow host --max-conns $((HOLD_N + 1024)) --syn-rate 0 "$@" >&2
	EPID=$TGPID APID='' DST=$TG_GW_IP SRV_ADDR=127.0.0.1 SRVX=()
	[ "$mode" = tap ] && APID=$TG_SHUTTLE_PID
	return 0
}
# At a guest MTU above 1500 (the MTU table): tapgate --mtu and the guest's
# veth both at it.
setup_tapgate-veth() {
	if [ "${1:-1500}" = 1500 ]; then
		setup_tapgate veth
		return
	fi
	TG_BENCH_MTU=$1 setup_tapgate veth
	check_mtu eth0 "$1"
}
setup_tapgate-veth-bp() { setup_tapgate veth --busy-poll 50; }
# The same veth guest talking IPv6: to the gateway's IPv6 address, which
# stands for the host's ::1, where the servers listen.
setup_tapgate-veth6() {
	setup_tapgate veth
	tg_guest_ipv6
	DST=$TG_GW_IP6 SRV_ADDR=::1
}
setup_tapgate-tap() { setup_tapgate tap; }
# The offloading tap, at 1500 or a jumbo MTU (both taps and tapgate).
setup_tapgate-tap-vnet() {
	if [ "${1:-1500}" = 1500 ]; then
		TG_TAP_VNET=1 setup_tapgate tap
		return
	fi
	TG_TAP_VNET=1 TG_BENCH_MTU=$1 setup_tapgate tap
	check_mtu eth0 "$1"
}

# ---------------------------------------------------------------- metrics

# m_tcp DIR STREAMS RUN: iperf3 TCP; with DIR g2h and 1 stream, also the
# engine's CPU over the lifetime of the iperf3 client, so that the CPU and
# the throughput it carried cover the same interval.
m_tcp() {
	local key=tcp_$1_$2 out=$TMP/iperf.$P.tcp_$1_$2.$3 rc=0 v args=(-t "$T_TCP" -P "$2")
	local cpu=0 t0 t1 c0='' c1='' a0='' a1='' w
	[ "$1" = h2g ] && args+=(-R)
	[ "$key" = tcp_g2h_1 ] && [ -n "$EPID" ] && cpu=1
	if ! engine_alive "$key"; then
		rec "$key" "$3" err
		[ "$cpu" = 1 ] && rec cpu "$3" err && rec cpu_gbit "$3" err
		return 0
	fi
	if [ "$cpu" = 1 ]; then
		t0=$(date +%s%N)
		c0=$(tg_ticks "$EPID") || c0=''
		[ -n "$APID" ] && { a0=$(tg_ticks "$APID") || a0=''; }
	fi
	gstart "$out" $((T_TCP + 20)) iperf3 -c "$DST" -p "$IPORT" -J --connect-timeout 5000 "${args[@]}"
	gwait || rc=$?
	if [ "$cpu" = 1 ]; then
		t1=$(date +%s%N)
		c1=$(tg_ticks "$EPID") || c1=''
		[ -n "$APID" ] && { a1=$(tg_ticks "$APID") || a1=''; }
	fi
	v=$("$TG_PY" "$REPORT" iperf "$out" tcp 2>"$out.why")
	if [ "$rc" != 0 ] || [ "$v" = err ]; then
		note "TCP $1 x$2 run $3: $(cat "$out.why") ($(why "$out" "$rc"))"
		v=err
		restart_iperf_server
	fi
	rec "$key" "$3" "$v"
	say "  $ENGINE run $3: TCP $1 x$2 $(round "$v" 2) Gbit/s"
	[ "$cpu" = 1 ] || return 0
	w=$(calc "($t1 - $t0) / 1e9")
	if [ -n "$c0" ] && [ -n "$c1" ]; then
		c1=$(calc "($c1 - $c0) / $HZ / $w * 100")
		rec cpu "$3" "$c1"
		case "$v" in
		err | 0 | 0.0000) rec cpu_gbit "$3" err ;;
		*) rec cpu_gbit "$3" "$(calc "$c1 / $v")" ;;
		esac
	else
		rec cpu "$3" err
		rec cpu_gbit "$3" err
	fi
	if [ -n "$APID" ]; then
		if [ -n "$a0" ] && [ -n "$a1" ]; then
			rec cpu_aux "$3" "$(calc "($a1 - $a0) / $HZ / $w * 100")"
		else
			rec cpu_aux "$3" err
		fi
	fi
	say "  $ENGINE run $3: CPU $(round "$c1" 1) % of a core${APID:+ (+ shuttle)}"
}

# m_udp DIR RUN: iperf3 -u -b 0 -l 1472.
m_udp() {
	local out=$TMP/iperf.$P.udp_$1.$2 rc=0 v args=(-u -b 0 -l 1472 -t "$T_UDP")
	[ "$1" = h2g ] && args+=(-R)
	if ! engine_alive "udp_$1"; then
		rec "udp_$1" "$2" err
		rec "udp_$1_loss" "$2" err
		return 0
	fi
	gstart "$out" $((T_UDP + 20)) iperf3 -c "$DST" -p "$IPORT" -J --connect-timeout 5000 "${args[@]}"
	gwait || rc=$?
	v=$("$TG_PY" "$REPORT" iperf "$out" udp 2>"$out.why")
	if [ "$rc" != 0 ] || [ "$v" = err ]; then
		note "UDP $1 run $2: $(cat "$out.why") ($(why "$out" "$rc"))"
		v="err err"
		restart_iperf_server
	fi
	rec "udp_$1" "$2" "${v% *}"
	rec "udp_$1_loss" "$2" "${v#* }"
	say "  $ENGINE run $2: UDP $1 $(round "${v% *}" 0) Mbit/s, loss $(round "${v#* }" 1) %"
}

# m_rr RUN: rr client, RR_N round trips.
m_rr() {
	local out=$TMP/rr.$P.$1 rc=0 p50 p99
	if ! engine_alive rr; then
		rec rr_p50 "$1" err
		rec rr_p99 "$1" err
		return 0
	fi
	gstart "$out" 120 "$RR" client "$DST" "$RPORT" "$RR_N"
	gwait || rc=$?
	p50=$(sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' "$out")
	p99=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' "$out")
	if [ "$rc" != 0 ] || [ -z "$p50" ] || [ -z "$p99" ]; then
		note "rr run $1: $(why "$out" "$rc")"
		p50=err p99=err
	fi
	rec rr_p50 "$1" "$p50"
	rec rr_p99 "$1" "$p99"
	say "  $ENGINE run $1: RR p50 $p50 us, p99 $p99 us"
}

# m_crr RUN: rr crr for T_CRR seconds.
m_crr() {
	local out=$TMP/crr.$P.$1 rc=0 v
	if ! engine_alive crr; then
		rec crr "$1" err
		return 0
	fi
	gstart "$out" $((T_CRR + 30)) "$RR" crr "$DST" "$RPORT" "$T_CRR" "$CRR_MODE"
	gwait || rc=$?
	v=$(sed -n 's/.*conn_per_s=\([0-9.]*\).*/\1/p' "$out")
	# A rate with failed connections is still the rate the guest got; the
	# note says what failed. No rate at all (gave up, timed out) is err.
	if [ -z "$v" ]; then
		note "crr run $1: $(why "$out" "$rc")"
		v=err
	elif [ -s "$out.err" ]; then
		note "crr run $1: $(sed -n 's/.*\(conns=.*\)/\1/p' "$out"): $(tail -n 1 "$out.err")"
	fi
	rec crr "$1" "$v"
	say "  $ENGINE run $1: CRR $v conn/s"
}

# m_hold: the guest opens HOLD_N connections and keeps them; the engine's
# RSS once they are all up. Run on a fresh engine after all other metrics:
# after a UDP flood some engines keep hundreds of MiB, and one that cannot
# cope with thousands of connections (slirp4netns stalls and then spins)
# would spoil every run after it.
m_hold() {
	local out=$TMP/hold.$P i v=err
	if ! engine_alive hold; then
		rec rss_hold 1 err
		return 0
	fi
	gstart "$out" 300 "$RR" hold "$DST" "$RPORT" "$HOLD_N" 240
	for ((i = 0; i < 1200; i++)); do
		grep -q '^held=' "$out" && break
		tg_own_child "$GPID" || break
		sleep 0.1
	done
	if grep -q '^held=' "$out"; then
		nap 0.5
		v=$(mib "$EPID" VmRSS) || v=err
		say "  $ENGINE: $HOLD_N connections held ($(sed -n 's/.*secs=\([0-9.]*\).*/\1/p' "$out") s to open), RSS $v MiB"
		tg_stop_pid "$GPID" 5 || true
	else
		tg_stop_pid "$GPID" 5 || true
		note "hold $HOLD_N connections: $(sed -n 's/^failed_at=/failed at connection /p' "$out")" \
			"$(grep -v '^$' "$out.err" | tail -n 1 ||
				echo "stalled after $(sed -n 's/^opened=//p' "$out" | tail -n 1) connections for 120 s")"
	fi
	rec rss_hold 1 "$v"
}

# ---------------------------------------------------------------- one engine

# bench_engine TABLE ENGINE MTU INDEX
bench_engine() {
	local r v
	TABLE=$1 ENGINE=$2 ENGINE_DEAD=0
	say "== $ENGINE, guest MTU $3 (prefix of this round: $TG_BASE${TG_ROUND_LETTERS:TG_ROUND:1})"
	"setup_$ENGINE" "$3"
	start_servers "$4"
	say "  guest $GUESTNS reaches the servers at $DST (iperf3 port $IPORT, rr port $RPORT)"
	if [ -n "$EPID" ]; then
		nap 0.5
		v=$(mib "$EPID" VmRSS) || v=err
		rec rss_idle 1 "$v"
	else
		rec rss_hold 1 -
		rec rss_idle 1 -
		rec rss_peak 1 -
		rec cpu 1 -
		rec cpu_gbit 1 -
	fi
	[ -z "$APID" ] && rec cpu_aux 1 -
	for ((r = 1; r <= RUNS; r++)); do
		m_tcp g2h 1 "$r"
		m_tcp g2h 4 "$r"
		m_tcp h2g 1 "$r"
		m_tcp h2g 4 "$r"
		m_rr "$r"
	done
	for ((r = 1; r <= RUNS; r++)); do
		m_udp g2h "$r"
		m_udp h2g "$r"
	done
	for ((r = 1; r <= RUNS; r++)); do
		m_crr "$r"
	done
	if [ -n "$EPID" ]; then
		if engine_alive "the end"; then
			v=$(mib "$EPID" VmHWM) || v=err
		else
			v=err
		fi
		rec rss_peak 1 "$v"
		say "  $ENGINE: a fresh one for the held connections"
		"setup_$ENGINE" "$3"
		start_servers "$4"
		nap 0.5
		m_hold
	fi
	bench_clear
}

# ---------------------------------------------------------------- the run

TABLES_DONE=0

print_tables() {
	local partial=$1
	[ -s "$RESULTS" ] || return 0
	export BENCH_CRR_MODE=$CRR_MODE BENCH_HOLD_N=$HOLD_N # for the legend
	echo
	"$TG_PY" "$REPORT" table "$RESULTS" "$NOTES" main \
		"Guest MTU 1500, host servers on 127.0.0.1$partial" || true
	for m in $MTUS; do
		[ "$MTU_TABLE" = 1 ] && grep -q "^mtu$m	" "$RESULTS" || continue
		echo
		"$TG_PY" "$REPORT" table "$RESULTS" "$NOTES" "mtu$m" \
			"Guest MTU $m$partial" || true
	done
}

# plot_tables: one picture per table that has results.
plot_tables() {
	local t
	mkdir -p "$PLOT_DIR"
	cp "$RESULTS" "$PLOT_DIR/results.tsv" # to draw again: report.py plot
	[ "${BENCH_PLOT:-1}" = 1 ] || return 0
	for t in main $(for m in $MTUS; do echo "mtu$m"; done); do
		grep -q "^$t	" "$RESULTS" || continue
		"$TG_PY" "$REPORT" plot "$RESULTS" "$t" "$PLOT_DIR/$t.png" \
			"$(hostname), $(date -u +%F), load $(cut -d' ' -f1 /proc/loadavg)" &&
			echo "picture: $PLOT_DIR/$t.png" || true
	done
}

# On an early exit (failure, Ctrl-C) the table of what was measured so far,
# then lib.sh's cleanup.
bench_exit() {
	local rc=$?
	set +eE
	trap - ERR
	if [ "$TABLES_DONE" = 0 ] && [ -s "${RESULTS:-}" ]; then
		print_tables " (INCOMPLETE: stopped early, status $rc)"
	fi
	(exit "$rc")
	tg_cleanup
	exit "$rc"
}
trap bench_exit EXIT

MTU_TABLE=${BENCH_MTU_TABLE:-0}
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
start_s=$(date +%s)
echo "tapgate bench on $(hostname): $(nproc) CPUs, ${cpu_model:-unknown CPU}," \
	"kernel $(uname -r), $(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*$/\1/p' /etc/os-release)"
echo "tapgate $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
	"slirp4netns $(slirp4netns --version | awk 'NR == 1 { print $3 }')," \
	"pasta (passt) $(dpkg-query -W -f='${Version}' passt 2>/dev/null || echo '?')," \
	"iperf3 $(iperf3 --version | awk 'NR == 1 { print $2 }')"
echo "$RUNS run(s) per metric; TCP ${T_TCP} s, UDP ${T_UDP} s, CRR ${T_CRR} s ($CRR_MODE), RR $RR_N round trips;" \
	"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# busy_pct: how busy the CPUs are, over one second (from /proc/stat).
busy_pct() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep 1
	b=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$a" "$b" | awk '{ idle[NR] = $5 + $6; t = 0
		for (i = 2; i <= NF; i++) t += $i; tot[NR] = t }
		END { d = tot[2] - tot[1]; printf "%.0f", (d > 0 ? 100 * (1 - (idle[2] - idle[1]) / d) : 0) }'
}
busy=$(busy_pct)
if [ "$busy" -gt 10 ]; then
	echo "warning: the CPUs were ${busy} % busy before the bench started (other processes): expect noisy numbers"
fi

i=0
for e in "${ALL_ENGINES[@]}"; do
	i=$((i + 1))
	[[ " $ENGINES " == *" $e "* ]] || continue
	bench_engine main "$e" 1500 "$i"
done
if [ "$MTU_TABLE" = 1 ]; then
	base=10
	for m in $MTUS; do
		[[ $m =~ ^[0-9]+$ ]] && [ "$m" -ge 1280 ] && [ "$m" -le 65520 ] ||
			tg_fail "BENCH_MTUS: $m is not an MTU from 1280 to 65520"
		i=$base
		for e in kernel slirp4netns pasta tapgate-veth tapgate-tap-vnet; do
			i=$((i + 1))
			[[ " $ENGINES " == *" $e "* ]] || continue
			bench_engine "mtu$m" "$e" "$m" "$i"
		done
		base=$((base + 10))
	done
fi

print_tables ""
TABLES_DONE=1
plot_tables
echo
echo "runtime $(($(date +%s) - start_s)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
