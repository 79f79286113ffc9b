# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034 # the variables are for the tests
#
# lib.sh - the helper library every tests/integration/test_*.sh sources.
#
# A test calls tg_init NAME first: that picks a unique, fixed-width name
# prefix $P for everything the test creates (namespaces, veth and tap
# devices, pinned BPF paths), makes $TMP, and arms an EXIT trap that kills
# every process the test started (by PID), removes every namespace and device
# carrying the prefix, turns XDP off on host devices still present, removes
# stale pins and $TMP - also when the test fails or is interrupted. Two tests
# can run at once: the prefix is built from the shell's PID.
#
# Guest side: tg_guest_veth or tg_guest_tap make a namespace ${P}g whose eth0
# is configured as a tapgate guest (100.96.0.2/30, MAC 02:6d:73:00:00:02,
# default route via the gateway 100.96.0.1, IPv6 off) behind a veth pair or
# a pair of taps joined by build/tests/tapshuttle (a VMM stand-in); $HOSTDEV
# is the host-side device tapgate serves. With TG_TAP_VNET=1 the taps carry
# a virtio-net header and have their offloads on (tapshuttle --vnet), so the
# guest sends TSO/GSO super-frames as a VM behind qemu does. The gateway
# stands for the host:
# with `--allow host`, TCP from the guest to 100.96.0.1:PORT reaches the
# host's 127.0.0.1:PORT. All traffic stays on this machine.
#
# tg_round MODE (veth|tap) starts a fresh prefix and guest for one pass of a
# test that runs once per mode; tg_modes lists the modes (TG_MODES="veth"
# narrows it). Set TG_KEEP=1 to keep $TMP (logs) after the test, and
# TG_BIN=/path/to/tapgate to test another binary than build/tapgate.

TG_GUEST_IP=100.96.0.2
TG_GUEST_CIDR=100.96.0.2/30
TG_GW_IP=100.96.0.1
TG_GUEST_MAC=02:6d:73:00:00:02
TG_GW_MAC=02:6d:73:00:00:01
TG_GUEST_IP6=fd42:6d73:62::2
TG_GW_IP6=fd42:6d73:62::1
TG_GW_LL6=fe80::6d:73ff:fe00:1   # the gateway's link-local (from its MAC)
TG_PY=/usr/bin/python3           # Debian's: the python3 on PATH is another
TG_READY_TIMEOUT=10              # seconds tapgate may take to say "ready"
TG_ROUND_LETTERS=abcdefghijklmnopqrstuvwxyz

# ---------------------------------------------------------------- results

# tg_fail MSG: report a failure (with the tail of tapgate's log) and exit 1.
# Writes to stderr, so that a failure inside $(...) is still seen, and
# leaves a mark so that the ERR trap does not report the same failure again.
tg_fail() {
	[ -n "${TMP:-}" ] && [ -d "$TMP" ] && : >"$TMP/.failed"
	{
		echo "FAIL: ${TG_NAME:-test}: $*"
		if [ -n "${TG_LOG:-}" ] && [ -s "$TG_LOG" ]; then
			echo "--- last lines of $(basename "$TG_LOG") ---"
			tail -n 25 "$TG_LOG" | sed 's/^/  | /'
		fi
	} >&2
	exit 1
}

# tg_pass MSG: report one passed check.
tg_pass() {
	echo "PASS: $*"
}

# tg_skip MSG: the test cannot run here; exit 77 (counted as skipped).
tg_skip() {
	echo "SKIP: ${TG_NAME:-test}: $*"
	exit 77
}

# tg_expect_eq A B MSG: pass if A equals B, else fail showing both.
tg_expect_eq() {
	if [ "$1" = "$2" ]; then
		tg_pass "$3"
	else
		tg_fail "$3: got '$1', expected '$2'"
	fi
}

# tg_note MSG: an informational line.
tg_note() {
	echo "  .. $*"
}

# ---------------------------------------------------------------- setup

# tg_init NAME: set P, ROOT, TG, TMP; arm the cleanup trap; check privileges.
tg_init() {
	TG_NAME=${1:?usage: tg_init NAME}
	set -eEuo pipefail
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	TG=${TG_BIN:-$ROOT/build/tapgate}
	TG_SHUTTLE=$ROOT/build/tests/tapshuttle
	TG_HELPERS=$ROOT/tests/helpers
	# Fixed width (t + 7 digits of our PID): no other live test's prefix
	# can start with ours, so prefix sweeps never touch a neighbour.
	TG_BASE=$(printf 't%07d' "$$")
	TG_ROUND=0
	P=${TG_BASE}a
	TG_PIDS=()
	TG_RUNS=0
	TG_LOG=
	TMP=$(mktemp -d "/tmp/tg-$TG_NAME.XXXXXX")
	trap tg_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'tg_on_err $LINENO "$BASH_COMMAND" $?' ERR
	[ "$(id -u)" = 0 ] || tg_skip "needs root (namespaces, XDP)"
	tg_need_bpffs
	export P ROOT TG TMP
}

