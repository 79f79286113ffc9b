/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcp_guest.h - the guest side of fuzz_tcp's harness: its TCP
 * segments built into frames (each in a buffer ASan poisons around it),
 * handed over in rx batches as the poller's loop sees them (slot, ackfold,
 * ackcoal, then the SYN to pxtcp and the rest to lwIP), with the options
 * they carry, the guest's usual segment and its SYN.
 *
 * Everything is static inline, as in tests/unit/check.h: one target
 * includes it, and a header on its own compiles without warnings.
 */
#ifndef TAPGATE_FUZZ_TCP_GUEST_H
#define TAPGATE_FUZZ_TCP_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "proxy/pxtcp.h"
#include "stack/ackcoal.h"
#include "stack/ackfold.h"
#include "stack/stack.h"
#include "wire/slot.h"
#include "fuzz_tcp_core.h"

/* ---- guest segments, in rx batches */

struct seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t opt[40];
	size_t optlen; /* a multiple of 4 */
	int doff;      /* a bogus data offset (< 5 words), or -1: from optlen */
	size_t len;
};

/*
 * Frames of the batch being built. Each sits at the start of its own
 * buffer, the rest of which is poisoned for ASan (as is a guard before
 * it), so a read past the frame is caught as with an exact heap copy,
 * without a malloc, its fill and its quarantine for every frame.
 */
#define FRAME_ROOM (TG_ETH_HLEN + 0xffff)
#define GUARD	   64

static struct {
	uint8_t guard[GUARD];
	uint8_t data[FRAME_ROOM];
} __attribute__((aligned(64))) batch[BATCH_MAX];
static size_t batch_len[BATCH_MAX];
static unsigned int nbatch;

static inline uint8_t *frame_take(unsigned int i, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(batch[i].data, len);
	return batch[i].data;
}

static inline void frame_give_back(unsigned int i)
{
	ASAN_POISON_MEMORY_REGION(&batch[i], sizeof(batch[i]));
}

/* The poller's dispatch() for a staged TCP frame. */
static inline void dispatch(const struct slot *s)
{
	if (s->kind != SLOT_TCP || s->family != 4)
		return;
	if (slot_is_syn(s))
		pxtcp_syn(s);
	else
		stack_input(s->f.data + s->l3_off, s->l3_len);
}

/* The batch, as the poller's on_xsk() and handle_batch() see it. */
static inline void run_batch(void)
{
	struct slot s[BATCH_MAX];
	int r[BATCH_MAX];

	if (!nbatch)
		return;
	ackcoal_begin();
	for (unsigned int i = 0; i < nbatch; i++)
		r[i] = slot_stage(&s[i], &cfg, batch[i].data, batch_len[i]);
	ackfold_begin();
	for (unsigned int i = nbatch; i-- > 0;)
		if (r[i] == SLOT_OK && ackfold_superseded(&s[i]))
			r[i] = -1;
	for (unsigned int i = 0; i < nbatch; i++)
		if (r[i] == SLOT_OK)
			dispatch(&s[i]);
	pxtcp_flush();
	ackcoal_end();
	for (unsigned int i = 0; i < nbatch; i++)
		frame_give_back(i);
	nbatch = 0;
	turn();
}

/*
 * lwIP 2.1.3's tcp_parseopt() assembles a timestamp as
 * "byte << 24" on an int: undefined behaviour in ISO C (UBSan's
 * shift-base) when the fourth TSval byte is 0x80 or more, though GCC, which
 * builds the daemon, defines it. No tapgate code can change what lwIP
 * reads there (lwIP echoes the value), so until the sanitizer builds exempt
 * lwIP from that check, every TSval lwIP would parse gets that bit cleared
 * here: options walked as slot.c and lwIP walk them.
 */
static inline void ts_defang(uint8_t *th, size_t l4len)
{
	size_t hlen = (size_t)(th[12] >> 4) * 4, i = TG_TCP_HLEN;

	if (hlen > l4len)
		return; /* the slot drops it */
	while (i < hlen && th[i] != 0) {
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (hlen - i < 2 || th[i + 1] < 2)
			return;
		if (th[i] == 8 && th[i + 1] == 10 && hlen - i >= 10)
			th[i + 5] &= 0x7f;
		i += th[i + 1];
	}
}

/* Build the frame and queue it; the guest's next sequence number moves
 * past it. */
