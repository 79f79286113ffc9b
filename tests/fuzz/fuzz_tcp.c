// SPDX-License-Identifier: MIT
/*
 * fuzz_tcp.c - libFuzzer target: one guest TCP connection per input,
 * through tapgate's real path: guest frames staged by slot_stage() and
 * dispatched by the poller's rule (a SYN to pxtcp_syn(), which connects
 * first; everything else to stack_input(), where the input hook and the
 * sequence guard run before lwIP's tcp_input), lwIP built with ASan/UBSan
 * and its own assertions on (they abort), the splice to a real host socket
 * on 127.0.0.1, and frames to the guest captured by the unit tests' tx
 * backend (tests/unit/txcap.h).
 *
 * Each input: a 10-byte header (below), a handshake the harness does
 * properly (SYN, the SYN-ACK read from the capture, the ACK with the right
 * numbers), then operations decoded from the rest: guest segments with
 * sequence and ack numbers relative to the live ones or wild, any flags,
 * windows, options (malformed ones too) and payload lengths, in rx batches
 * as the poller sees them (ackfold, ackcoal); host-side reads, writes,
 * shutdowns and closes on each accepted socket; lwIP's and pxtcp's timers
 * on a fake clock; the tx capture starved (backpressure) or drained. At the
 * end everything is reset (pxtcp_fini(), lwIP's leftover pcbs aborted, the
 * host sockets closed with RST) so inputs are independent, and the harness
 * checks that nothing is left: no connection, no listener, no lwIP memory.
 *
 * Oracles besides the sanitizers and lwIP's assertions: every frame to the
 * guest is IPv4 TCP of this connection with valid checksums; guest payload
 * bytes are a function of their sequence number and host bytes a function
 * of their stream offset, so whatever the first connection delivers either
 * way must be exactly the bytes sent, in order.
 *
 * Header (10 bytes): [0] bit 0 MSS, 1 window scale, 2 timestamps, 3 SACK
 * permitted offered in the SYN; bit 4 small receive buffer on the host
 * socket; bits 5-7 lwIP's memory budget after the handshake (0: the
 * configured one); [1..2] MSS; [3] window shift; [4..7] the guest's ISN;
 * [8..9] the window of the SYN and the handshake's ACK (0: 64240 and
 * 65535). The operations are described at run_op() (fuzz_tcp_ops.h).
 *
 * The harness is in fuzz_tcp_core.h (state, oracles, the loop's turn),
 * fuzz_tcp_host.h (the host sockets), fuzz_tcp_guest.h (the guest's
 * segments) and fuzz_tcp_ops.h (the operations); this file is an input's
 * life.
 *
 * Speed: one connection per input, at most OPS_MAX operations, a handful
 * of syscalls per operation, no sleeps. The target runs in a network
 * namespace of its own when it can (root), so its loopback connections
 * meet no one else's.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "control/config.h"
#include "control/group.h"
#include "io/loop.h"
#include "policy/polload.h"
#include "policy/polset.h"
#include "proxy/pxtcp.h"
#include "stack/lwipmem.h"
#include "stack/stack.h"
#include "unit/txcap.h"
#include "fuzz_tcp_core.h"
#include "fuzz_tcp_guest.h"
#include "fuzz_tcp_host.h"
#include "fuzz_tcp_ops.h"

/* ---- set up once */

static struct tg_ustats stats;
static struct group_table groups;
static size_t mem_base;

/* ---- an input's life */

static void handshake(struct input *in)
{
	uint8_t what = in8(in);
	uint16_t mss = in16(in);
	uint8_t shift = in8(in);
	uint32_t isn = in32(in);
	uint16_t wnd = in16(in);
	size_t used;
	struct seg sg;

	small_rcvbuf = what & 0x10;
	v.g_isn0 = isn;
	v.g_nxt = isn + 1;
	guest_syn(what, mss, shift, isn, wnd);
	/* The host connect on loopback is done by now; should its event
	 * come late, wait a little for it (not for a SYN the slot dropped). */
	for (int i = 0; i < 20 && !v.synacks && pxtcp_count(); i++) {
		loop_wait(1);
		turn();
	}
	if (!v.synacks)
		return; /* the slot dropped it (a tiny MSS or window): ops go on */
	v.oracle = true;
	host_oracle = nhosts == 1;
	plain_seg(&sg, TG_TCP_ACK, wnd ? wnd : WND_DEFAULT);
	send_seg(&sg, false);
	if (what >> 5) {
		lwipmem_stats(&used, NULL, NULL);
		lwipmem_set_budget(used + (1024u << (what >> 5)));
	}
}

static void reset_all(void)
{
	size_t used;

	run_batch();
	turn();
	pxtcp_fini();
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	FUZZ_ASSERT(tcp_listen_pcbs.listen_pcbs == NULL);
	FUZZ_ASSERT(stats.conns_open == 0);
	for (unsigned int i = 0; i < nhosts; i++)
		if (hosts[i].fd >= 0)
			rst_close(hosts[i].fd);
	nhosts = 0;
	host_drain_backlog();
	host_oracle = false;
	lwipmem_set_budget((size_t)cfg.tcp_mem_mib << 20);
	lwipmem_stats(&used, NULL, NULL);
	FUZZ_ASSERT(used == mem_base);
	FUZZ_ASSERT(pxtcp_init(&cfg, &groups, &stats) == 0);
	stack_run_timers(now_ms); /* no pcbs: the timer stops */
}

/*
 * ASan keeps 256 MiB of freed memory in quarantine by default; lwIP's pbufs
 * for large guest segments then land on fresh pages every time, and the
 * page faults took half the run time. 16 MiB still holds far more than one
 * input frees (ASAN_OPTIONS overrides this).
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char polerr[256];

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN); /* as the daemon: a reset host socket is an errno */
	trace = getenv("FUZZ_TCP_TRACE") != NULL;
	pattern_init();
	for (unsigned int i = 0; i < BATCH_MAX; i++)
		frame_give_back(i);
	own_netns();
	config_defaults(&cfg);
	cfg.allow |= 1u << TG_G_HOST; /* the gateway stands for 127.0.0.1 */
	cfg.max_conns = HOSTS;
	polset_init(NULL);
	if (group_build(&groups, &cfg, NULL) || loop_init() ||
	    polload_install(&cfg, NULL, &groups, polerr, sizeof(polerr)))
		abort();
	txcap_init(&cfg, &stats);
	if (stack_init(&cfg) || pxtcp_init(&cfg, &groups, &stats))
		abort();
	lfd = host_listen();
	if (lfd < 0) {
		perror("fuzz_tcp: listening socket on 127.0.0.1");
		abort();
	}
	lwipmem_stats(&mem_base, NULL, NULL);
	now_ms = loop_now_ms();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	memset(&v, 0, sizeof(v));
	txcap_init(&cfg, &stats);
	seen = 0;
	autodrain = true;
	ticks_left = TICKS_MAX;
	now_ms = loop_now_ms();
	handshake(&in);
	for (int i = 0; i < OPS_MAX && in.n; i++)
		run_op(&in);
	reset_all();
	return 0;
}