# tg_on_err LINE COMMAND STATUS: the ERR trap: an unchecked command failed.
tg_on_err() {
	[ -e "$TMP/.failed" ] && exit 1
	tg_fail "line $1: \"$2\" exited $3"
}

# tg_need_bpffs: mount bpffs on /sys/fs/bpf when it is not there.
tg_need_bpffs() {
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mount -t bpf bpf /sys/fs/bpf || tg_fail "cannot mount bpffs on /sys/fs/bpf"
	fi
}

# tg_bg CMD...: start CMD in the background and track it; sets BGPID.
# Redirections given to tg_bg apply to CMD.
tg_bg() {
	"$@" &
	BGPID=$!
	TG_PIDS+=("$BGPID")
}

# tg_own_child PID: true if PID is alive (not a zombie) and a child of this
# shell, so that a recycled PID is never signalled.
tg_own_child() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split "state ppid ..." into fields
	set -- $stat
	[ "$1" != Z ] && [ "$2" = "$$" ]
}

# tg_ticks PID: utime + stime of PID in clock ticks (fails if it is gone).
tg_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086 # fields: state ppid ... utime(12) stime(13)
	set -- $s
	echo $((${12} + ${13}))
}

# tg_stop_pid PID [SECONDS]: SIGTERM one of our children, SIGKILL after
# SECONDS (default 5), reap it. Returns its exit status.
tg_stop_pid() {
	local pid=$1 t=${2:-5} i
	if tg_own_child "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < t * 10; i++)); do
			tg_own_child "$pid" || break
			sleep 0.1
		done
		if tg_own_child "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
	fi
	wait "$pid" 2>/dev/null
}

# tg_kill_all: stop every process this test started.
tg_kill_all() {
	local pid
	for pid in "${TG_PIDS[@]}" $(jobs -p); do
		# The child may exit between the check and the signal.
		if tg_own_child "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
	done
	for pid in "${TG_PIDS[@]}" $(jobs -p); do
		tg_stop_pid "$pid" 3 || true
	done
	TG_PIDS=()
}

# tg_our_links: host devices whose name carries this test's prefix.
tg_our_links() {
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep "^$TG_BASE" || true
}

# tg_our_netns: namespaces whose name carries this test's prefix.
tg_our_netns() {
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$TG_BASE" || true
}

# tg_teardown: remove everything of the current and earlier rounds but $TMP.
# Idempotent; never fails.
tg_teardown() {
	local dev ns
	[ -n "${TG_BASE:-}" ] || return 0
	# tapgate first, so that it detaches from a tap the shuttle still holds.
	[ -n "${TGPID:-}" ] && tg_stop_pid "$TGPID" 5
	tg_kill_all
	# A test's own undo (TG_AT_EXIT: a command), pass or fail.
	[ -n "${TG_AT_EXIT:-}" ] && $TG_AT_EXIT
	for dev in $(tg_our_links); do
		ip link set dev "$dev" xdp off 2>/dev/null
		ip link set dev "$dev" xdpgeneric off 2>/dev/null
		ip link del dev "$dev" 2>/dev/null
	done
	for ns in $(tg_our_netns); do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf /sys/fs/bpf/tapgate/"$TG_BASE"* 2>/dev/null
	# A killed daemon cannot remove its lock file and control socket.
	rm -f /run/tapgate/"$TG_BASE"* 2>/dev/null
	return 0
}

# tg_cleanup: the EXIT trap. Idempotent; never fails; keeps the exit status.
tg_cleanup() {
	local rc=$?
	set +eE
	trap - ERR
	tg_teardown
	if [ -n "${TMP:-}" ] && [ -d "$TMP" ]; then
		if [ "${TG_KEEP:-0}" = 1 ]; then
			echo "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	return "$rc"
}

# ---------------------------------------------------------------- guests

# tg_modes: the guest attachments a test runs over (TG_MODES overrides).
tg_modes() {
	echo "${TG_MODES:-veth tap}"
}

# tg_round MODE: tear down the previous round, take the next prefix, and
# set up a guest behind MODE (veth or tap).
tg_round() {
	tg_teardown
	P=$TG_BASE${TG_ROUND_LETTERS:TG_ROUND:1}
	TG_ROUND=$((TG_ROUND + 1))
	TG_LOG=
	echo "=== $TG_NAME: $1 (prefix $P)"
	case "$1" in
	veth) tg_guest_veth ;;
	tap) tg_guest_tap ;;
	*) tg_fail "unknown mode '$1'" ;;
	esac
}