static inline void queue_seg(const struct seg *sg)
{
	size_t hlen = TG_TCP_HLEN + sg->optlen, l4len = hlen + sg->len;
	size_t flen = TG_ETH_HLEN + TG_IP4_HLEN + l4len;
	uint32_t first = sg->seq + !!(sg->flags & TG_TCP_SYN), end;
	uint8_t *f = frame_take(nbatch, flen), *th = f + TG_ETH_HLEN + TG_IP4_HLEN, *d = th + hlen;

	tb_eth(f, cfg.gw_mac, cfg.guest_mac, TG_ETH_P_IP);
	tb_ip4_hdr(f + TG_ETH_HLEN, guest_ip, gw_ip, TG_IPPROTO_TCP, 0x1234, TG_IP4_DF, l4len);
	tb_put16(th, GUEST_PORT);
	tb_put16(th + 2, lport);
	tb_put32(th + 4, sg->seq);
	tb_put32(th + 8, sg->ack);
	th[12] = (uint8_t)((sg->doff >= 0 ? (size_t)sg->doff : hlen / 4) << 4);
	th[13] = sg->flags;
	tb_put16(th + 14, sg->wnd);
	tb_put32(th + 16, 0); /* checksum (lwIP checks none) and urgent pointer */
	memcpy(th + TG_TCP_HLEN, sg->opt, sg->optlen);
	ts_defang(th, l4len);
	memcpy(d, guest_bytes_at(first), sg->len);
	TRACE("  -> %02x seq %u ack %u wnd %u len %zu opt %zu%s\n", sg->flags, sg->seq - v.g_isn0,
	      sg->ack - v.h_isn, sg->wnd, sg->len, sg->optlen, nbatch ? " (batched)" : "");
	batch_len[nbatch++] = flen;
	end = first + (uint32_t)sg->len + !!(sg->flags & TG_TCP_FIN);
	if (SEQ_GT(end, v.g_nxt) && end - v.g_nxt < (1u << 20))
		v.g_nxt = end;
	if ((sg->flags & TG_TCP_ACK) && SEQ_GT(sg->ack, v.h_una) && !SEQ_GT(sg->ack, v.h_nxt))
		v.h_una = sg->ack;
}

static inline void send_seg(const struct seg *sg, bool more)
{
	queue_seg(sg);
	if (!more || nbatch == BATCH_MAX)
		run_batch();
}

static inline size_t opt_add(struct seg *sg, const uint8_t *o, size_t n)
{
	if (sg->optlen + n > sizeof(sg->opt))
		return 0;
	memcpy(sg->opt + sg->optlen, o, n);
	sg->optlen += n;
	return n;
}

static inline void opt_ts(struct seg *sg, uint32_t val, uint32_t ecr)
{
	uint8_t o[12] = { 1, 1, 8, 10 };

	tb_put32(o + 4, val);
	tb_put32(o + 8, ecr);
	opt_add(sg, o, sizeof(o));
}

static inline void opt_auto(struct seg *sg)
{
	if (v.ts)
		opt_ts(sg, ++v.ts_clock, v.ts_ech);
}

/* Pad with EOL to a multiple of 4. */
static inline void opt_pad(struct seg *sg)
{
	while (sg->optlen % 4)
		sg->opt[sg->optlen++] = 0;
}

/* The guest's usual segment: in order, everything acknowledged. */
static inline void plain_seg(struct seg *sg, uint8_t flags, uint16_t wnd)
{
	memset(sg, 0, sizeof(*sg));
	sg->doff = -1;
	sg->flags = flags;
	sg->seq = v.g_nxt;
	sg->ack = v.h_nxt;
	sg->wnd = wnd;
	opt_auto(sg);
	opt_pad(sg);
}

static inline void syn_options(struct seg *sg, uint8_t what, uint16_t mss, uint8_t shift)
{
	uint8_t o[4] = { 2, 4 };

	if (what & 1) {
		tb_put16(o + 2, mss);
		opt_add(sg, o, 4);
	}
	if (what & 2)
		opt_add(sg, (const uint8_t[]){ 1, 3, 3, shift }, 4);
	if (what & 8)
		opt_add(sg, (const uint8_t[]){ 1, 1, 4, 2 }, 4);
	if (what & 4)
		opt_ts(sg, ++v.ts_clock, 0);
}

/* A SYN from the guest (a new connection attempt on the same tuple);
 * window 0 stands for Linux's usual 64240. */
static inline void guest_syn(uint8_t what, uint16_t mss, uint8_t shift, uint32_t isn, uint16_t wnd)
{
	struct seg sg = { .doff = -1, .flags = TG_TCP_SYN, .seq = isn, .wnd = wnd ? wnd : 64240 };

	syn_options(&sg, what, mss, shift);
	opt_pad(&sg);
	send_seg(&sg, false);
}

#endif
