#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_multiqueue.sh - a multi-queue tap, as a VMM with several virtio
# queue pairs makes it: tapshuttle --queues 4 opens the host tap 4 times
# with IFF_MULTI_QUEUE and writes each of the guest's flows to the queue a
# hash of its addresses and ports picks. tapgate must find the 4 rx queues
# (log, `tapgate status`, the rx_queues counter), bind an AF_XDP socket
# pair on each (no frame dropped for want of a socket: drop_nosock stays
# 0), and carry traffic on every queue:
#   - ping to the gateway;
#   - 50 MiB down and 50 MiB up through the gateway (--allow host), sha256
#     checked;
#   - 32 parallel downloads, so that flows hash to every queue;
#   - UDP echo from 32 guest sockets (the relay's socket of each queue);
# then every queue's rx_queue_frames counter (and the shuttle's count of
# frames it wrote to that queue) has grown, and the per-queue counters add
# up to rx_frames + udp_rx_frames. A clean stop, then a restart at once
# (every queue's socket released and taken again) that serves, and a clean
# stop leaving nothing (lib.sh's checks).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init multiqueue

Q=4
MIB=${TG_MQ_MIB:-50}
NPAR=32
SLOW=(--speed-limit 1048576 --speed-time 10 --max-time 120)
UDPTOOL=("$TG_PY" "$TG_HELPERS/udptool.py")

mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"
tg_make_file "$TMP/www/small.bin" 1
want=$(tg_sha "$TMP/www/big.bin")
want_small=$(tg_sha "$TMP/www/small.bin")

export TG_TAP_QUEUES=$Q
tg_round tap
n=$(find "/sys/class/net/$HOSTDEV/queues" -maxdepth 1 -name 'rx-*' | wc -l)
tg_expect_eq "$n" "$Q" "the host tap has $Q rx queues (sysfs)"
tg_http_server "$TMP/www"
tg_udp_echo_server || tg_fail "udptool.py serve-echo did not start"
tg_start_tapgate --allow host

grep -q "$HOSTDEV: $Q rx queues" "$TG_LOG" ||
	tg_fail "tapgate did not log $Q rx queues: $(head -n 5 "$TG_LOG")"
tg_pass "tapgate logs $Q rx queues"
st=$("$TG" status "$HOSTDEV" --json) || tg_fail "tapgate status failed: $st"
got=$("$TG_PY" -c 'import json, sys; print(json.loads(sys.argv[1])["rx_queues"])' "$st")
tg_expect_eq "$got" "$Q" "tapgate status --json: rx_queues"
tg_expect_eq "$(tg_stat daemon.rx_queues)" "$Q" "tapgate stats: rx_queues"

tg_stats_save "$TMP/s0.json"
tg_gexec ping -c 3 -i 0.2 -W 2 "$TG_GW_IP" >"$TMP/ping.out" 2>&1 ||
	tg_fail "ping to the gateway: $(tail -n 2 "$TMP/ping.out")"
tg_pass "the guest pings the gateway"

got=$(tg_gcurl -f "${SLOW[@]}" "$(tg_gw_url big.bin)" | sha256sum | cut -d' ' -f1) ||
	tg_fail "download of $MIB MiB failed"
tg_expect_eq "$got" "$want" "the guest downloads $MIB MiB intact"
got=$(tg_gcurl -f "${SLOW[@]}" -T "$TMP/www/big.bin" "$(tg_gw_url upload)") ||
	tg_fail "upload of $MIB MiB failed"
tg_expect_eq "$got" "$want" "the guest uploads $MIB MiB intact"

# Many connections at once: each its own source port, so their flows
# spread over the queues; each file checked.
tg_gwait "$TMP/par.out" bash -c '
	for i in $(seq "$1"); do
		curl -sS --connect-timeout 5 --max-time 60 -f "$2" | sha256sum | cut -d" " -f1 >"$3.$i" &
	done
	wait' _ "$NPAR" "$(tg_gw_url small.bin)" "$TMP/par" ||
	tg_fail "parallel downloads: $(tail -n 3 "$TMP/par.out")"
ok=0
for i in $(seq "$NPAR"); do
	[ "$(cat "$TMP/par.$i")" = "$want_small" ] && ok=$((ok + 1))