# tg_netns_add NS: a namespace with IPv6 off (no RS/DAD chatter) and lo up.
tg_netns_add() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set dev lo up
}

# tg_guest_netns: create the guest namespace ${P}g with IPv6 off.
tg_guest_netns() {
	GUESTNS=${P}g
	tg_netns_add "$GUESTNS"
	export GUESTNS
}

# tg_guest_config: give the guest's eth0 the sandbox's addresses.
tg_guest_config() {
	ip -n "$GUESTNS" link set dev eth0 address "$TG_GUEST_MAC" mtu 1500
	ip netns exec "$GUESTNS" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$GUESTNS" addr add "$TG_GUEST_CIDR" dev eth0
	ip -n "$GUESTNS" link set dev eth0 up
	ip -n "$GUESTNS" route add default via "$TG_GW_IP"
}

# tg_ns_ipv6_on NS DEV...: IPv6 back on in NS (tg_netns_add turned it
# off) for lo and each DEV, without DAD (addresses usable at once).
tg_ns_ipv6_on() {
	local ns=$1 d
	shift
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.lo.disable_ipv6=0
	for d in "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=0" \
			"net.ipv6.conf.$d.accept_dad=0"
	done
}

# tg_guest_ipv6 [ra]: IPv6 on the guest's eth0. Without an argument the
# static address $TG_GUEST_IP6/64 and a default route via $TG_GW_IP6 (RAs
# ignored); with "ra" no address and no route: the guest takes both from
# tapgate's Router Advertisements.
tg_guest_ipv6() {
	tg_ns_ipv6_on "$GUESTNS" eth0
	if [ "${1:-}" = ra ]; then
		tg_gexec sysctl -qw net.ipv6.conf.eth0.accept_ra=2 net.ipv6.conf.eth0.autoconf=1
		return 0
	fi
	tg_gexec sysctl -qw net.ipv6.conf.eth0.accept_ra=0
	ip -n "$GUESTNS" addr add "$TG_GUEST_IP6/64" dev eth0 nodad
	ip -n "$GUESTNS" -6 route add default via "$TG_GW_IP6" dev eth0
}

# tg_host_ns_ipv6: IPv6 in the namespaces of tg_host_ns too: ::1 in both,
# 2001:db8:1::1/64 on the H side and 2001:db8:1::2/64 on the T side (no
# default route either).
tg_host_ns_ipv6() {
	tg_ns_ipv6_on "$HOSTNS" "${P}x"
	tg_ns_ipv6_on "$TARGETNS" "${P}y"
	ip -n "$HOSTNS" addr add 2001:db8:1::1/64 dev "${P}x" nodad
	ip -n "$TARGETNS" addr add 2001:db8:1::2/64 dev "${P}y" nodad
}

# tg_host_dev_quiet DEV: no IPv6 (and so no RS/DAD chatter) on a host device.
tg_host_dev_quiet() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null || true
}

# tg_guest_veth: guest behind a veth pair; HOSTDEV=${P}h.
tg_guest_veth() {
	tg_guest_netns
	ip link add "${P}h" type veth peer name "${P}v"
	tg_host_dev_quiet "${P}h"
	ip link set dev "${P}v" netns "$GUESTNS"
	ip -n "$GUESTNS" link set dev "${P}v" name eth0
	tg_guest_config
	ip link set dev "${P}h" up
	HOSTDEV=${P}h
	export HOSTDEV
}

# tg_guest_tap: guest behind taps joined by tapshuttle; HOSTDEV=${P}t.
# TG_TAP_VNET=1: with virtio-net headers and offloads (tapshuttle --vnet).
# TG_TAP_QUEUES=N: the host tap has N queues, the guest's flows spread over
# them (tapshuttle --queues N); its counters go to $TMP/shuttle.$P.err at
# exit.
tg_guest_tap() {
	local out=$TMP/shuttle.$P.out i
	[ -x "$TG_SHUTTLE" ] ||
		tg_fail "$TG_SHUTTLE is missing: run 'make build/tests/tapshuttle'"
	local opts=()
	[ "${TG_TAP_VNET:-0}" = 1 ] && opts+=(--vnet)
	[ "${TG_TAP_QUEUES:-1}" != 1 ] && opts+=(--queues "$TG_TAP_QUEUES")
	tg_guest_netns
	tg_bg "$TG_SHUTTLE" "${opts[@]}" "${P}t" "$GUESTNS" eth0 >"$out" 2>"$TMP/shuttle.$P.err"
	TG_SHUTTLE_PID=$BGPID
	for ((i = 0; i < 50; i++)); do
		grep -qx ready "$out" 2>/dev/null && break
		tg_own_child "$TG_SHUTTLE_PID" ||
			tg_fail "tapshuttle exited: $(cat "$TMP/shuttle.$P.err")"
		sleep 0.1
	done
	grep -qx ready "$out" || tg_fail "tapshuttle not ready within 5 s"
	tg_host_dev_quiet "${P}t"
	tg_guest_config
	HOSTDEV=${P}t
	export HOSTDEV
}

