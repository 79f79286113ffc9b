#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_offload.sh - frames as a VMM hands them over, and jumbo MTUs (issue
# 18). The guest is behind taps joined by tapshuttle --vnet: both taps
# carry a virtio-net header and have checksum, TSO and USO offloads on, so
# the guest kernel sends TCP super-frames (up to 64 KiB, partial checksums)
# as a qemu guest does; tapgate's tap takes them through the tun driver's
# generic XDP, and its AF_XDP socket as descriptor chains. At guest MTU
# 1500, 9000 and 65520 behind the vnet taps and behind a veth (where
# tapgate's XDP is in generic mode, so the guest keeps TSO):
#   - the guest downloads and uploads 100 MB through the host's HTTP server
#     with sha256 on both sides; curl gives up when the rate stays under
#     1 MB/s for 10 s, so a crawl (frames lost between XDP and the ring)
#     fails fast; no frame is lost for want of room (xsk_rx_dropped 0);
#   - the upload came in frames longer than the MTU allows a plain frame
#     (super-frames) behind the taps, and longer than 1514 bytes at a jumbo
#     MTU (tapgate announced the guest's own MSS); at a jumbo MTU tapgate's
#     frames to the guest are longer than 1514 bytes too (lwIP's MSS
#     follows the MTU) and never longer than the MTU (counting each
#     segment of a super-frame as the frame it becomes); at MTU 1500 the
#     download goes as super-frames (tx_gso_frames: user/io/gso.c).
# Then, behind the vnet taps at MTU 1500:
#   - a UDP_SEGMENT send of 4 x 1000 bytes (a USO super-frame) is dropped
#     and counted (xdp drop_udp_gso: its segment size does not reach XDP),
#     and a plain datagram still gets its echo;
#   - with AF_XDP multi-buffer off (TG_XSK_NO_SG=1, as on a kernel before
#     6.6) tapgate says so at start, refuses --mtu 9000 with the limit, and
#     counts the super-frames it cannot take (xdp drop_oversize).
# Behind a veth: USO super-frames dropped and counted by default, carried
# with --xdp-mode native. The rates are printed.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init offload

MIB=${TG_BULK_MIB:-100}
SLOW=(--speed-limit 1048576 --speed-time 10 --max-time 120)

# mtu_max: the largest --mtu tapgate accepts, from its usage text.
mtu_max() {
	"$TG" run --help 2>&1 | sed -n 's/.*guest MTU, [0-9]*\.\.\([0-9]*\).*/\1/p'
}

# mb_s BYTES_PER_S: MB/s (10^6 bytes) with one decimal.
mb_s() {
	awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'
}

mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"
want=$(tg_sha "$TMP/www/big.bin")
max=$(mtu_max)
[ -n "$max" ] || tg_fail "cannot read the --mtu range from '$TG run --help'"

# avg_frame KEY_FRAMES KEY_BYTES: mean frame length between s0 and s1.
avg_frame() {
	local f b
	f=$(tg_stat_delta "$1") b=$(tg_stat_delta "$2")
	echo $((f ? b / f : 0))
}

# bulk MODE MTU: one round: 100 MB each way, intact, with the frame sizes
# the mode and MTU should give.
bulk() {
	local mode=$1 mtu=$2 rate out up_avg down_avg
	tg_round "$mode"
	ip link set dev "$HOSTDEV" mtu "$mtu"
	ip -n "$GUESTNS" link set dev eth0 mtu "$mtu"
	tg_http_server "$TMP/www"
	tg_start_tapgate --allow host --mtu "$mtu"

	tg_stats_save "$TMP/s0.json"
	rate=$(tg_gcurl -f "${SLOW[@]}" -o "$TMP/down.bin" -w '%{speed_download}' \
		"$(tg_gw_url big.bin)") || tg_fail "$mode MTU $mtu: download of $MIB MiB failed"
	tg_expect_eq "$(tg_sha "$TMP/down.bin")" "$want" \
		"$mode MTU $mtu: guest downloads $MIB MiB intact ($(mb_s "$rate") MB/s)"
	rm -f "$TMP/down.bin"
	tg_stats_save "$TMP/s1.json"
	# frames on the ring, and the segments of super-frames (gso.c)
	down_avg=$(($(tg_stat_delta daemon.tx_bytes) + $(tg_stat_delta daemon.tx_gso_bytes)))
	down_avg=$((down_avg / ($(tg_stat_delta daemon.tx_frames) + $(tg_stat_delta daemon.tx_gso_segments))))
	if [ "$mtu" -lt 9000 ]; then
		tg_stat_grew daemon.tx_gso_frames 100 "$mode MTU $mtu: the download went to the guest as super-frames"
	fi

	tg_stats_save "$TMP/s0.json"
	out=$(tg_gcurl -f "${SLOW[@]}" -T "$TMP/www/big.bin" -w '\n%{speed_upload}' \
		"$(tg_gw_url upload)") ||
		tg_fail "$mode MTU $mtu: upload of $MIB MiB failed (xsk_rx_dropped $(tg_stat daemon.xsk_rx_dropped))"
	tg_expect_eq "$(head -n1 <<<"$out")" "$want" \
		"$mode MTU $mtu: guest uploads $MIB MiB intact ($(mb_s "$(tail -n1 <<<"$out")") MB/s)"
	tg_stats_save "$TMP/s1.json"
	up_avg=$(avg_frame daemon.rx_frames daemon.rx_bytes)
	tg_note "$mode MTU $mtu: mean frame $up_avg bytes from the guest (upload), $down_avg to it (download)"
	tg_expect_eq "$(tg_stat_of "$TMP/s1.json" daemon.xsk_rx_dropped)" 0 \
		"$mode MTU $mtu: no guest frame lost between XDP and the ring"
	[ "$up_avg" -gt $((mtu < 9000 ? mtu + 14 : 1514)) ] ||
		tg_fail "$mode MTU $mtu: the upload came in frames of $up_avg bytes on average"
	tg_pass "$mode MTU $mtu: the upload came in long frames"
	if [ "$mtu" -ge 9000 ]; then
		[ "$down_avg" -gt 1514 ] && [ "$down_avg" -le $((mtu + 14)) ] ||
			tg_fail "$mode MTU $mtu: frames to the guest of $down_avg bytes on average"
		tg_pass "$mode MTU $mtu: tapgate sends the guest frames of its MTU"
	fi
	tg_stop_tapgate
}

