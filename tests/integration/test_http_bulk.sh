#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_http_bulk.sh - bulk TCP both ways through tapgate, behind a veth and
# behind a tap: the guest downloads 100 MB from the host's HTTP server
# (http://100.96.0.1:PORT/ with --allow host reaches 127.0.0.1:PORT) and
# uploads 100 MB to it; both sha256 digests must match. curl aborts when the
# rate stays under 1 MB/s for 10 s, so a stall (a missed wakeup) fails fast
# instead of crawling. During the download, most of the guest's pure ACKs
# are superseded within their rx batch and left out; during the upload,
# tapgate must send the guest fewer than one frame per two it receives
# (pure ACKs merged per rx batch). Ends with a clean SIGTERM exit of tapgate.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
tg_init http_bulk

MIB=${TG_BULK_MIB:-100}
mkdir "$TMP/www"
tg_make_file "$TMP/www/big.bin" "$MIB"
want=$(tg_sha "$TMP/www/big.bin")
SLOW=(--speed-limit 1048576 --speed-time 10 --max-time 120)

for mode in $(tg_modes); do
	tg_round "$mode"
	tg_http_server "$TMP/www"
	# One frame per MSS both ways (no super-frames: --gso off to the
	# guest, and native XDP keeps a veth guest's TSO off), so that the
	# ACKs below come many to a batch; test_offload covers super-frames.
	tg_start_tapgate --allow host --gso off --xdp-mode native

	tg_stats_save "$TMP/s0.json"
	got=$(tg_gcurl -f "${SLOW[@]}" "$(tg_gw_url big.bin)" | sha256sum | cut -d' ' -f1) ||
		tg_fail "$mode: download of $MIB MiB failed"
	tg_expect_eq "$got" "$want" "$mode: guest downloads $MIB MiB intact"
	# The guest's pure ACKs that a later one in the same rx batch
	# superseded never went through lwIP (user/stack/ackfold.c).
	tg_stats_save "$TMP/s1.json"
	tg_note "download: rx_frames +$(tg_stat_delta daemon.rx_frames), tx_frames +$(tg_stat_delta daemon.tx_frames), acks_folded +$(tg_stat_delta daemon.acks_folded)"
	tg_stat_grew daemon.acks_folded 50 "$mode: download: the guest's redundant ACKs left out"

	tg_stats_save "$TMP/s0.json"
	got=$(tg_gcurl -f "${SLOW[@]}" -T "$TMP/www/big.bin" "$(tg_gw_url upload)") ||
		tg_fail "$mode: upload of $MIB MiB failed"
	tg_expect_eq "$got" "$want" "$mode: guest uploads $MIB MiB intact (PUT)"
	# The upload's ACKs were merged per rx batch (user/stack/ackcoal.c): fewer
	# frames went to the guest than half the segments it sent.
	tg_stats_save "$TMP/s1.json"
	tg_stat_grew daemon.acks_merged 1000 "$mode: upload ACKs merged"
	rx=$(tg_stat_delta daemon.rx_frames) tx=$(tg_stat_delta daemon.tx_frames)
	[ "$tx" -lt $((rx / 2)) ] ||
		tg_fail "$mode: $tx frames to the guest for $rx from it: ACKs not merged"
	tg_pass "$mode: $tx frames to the guest for $rx from it during the upload"

	got=$(tg_gcurl -f --data-binary "hello tapgate" "$(tg_gw_url post)")
	tg_expect_eq "$got" "$(printf 'hello tapgate' | sha256sum | cut -d' ' -f1)" \
		"$mode: small POST"

	tg_stats_json >"$TMP/stats.json" || tg_fail "$mode: tapgate stats --json failed"
	"$TG_PY" -m json.tool "$TMP/stats.json" >/dev/null ||
		tg_fail "$mode: tapgate stats --json is not JSON: $(head -c 300 "$TMP/stats.json")"
	tg_pass "$mode: tapgate stats --json gives JSON"

	tg_stop_tapgate
done