# tg_gexec CMD...: run CMD inside the guest namespace.
tg_gexec() {
	ip netns exec "$GUESTNS" "$@"
}

# ---------------------------------------------------------------- tapgate

# tg_start_tapgate [ARGS...]: run `tapgate run --dev $HOSTDEV ARGS...` in the
# background (log in $TG_LOG) and wait for "tapgate: ready on $HOSTDEV".
tg_start_tapgate() {
	local i
	[ -x "$TG" ] || tg_fail "$TG is not built (make build/tapgate)"
	TG_RUNS=$((TG_RUNS + 1))
	TG_LOG=$TMP/tapgate.$P.$TG_RUNS.log
	# Without --dns tapgate would forward the guest's DNS to the machine's
	# resolvers; a test never sends anything off the machine, so it gets a
	# dead port on loopback instead (queries get SERVFAIL).
	# TG_NO_DNS=1: no --dns at all (the test gives /etc/resolv.conf).
	case " $* " in *" --dns "*) ;; *) [ "${TG_NO_DNS:-0}" = 1 ] || set -- "$@" --dns 127.0.0.1:9 ;; esac
	# tests/run.sh's memory cgroup for the daemons, when it made one:
	# joined, then exec (the same pid, every allocation charged there).
	local memcg=()
	[ -n "${TG_MEMCG_DIR:-}" ] &&
		memcg=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$TG_MEMCG_DIR")
	tg_bg "${memcg[@]}" "$TG" run --dev "$HOSTDEV" "$@" >"$TG_LOG" 2>&1 </dev/null
	TGPID=$BGPID
	for ((i = 0; i < TG_READY_TIMEOUT * 10; i++)); do
		if grep -qF "tapgate: ready on $HOSTDEV" "$TG_LOG"; then
			tg_note "tapgate pid $TGPID ready on $HOSTDEV ($*)"
			return 0
		fi
		if ! tg_own_child "$TGPID"; then
			wait "$TGPID" && i=0 || i=$?
			tg_fail "tapgate exited (status $i) before it was ready"
		fi
		sleep 0.1
	done
	tg_fail "tapgate did not print 'tapgate: ready on $HOSTDEV' within ${TG_READY_TIMEOUT} s"
}

# tg_second_guest MAC CIDR GW [IP6/64]: a second sandbox beside the first
# of tg_host_ns: namespace ${P}G (sets G2) with eth0 = MAC, CIDR, a default
# route via GW and, if given, the static IPv6 address IP6/64 (RAs ignored),
# its veth peer ${P}b up in $HOSTNS (IPv6 off there: no chatter).
tg_second_guest() {
	G2=${P}G
	tg_netns_add "$G2"
	ip link add "${P}b" netns "$HOSTNS" type veth peer name eth0 netns "$G2"
	ip -n "$G2" link set dev eth0 address "$1"
	if [ -n "${4:-}" ]; then
		tg_ns_ipv6_on "$G2" eth0
		ip netns exec "$G2" sysctl -qw net.ipv6.conf.eth0.accept_ra=0
		ip -n "$G2" addr add "$4" dev eth0 nodad
	fi
	ip -n "$G2" addr add "$2" dev eth0
	ip -n "$G2" link set dev eth0 up
	ip -n "$G2" route add default via "$3"
	ip netns exec "$HOSTNS" sysctl -qw "net.ipv6.conf.${P}b.disable_ipv6=1" 2>/dev/null || true
	ip -n "$HOSTNS" link set dev "${P}b" up
}

# tg_start_second DEV ARGS...: a second sandbox's `tapgate run --dev DEV
# ARGS --dns 127.0.0.1:9` beside the one of tg_start_tapgate (which keeps
# TGPID); waits until it is ready. Sets TGPID2; its log is
# $TMP/tapgate2.DEV.log. Stop it with tg_stop_pid "$TGPID2".
tg_start_second() {
	local dev=$1 log=$TMP/tapgate2.$1.log i
	shift
	tg_bg "$TG" run --dev "$dev" "$@" --dns 127.0.0.1:9 >"$log" 2>&1 </dev/null
	TGPID2=$BGPID
	for ((i = 0; i < 100; i++)); do
		grep -q "ready on $dev" "$log" && return 0
		tg_own_child "$TGPID2" || tg_fail "the second tapgate (on $dev) exited: $(cat "$log")"
		sleep 0.1
	done
	tg_fail "the second tapgate (on $dev) was not ready in 10 s"
}