# USO: one UDP_SEGMENT send is one super-frame of 4 datagrams.
read -r -d '' USO_CLIENT <<'PY' || true
import socket, sys
dst = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(dst)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT
s.send(b"u" * 4000)
s.setsockopt(socket.SOL_UDP, 103, 0)
s.send(b"plain")
print("echo", s.recv(70000).decode())
PY

# uso_send: the USO client once, between the snapshots s0 and s1.
uso_send() {
	tg_stats_save "$TMP/s0.json"
	tg_gwait "$TMP/uso.out" "$TG_PY" -c "$USO_CLIENT" "$TG_GW_IP" "$UDP_PORT" ||
		tg_fail "USO client: $(cat "$TMP/uso.out")"
	tg_stats_save "$TMP/s1.json"
}

# uso_dropped PREFIX: the USO super-frame dropped and counted, the plain
# datagram after it echoed; PREFIX leads the lines.
uso_dropped() {
	uso_send
	tg_expect_eq "$(cat "$TMP/uso.out")" "echo plain" "${1}a plain datagram after a USO one is echoed"
	tg_stat_grew xdp.drop_udp_gso 1 "${1}the USO super-frame is dropped and counted"
}

uso_and_no_sg() {
	tg_round tap
	tg_udp_echo_server || tg_fail "udptool.py serve-echo did not start"
	tg_start_tapgate --allow host
	grep -q "USO" "$TG_LOG" || tg_fail "tapgate said nothing at start about USO on a tap"
	tg_pass "tapgate says at start that USO super-frames are dropped, and the fix"
	uso_dropped ""
	tg_stop_tapgate

	export TG_XSK_NO_SG=1
	tg_start_tapgate_fails --allow host --mtu 9000
	grep -q "give --mtu 3826 or less" "$TG_LOG" || tg_fail "no limit named: $(tail -n 3 "$TG_LOG")"
	tg_pass "without multi-buffer, --mtu 9000 is refused with the limit"
	tg_start_tapgate --allow host
	unset TG_XSK_NO_SG
	grep -q "no multi-buffer" "$TG_LOG" || tg_fail "no word at start about multi-buffer"
	tg_pass "without multi-buffer, tapgate says so at start"
	tg_http_server "$TMP/www"
	tg_stats_save "$TMP/s0.json"
	head -c 4194304 "$TMP/www/big.bin" >"$TMP/4m.bin"
	tg_gcurl -f --max-time 5 -T "$TMP/4m.bin" "$(tg_gw_url upload)" >/dev/null 2>&1 || true
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew xdp.drop_oversize 1 "without multi-buffer, super-frames are counted as drop_oversize"
	tg_stop_tapgate
}

# A veth: tapgate attaches in generic mode by default, so the guest keeps
# TSO and USO (the upload above came in super-frames); USO super-frames are
# dropped and counted as behind a tap, and --xdp-mode native (TSO and USO
# off in the guest's end, the kernel cuts the datagrams) carries them.
uso_veth() {
	tg_round veth
	tg_udp_echo_server || tg_fail "udptool.py serve-echo did not start"
	tg_start_tapgate --allow host
	grep -q "XDP in generic mode" "$TG_LOG" || tg_fail "no word at start about generic mode on a veth"
	tg_pass "veth: generic XDP by default, said at start with what it means for USO"
	uso_dropped "veth: "
	tg_stop_tapgate

	tg_start_tapgate --allow host --xdp-mode native
	uso_send
	tg_expect_eq "$(tg_stat_delta xdp.drop_udp_gso)" 0 "veth, --xdp-mode native: no USO super-frame"
	tg_stat_grew daemon.udp_to_host 5 "veth, --xdp-mode native: the 4 datagrams and the plain one relayed"
	tg_stop_tapgate
}

# tg_start_tapgate_fails ARGS...: tapgate must exit with status 1 at start.
tg_start_tapgate_fails() {
	local rc=0
	TG_RUNS=$((TG_RUNS + 1))
	TG_LOG=$TMP/tapgate.$P.$TG_RUNS.log
	timeout 10 "$TG" run --dev "$HOSTDEV" --dns 127.0.0.1:9 "$@" >"$TG_LOG" 2>&1 </dev/null ||
		rc=$?
	[ "$rc" = 1 ] || tg_fail "tapgate run $* exited $rc, want 1: $(tail -n 3 "$TG_LOG")"
	return 0
}

export TG_TAP_VNET=1
for mtu in ${TG_OFFLOAD_MTUS:-1500 9000 65520}; do
	[ "$mtu" -le "$max" ] || tg_fail "tapgate's --mtu stops at $max, not $mtu"
	bulk tap "$mtu"
	bulk veth "$mtu"
done
uso_and_no_sg
uso_veth