done
tg_expect_eq "$ok" "$NPAR" "$NPAR parallel downloads intact"

tg_gwait "$TMP/udp.out" timeout 120 "${UDPTOOL[@]}" flows "$TG_GW_IP" "$UDP_PORT" 32 32 \
	"$TMP/udpflows" || tg_fail "UDP echo: $(tail -n 3 "$TMP/udp.out")"
tg_pass "UDP echo from 32 guest sockets: $(cat "$TMP/udp.out")"
tg_gwait "$TMP/udp2.out" timeout 60 "${UDPTOOL[@]}" echo "$TG_GW_IP" "$UDP_PORT" 200 1200 ||
	tg_fail "UDP echo: $(tail -n 3 "$TMP/udp2.out")"
tg_pass "200 datagrams echoed: $(cat "$TMP/udp2.out")"

tg_stats_save "$TMP/s1.json"
tg_expect_eq "$(tg_stat_of "$TMP/s1.json" xdp.drop_nosock)" 0 \
	"no frame found its queue without a socket"
"$TG_PY" - "$TMP/s0.json" "$TMP/s1.json" "$Q" >"$TMP/queues.out" 2>&1 <<'EOF' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
q = int(sys.argv[3])
qa, qb = a["rx_queue_frames"], b["rx_queue_frames"]
if len(qb) != q:
    sys.exit("rx_queue_frames has %d entries, want %d" % (len(qb), q))
grew = [y - x for x, y in zip(qa, qb)]
print("frames per queue during the traffic: %s" % grew)
# The guest's flows land on queues by a hash of their random ports: a
# queue may get only a few small ones (19 frames in one CI run), but with
# 64 flows over 4 queues none empty happens once in 10^7 runs.
if min(grew) < 1:
    sys.exit("a queue carried nothing: %s" % grew)
d = b["daemon"]
if sum(qb) != d["rx_frames"] + d["udp_rx_frames"]:
    sys.exit("the queues' %d frames are not rx_frames %d + udp_rx_frames %d"
             % (sum(qb), d["rx_frames"], d["udp_rx_frames"]))
EOF
	tg_fail "$(cat "$TMP/queues.out")"
tg_pass "$(head -n 1 "$TMP/queues.out"); they add up to rx_frames + udp_rx_frames"
"$TG" stats "$HOSTDEV" >"$TMP/stats.txt" || tg_fail "tapgate stats failed"
grep -q "^rx frames by queue" "$TMP/stats.txt" || tg_fail "tapgate stats shows no queues"
grep -q '^tapgate_rx_queue_frames_total{device="'"$HOSTDEV"'",queue="3"} [1-9]' \
	<<<"$("$TG" stats "$HOSTDEV" --prometheus)" || tg_fail "no queue 3 in --prometheus"
tg_pass "tapgate stats shows the frames by queue (text, JSON, Prometheus)"

# Restart at once: the new daemon waits for every queue to be released.
tg_stop_tapgate
tg_start_tapgate --allow host
tg_gexec ping -c 2 -i 0.2 -W 2 "$TG_GW_IP" >"$TMP/ping.out" 2>&1 ||
	tg_fail "ping after the restart: $(tail -n 2 "$TMP/ping.out")"
got=$(tg_gcurl -f "$(tg_gw_url small.bin)" | sha256sum | cut -d' ' -f1) ||
	tg_fail "download after the restart failed"
tg_expect_eq "$got" "$want_small" "a restart at once serves all $Q queues again"
tg_stop_tapgate

# The shuttle's own count: frames it wrote to each of the tap's queues.
tg_stop_pid "$TG_SHUTTLE_PID" 5 || true
for ((i = 0; i < Q; i++)); do
	n=$(sed -n "s/^tapshuttle: guest->host: queue $i: \([0-9]*\) frames$/\1/p" \
		"$TMP/shuttle.$P.err")
	[ "${n:-0}" -gt 0 ] || tg_fail "tapshuttle wrote no frame to queue $i: $(cat "$TMP/shuttle.$P.err")"
done
tg_pass "tapshuttle: $(grep -c 'guest->host: queue' "$TMP/shuttle.$P.err") queues each written to"