# tg_xdp_attached DEV: true if an XDP program is attached to DEV (false
# when this namespace has no DEV, without tripping the ERR trap in $(...)).
tg_xdp_attached() {
	[ -e "/sys/class/net/$1" ] || return 1
	grep -q 'prog/xdp' <<<"$(ip link show dev "$1" 2>/dev/null)"
}

# tg_pin_dir: where tapgate pins the maps of $HOSTDEV.
tg_pin_dir() {
	echo "/sys/fs/bpf/tapgate/$HOSTDEV"
}

# tg_stop_tapgate: SIGTERM tapgate and check the clean exit: status 0 within
# 5 s, XDP detached from $HOSTDEV, pins removed.
tg_stop_tapgate() {
	local rc=0 i
	kill -TERM "$TGPID" 2>/dev/null || tg_fail "tapgate (pid $TGPID) was not running"
	for ((i = 0; i < 50; i++)); do
		tg_own_child "$TGPID" || break
		sleep 0.1
	done
	tg_own_child "$TGPID" && tg_fail "tapgate still running 5 s after SIGTERM"
	wait "$TGPID" || rc=$?
	tg_expect_eq "$rc" 0 "tapgate exits 0 on SIGTERM"
	tg_xdp_attached "$HOSTDEV" && tg_fail "XDP program still attached to $HOSTDEV after exit"
	[ -e "$(tg_pin_dir)" ] && tg_fail "pins left in $(tg_pin_dir) after exit"
	tg_pass "tapgate detached and removed its pins"
}

# tg_verdict_index NAME: the value of TG_V_NAME in include/steer.h (numbers
# pass through), so no test spells the enum order a second time.
tg_verdict_index() {
	case "$1" in
	[0-9]*)
		echo "$1"
		return 0
		;;
	esac
	awk -v want="$1" '
		/enum tg_verdict[ \t]*\{/ { on = 1; n = 0; next }
		on && /^[ \t]*\}/ { exit }
		on && match($0, /^[ \t]*TG_V_[A-Z0-9_]+/) {
			name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name)
			rest = substr($0, RSTART + RLENGTH)
			if (rest ~ /^[ \t]*=/ && rest !~ /^[ \t]*=[ \t]*0[ \t]*,/) { bad = 1; exit }
			if (name == want) { print n; found = 1; exit }
			n++
		}
		END { exit (found && !bad) ? 0 : 1 }' "$ROOT/include/steer.h" ||
		tg_fail "verdict $1 not found in include/steer.h (or not sequential)"
}

# tg_bpf_counter VERDICT [packets|bytes]: the XDP per-verdict counter summed
# over CPUs, from the pinned tg_counters map. VERDICT is an index or a name
# from enum tg_verdict (TG_V_DROP_SPOOF_IP...).
tg_bpf_counter() {
	local idx field=${2:-packets} map
	idx=$(tg_verdict_index "$1")
	map=$(tg_pin_dir)/tg_counters
	[ -e "$map" ] || tg_fail "no pinned counters map at $map"
	bpftool -j map dump pinned "$map" | "$TG_PY" -c '
import json, sys
idx, field = int(sys.argv[1]), sys.argv[2]
off = 0 if field == "packets" else 8
total = 0
for e in json.load(sys.stdin):
    key = int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little")
    if key != idx:
        continue
    for v in e["values"]:
        raw = bytes(int(b, 16) for b in v["value"])
        total += int.from_bytes(raw[off:off + 8], "little")
print(total)' "$idx" "$field"
}

# tg_stats_json: `tapgate stats $HOSTDEV --json`.
tg_stats_json() {
	"$TG" stats "$HOSTDEV" --json
}

# tg_dev_rx DEV: frames the host device took in (rx_packets + rx_dropped).
tg_dev_rx() {
	local s=/sys/class/net/$1/statistics
	echo $(($(cat "$s/rx_packets") + $(cat "$s/rx_dropped")))
}

# ---------------------------------------------------------------- host side

# tg_free_port: print a TCP port free on 127.0.0.1 right now.
tg_free_port() {
	"$TG_PY" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# tg_wait_port_file FILE PID WHAT: wait (<= 10 s) for a helper to publish its
# port in FILE; print the port.
tg_wait_port_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [ -s "$1" ]; then
			cat "$1"
			return 0
		fi
		tg_own_child "$2" || tg_fail "$3 exited before listening"
		sleep 0.1
	done
	tg_fail "$3 did not listen within 10 s"
}

# tg_http_server DIR: serve DIR on 127.0.0.1 (GET files; PUT/POST answer the
# body's sha256); sets HTTP_PORT and HTTP_LOG.
tg_http_server() {
	local pf=$TMP/httpd.$P.port
	HTTP_LOG=$TMP/httpd.$P.log
	rm -f "$pf"
	tg_bg "$TG_PY" "$TG_HELPERS/httpd.py" "$1" "$pf" >"$HTTP_LOG" 2>&1
	HTTP_PORT=$(tg_wait_port_file "$pf" "$BGPID" "httpd.py")
	export HTTP_PORT
}

# tg_guest_http_server DIR: httpd.py in the guest namespace on 0.0.0.0 (a
# server behind a published port); sets GPORT.
tg_guest_http_server() {
	local pf=$TMP/ghttpd.$P.port
	rm -f "$pf"
	tg_bg ip netns exec "$GUESTNS" env TG_LISTEN=0.0.0.0 "$TG_PY" "$TG_HELPERS/httpd.py" \
		"$1" "$pf" >"$TMP/ghttpd.$P.log" 2>&1
	GPORT=$(tg_wait_port_file "$pf" "$BGPID" "httpd.py in the guest")
}

# tg_tcp_server MODE: start tcptool.py serve-MODE on 127.0.0.1; sets TCP_PORT.
tg_tcp_server() {
	local pf=$TMP/tcp-$1.$P.port
	rm -f "$pf"
	tg_bg "$TG_PY" "$TG_HELPERS/tcptool.py" "serve-$1" "$pf" >"$TMP/tcp-$1.$P.log" 2>&1
	TCP_PORT=$(tg_wait_port_file "$pf" "$BGPID" "tcptool.py serve-$1")
}

# tg_make_file PATH MIB: a file of MIB MiB of random bytes.
tg_make_file() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1"
}

# tg_make_file_kib PATH KIB: a file of KIB KiB of random bytes.
tg_make_file_kib() {
	head -c "$(($2 * 1024))" /dev/urandom >"$1"
}

# tg_sha FILE: the sha256 hex of FILE.
tg_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# tg_now_ms: a monotonic-enough clock in milliseconds.
tg_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# tg_gw_url PATH: the URL of the host's HTTP server as the guest sees it.
tg_gw_url() {
	echo "http://$TG_GW_IP:$HTTP_PORT/$1"
}

# tg_gcurl ARGS...: curl inside the guest, with timeouts that make a broken
# data path fail fast: 5 s to connect, 30 s overall unless ARGS override it.
tg_gcurl() {
	tg_gexec curl -sS --connect-timeout 5 --max-time 30 "$@"
}

# ---------------------------------------------------------------- UDP, DNS, ICMP

# tg_gwait OUT CMD...: run CMD inside the guest in the background, its output
# in OUT, and wait for it; return its status. Unlike a foreground command,
# the wait is cut short by SIGINT/SIGTERM, whose trap then kills CMD: use it
# for guest commands that run long. Not inside $(...) (the child would
# belong to the subshell and escape the cleanup).
tg_gwait() {
	local out=$1 rc=0
	shift
	tg_bg ip netns exec "$GUESTNS" "$@" >"$out" 2>&1 </dev/null
	wait "$BGPID" || rc=$?
	return "$rc"
}

# tg_stats_save FILE: a snapshot of `tapgate stats $HOSTDEV --json` in FILE.
tg_stats_save() {
	tg_stats_json >"$1" || tg_fail "tapgate stats $HOSTDEV --json failed"
}

# tg_conns_open: the daemon's open-connection gauge, live.
tg_conns_open() {
	tg_stats_json | "$TG_PY" -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["conns_open"])'
}

# tg_rss_kib [PID]: the resident memory of PID (default: the daemon), KiB.
tg_rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/${1:-$TGPID}/status"
}

# tg_fds [PID]: how many descriptors PID (default: the daemon) has open.
tg_fds() {
	local fds=(/proc/"${1:-$TGPID}"/fd/*)
	echo "${#fds[@]}"
}

# tg_stat_of FILE KEY: one number from a saved snapshot. KEY is
# daemon.FIELD, xdp.VERDICT (its packets), xdp.VERDICT.bytes or
# slot_drops.REASON. Fails, naming KEY and what is there, when it is missing.
tg_stat_of() {
	local out
	out=$("$TG_PY" -c '
import json, sys
path = sys.argv[2].split(".")
if path[0] == "xdp" and len(path) == 2:
    path.append("packets")
v, where = json.load(open(sys.argv[1])), "the top level"
for k in path:
    if not isinstance(v, dict) or k not in v:
        have = ", ".join(v) if isinstance(v, dict) else repr(v)
        sys.exit("no %s in %s, which has: %s" % (k, where, have))
    v, where = v[k], k
if not isinstance(v, int):
    sys.exit("%s is %r, not a number" % (sys.argv[2], v))
print(v)' "$1" "$2" 2>&1) || tg_fail "tapgate stats --json: no number '$2': $out"
	echo "$out"
}

# tg_stat_delta KEY [BEFORE AFTER]: how much counter KEY grew from snapshot
# BEFORE to AFTER (default: $TMP/s0.json and $TMP/s1.json).
tg_stat_delta() {
	local a b
	a=$(tg_stat_of "${2:-$TMP/s0.json}" "$1")
	b=$(tg_stat_of "${3:-$TMP/s1.json}" "$1")
	echo $((b - a))
}

# tg_stat_grew KEY N MSG: pass if counter KEY grew by at least N from
# $TMP/s0.json to $TMP/s1.json, else fail saying by how much it did.
tg_stat_grew() {
	local d
	d=$(tg_stat_delta "$1")
	[ "$d" -ge "$2" ] || tg_fail "$3: $1 grew by $d, want >= $2"
	tg_pass "$3 ($1 +$d)"
}

# tg_stat KEY: one number from `tapgate stats $HOSTDEV --json` now.
tg_stat() {
	local f
	f=$(mktemp "$TMP/stats.XXXXXX")
	tg_stats_save "$f"
	tg_stat_of "$f" "$1"
	rm -f "$f"
}

# tg_dnsmasq ARGS...: a DNS server for the tests: dnsmasq on 127.0.0.1 on a
# free port, serving only what ARGS give (--address=/name/ip, --host-record,
# --txt-record...): no upstream (--no-resolv), no /etc/hosts, no config
# file, no DHCP; anything else is REFUSED. Sets DNS_PORT, DNS_PID and
# DNS_LOG (every query is logged there).
tg_dnsmasq() {
	local try i ns=()
	command -v dnsmasq >/dev/null || tg_fail "dnsmasq is missing (make deps: dnsmasq-base)"
	# TG_DNS_NETNS=NS: on that namespace's loopback (tapgate in tg_host_ns's).
	[ -n "${TG_DNS_NETNS:-}" ] && ns=(ip netns exec "$TG_DNS_NETNS")
	DNS_LOG=$TMP/dnsmasq.$P.log
	for try in 1 2 3; do
		DNS_PORT=$(tg_free_port)
		tg_bg "${ns[@]}" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
			--no-poll --pid-file= --listen-address=127.0.0.1 --bind-interfaces \
			--port="$DNS_PORT" --log-facility=- --log-queries "$@" \
			>"$DNS_LOG" 2>&1 </dev/null
		DNS_PID=$BGPID
		for ((i = 0; i < 50; i++)); do
			tg_own_child "$DNS_PID" || break
			if grep -q '127\.0\.0\.1' <<<"$("${ns[@]}" ss -Hlnu "sport = :$DNS_PORT")" &&
				grep -q '127\.0\.0\.1' <<<"$("${ns[@]}" ss -Hlnt "sport = :$DNS_PORT")"; then
				export DNS_PORT
				return 0
			fi
			sleep 0.1
		done
		tg_own_child "$DNS_PID" && tg_fail "dnsmasq did not listen on 127.0.0.1:$DNS_PORT within 5 s"
		wait "$DNS_PID" || true
		grep -qi "in use" "$DNS_LOG" ||
			tg_fail "dnsmasq exited: $(tail -n 5 "$DNS_LOG")"
	done
	tg_fail "dnsmasq found no free port in 3 tries: $(tail -n 5 "$DNS_LOG")"
}

# tg_udp_echo_server [PORT]: start udptool.py serve-echo on 127.0.0.1:PORT
# (default: a free port); sets UDP_PORT (and UDP_ECHO_PID). Returns 1 when
# the server cannot bind PORT.
tg_udp_echo_server() {
	local port=${1:-0} pf i
	pf=$TMP/udpecho.$P.$port.port
	rm -f "$pf"
	tg_bg "$TG_PY" "$TG_HELPERS/udptool.py" serve-echo "$pf" "$port" \
		>"$TMP/udpecho.$P.$port.log" 2>&1
	UDP_ECHO_PID=$BGPID
	for ((i = 0; i < 100; i++)); do
		if [ -s "$pf" ]; then
			UDP_PORT=$(cat "$pf")
			return 0
		fi
		if ! tg_own_child "$UDP_ECHO_PID"; then
			wait "$UDP_ECHO_PID" || true
			return 1
		fi
		sleep 0.1
	done
	tg_fail "udptool.py serve-echo did not bind within 10 s"
}

# tg_guest_resolv: the guest's resolv.conf names the gateway (tapgate's
# DNS), for commands run with `ip netns exec` (which mounts
# /etc/netns/$GUESTNS/resolv.conf); removed at exit (TG_AT_EXIT).
tg_guest_resolv() {
	mkdir -p "/etc/netns/$GUESTNS"
	echo "nameserver $TG_GW_IP" >"/etc/netns/$GUESTNS/resolv.conf"
	TG_AT_EXIT=tg_guest_resolv_undo
}
tg_guest_resolv_undo() {
	rm -rf "/etc/netns/$GUESTNS"
	rmdir /etc/netns 2>/dev/null || true
}

# tg_pki DIR CA SANS: a test CA DIR/CA.crt (key DIR/CA.key) and a server
# certificate it signed, DIR/CA-leaf.crt and .key, for SANS (a
# subjectAltName list, e.g. DNS:a.test,DNS:b.test); P-256, valid 2 days.
tg_pki() {
	local d=$1 ca=$2
	command -v openssl >/dev/null || tg_fail "openssl is missing (make deps)"
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$ca root" -keyout "$d/$ca.key" -out "$d/$ca.crt" 2>/dev/null ||
		tg_fail "openssl could not make the test CA $ca"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$ca leaf" \
		-keyout "$d/$ca-leaf.key" -out "$d/$ca-leaf.csr" 2>/dev/null &&
		openssl x509 -req -in "$d/$ca-leaf.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
			-CAcreateserial -days 2 -out "$d/$ca-leaf.crt" \
			-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3") \
			2>/dev/null || tg_fail "openssl could not make the $ca leaf"
}

# tg_host_ns: give the host side of the current guest a namespace of its
# own, so that tapgate can relay to destinations that live on this machine:
# the host-side device moves into ${P}H (HOSTNS), which a veth pair ${P}x /
# ${P}y links to a target namespace ${P}T (TARGETNS): 198.51.100.1/24 and
# 10.200.0.1/24 on the H side, 198.51.100.2/24 and 10.200.0.2/24 on the T
# side. Neither has a default route: nothing tapgate relays can leave them.
# Works for veth and tap alike (tapshuttle keeps the tap's fd while the
# device moves). Call right after tg_round.
#
# From then on TG is a wrapper, $TMP/tapgate-in-${P}H, that runs the real
# binary (TG_REAL) under `nsenter --net`: tg_start_tapgate, tg_stats_json
# and the rest work unchanged. nsenter and not `ip netns exec`, which
# mounts a private bpffs per command: the pins of a `tapgate run` made there
# would be invisible to any later command; with nsenter they stay in the
# root's /sys/fs/bpf/tapgate/$HOSTDEV, where tg_teardown sweeps them.
# Stop tapgate with tg_stop_tapgate_hostns (it checks the device in H).
tg_host_ns() {
	local ns
	HOSTNS=${P}H
	TARGETNS=${P}T
	for ns in "$HOSTNS" "$TARGETNS"; do
		tg_netns_add "$ns"
	done
	ip link set dev "$HOSTDEV" netns "$HOSTNS"
	ip -n "$HOSTNS" link set dev "$HOSTDEV" up
	ip link add "${P}x" netns "$HOSTNS" type veth peer name "${P}y" netns "$TARGETNS"
	ip -n "$HOSTNS" addr add 198.51.100.1/24 dev "${P}x"
	ip -n "$HOSTNS" addr add 10.200.0.1/24 dev "${P}x"
	ip -n "$TARGETNS" addr add 198.51.100.2/24 dev "${P}y"
	ip -n "$TARGETNS" addr add 10.200.0.2/24 dev "${P}y"
	ip -n "$HOSTNS" link set dev "${P}x" up
	ip -n "$TARGETNS" link set dev "${P}y" up
	TG_REAL=${TG_REAL:-$TG}
	TG=$TMP/tapgate-in-$HOSTNS
	printf '#!/bin/sh\nexec nsenter --net=%q %q "$@"\n' "/run/netns/$HOSTNS" "$TG_REAL" >"$TG"
	chmod +x "$TG"
	export HOSTNS TARGETNS TG TG_REAL
}

# tg_hexec CMD...: run CMD inside the host namespace of tg_host_ns.
tg_hexec() {
	ip netns exec "$HOSTNS" "$@"
}

# tg_stop_tapgate_hostns: tg_stop_tapgate for a tapgate run in $HOSTNS, also
# checking that no XDP program is left on $HOSTDEV there.
tg_stop_tapgate_hostns() {
	tg_stop_tapgate
	if grep -q 'prog/xdp' <<<"$(ip -n "$HOSTNS" link show dev "$HOSTDEV")"; then
		tg_fail "XDP program still attached to $HOSTDEV in $HOSTNS after exit"
	fi
	return 0
}

# tg_snmp NS GROUP FIELD: a counter of /proc/net/snmp inside namespace NS
# (e.g. tg_snmp "$TARGETNS" Icmp InEchos).
tg_snmp() {
	ip netns exec "$1" cat /proc/net/snmp | awk -v g="$2:" -v f="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1; next }
		$1 == g && h && c { print $c; found = 1; exit }
		END { exit found ? 0 : 1 }' || tg_fail "no $2 $3 in /proc/net/snmp of $1"
}
