/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcp_ops.h - the operations of a fuzz_tcp input after its
 * handshake, decoded from the input's bytes (run_op() says how): guest
 * segments of any shape, host socket calls, timers on a fake clock, and
 * the tx capture starved or drained.
 *
 * Everything is static inline, as in tests/unit/check.h: one target
 * includes it, and a header on its own compiles without warnings.
 */
#ifndef TAPGATE_FUZZ_TCP_OPS_H
#define TAPGATE_FUZZ_TCP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/pxtcp.h"
#include "stack/stack.h"
#include "fuzz_tcp_core.h"
#include "fuzz_tcp_guest.h"
#include "fuzz_tcp_host.h"

/* ---- the fake clock */

static uint64_t now_ms; /* the fake clock of the timers */
static unsigned int ticks_left;

/* ---- guest segments from the input */

/*
 * Options of a general segment, by @kind: 0 the usual (timestamps when
 * agreed), 1 none, 2 timestamps with wild values, 3 up to four SACK blocks
 * around what lwIP sent, 4 the SYN's options on any segment, 5 raw bytes
 * from the input (malformed ones too), 6 raw bytes and a header length
 * from the input, 7 the usual.
 */
static inline void seg_options(struct seg *sg, struct input *in, unsigned int kind)
{
	uint8_t raw[40], o[36] = { 1, 1, 5 };
	size_t n;

	switch (kind) {
	case 1:
		break;
	case 2:
		opt_ts(sg, in32(in), in32(in));
		break;
	case 3:
		n = in8(in) % 5;
		o[3] = (uint8_t)(2 + 8 * n);
		for (size_t b = 0; b < n; b++) {
			tb_put32(o + 4 + 8 * b, v.h_una + (uint32_t)(int16_t)in16(in));
			tb_put32(o + 8 + 8 * b, v.h_una + (uint32_t)(int16_t)in16(in));
		}
		opt_add(sg, o, 4 + 8 * n);
		break;
	case 4: {
		uint8_t syn[12] = { 2, 4, 0, 0, 1, 3, 3, 0, 1, 1, 4, 2 };

		tb_put16(syn + 2, in16(in));
		syn[7] = in8(in);
		opt_add(sg, syn, sizeof(syn));
		opt_auto(sg);
		break;
	}
	case 5:
	case 6:
		n = in8(in) % (sizeof(raw) + 1);
		for (size_t j = 0; j < n; j++)
			raw[j] = in8(in);
		if (kind == 6) {
			/* A header length of its own: the raw bytes cut or
			 * padded to it, or below 20 bytes (malformed). */
			sg->doff = in8(in) >> 4;
			if (sg->doff >= 5) {
				n = n < (size_t)(sg->doff - 5) * 4 ? n : (size_t)(sg->doff - 5) * 4;
				memset(raw + n, 0, sizeof(raw) - n);
				n = (size_t)(sg->doff - 5) * 4;
				sg->doff = -1;
			}
		}
		opt_add(sg, raw, n);
		break;
	default:
		opt_auto(sg);
		break;
	}
	opt_pad(sg);
}

/* A payload length: 0..127 as is, then steps of 24 up to 2408, then
 * multiples of lwIP's MSS, and 0xff for any 16-bit length. */
static inline size_t seg_len(struct input *in, size_t max)
{
	uint8_t b = in8(in);
	size_t len;

	if (b < 0x80)
		len = b;
	else if (b < 0xe0)
		len = 128 + (size_t)(b - 0x80) * 24;
	else if (b < 0xff)
		len = (size_t)(b - 0xdf) * (v.l_mss ? v.l_mss : 536);
	else
		len = in16(in);
	return len < max ? len : max;
}

/*
 * A general guest segment: flags, mode, seq delta (s16), ack delta (s16),
 * window; a wild seq and/or ack (u32) when the mode says so; the option
 * bytes; a length code (seg_len()). Mode: bits 0-1 the seq base (the
 * guest's next, lwIP's ack, lwIP's right window edge, wild), bits 2-3 the
 * ack base (lwIP's highest sent, the highest acknowledged, lwIP's ISN + 1,
 * wild), bits 4-6 the options (seg_options()), bit 7 more frames in this
 * batch.
 */
static inline void op_segment(struct input *in)
{
	struct seg sg = { .doff = -1 };
	const uint32_t seq_base[3] = { v.g_nxt, v.l_ack, v.l_ack + v.l_wnd };
	const uint32_t ack_base[3] = { v.h_nxt, v.h_una, v.h_isn + 1 };
	uint8_t mode;
	uint32_t dseq, dack;

	sg.flags = in8(in);
	mode = in8(in);
	dseq = (uint32_t)(int16_t)in16(in);
	dack = (uint32_t)(int16_t)in16(in);
	sg.wnd = in16(in);
	sg.seq = ((mode & 3) == 3 ? in32(in) : seq_base[mode & 3]) + dseq;
	sg.ack = ((mode >> 2 & 3) == 3 ? in32(in) : ack_base[mode >> 2 & 3]) + dack;
	seg_options(&sg, in, mode >> 4 & 7);
	sg.len = seg_len(in, SEG_MAX - sg.optlen);
	send_seg(&sg, mode & 0x80);
}

/* ---- the operations */

static inline int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/*
 * Time passes: @n steps of the fake clock, each followed by what the
 * poller's loop does before it sleeps (timers, tx retry, reaping). A step
 * is one TCP timer interval, or with @sleep as long as the poller would
 * sleep (stack_timeout_ms(), pxtcp_timeout_ms()), at least a millisecond.
 */
static inline void op_timers(struct input *in, bool sleep)
{
	uint8_t b = in8(in);
	unsigned int n = b < 0x80 ? b + 1u : (b - 0x7fu) * 64u;

	if (n > ticks_left)
		n = ticks_left;
	ticks_left -= n;
	while (n--) {
		int wait = min_timeout(stack_timeout_ms(now_ms), pxtcp_timeout_ms(now_ms));

		if (sleep && wait < 0)
			break; /* the poller would sleep until an event */
		now_ms += sleep ? (uint64_t)(wait > 0 ? wait : 1) : TCP_TMR_INTERVAL;
		stack_run_timers(now_ms);
		pxtcp_run_timers(now_ms);
		flush_tx();
		pxtcp_reap();
		if (autodrain && txcap.n > TXCAP_FRAMES / 2)
			tx_complete(TXCAP_FRAMES);
	}
	turn();
}

static inline void op_host(struct input *in, unsigned int type, unsigned int arg)
{
	struct host *h = host_at(arg & 3);
	size_t len = type <= 9 ? seg_len(in, HOST_IO_MAX) : 0;

	if (!h)
		return;
	switch (type) {
	case 8:
		host_write(h, len ? len : 1);
		break;
	case 9:
		host_read(h, len ? len : HOST_IO_MAX, arg & 4);
		break;
	case 10:
		shutdown(h->fd, (arg & 4) ? SHUT_RD : SHUT_WR);
		break;
	default:
		if (arg & 4)
			rst_close(h->fd);
		else
			close(h->fd);
		h->fd = -1;
		break;
	}
	turn();
}

/*
 * One operation: a byte whose low nibble is the type and high nibble an
 * argument, then the type's own bytes.
 *   0-3   a general guest segment (op_segment())
 *   4     a pure ACK of everything; window from the argument (0: 65535,
 *         1: zero, n: (n-1) * 4096)
 *   5     in-order data, length code in the next byte; argument bit 0 FIN,
 *         bit 1 PSH
 *   6     RST: argument bit 0 at lwIP's ack (exact), else off by a s16
 *   7     a SYN: header byte 0's options, MSS, shift, ISN and window follow
 *   8-11  host socket (argument bits 0-1) write, read (bit 2: until
 *         EAGAIN), shutdown (bit 2: SHUT_RD), close (bit 2: RST); a length
 *         code follows
 *   12    timers: a step count code follows; argument bit 0: steps as
 *         long as the poller would sleep, else of one TCP timer interval
 *   13    starve tx: the argument is how many frames may still be lent
 *   14    drain tx: every frame completed, and after each turn from now on
 *   15    a turn of the loop and nothing else
 */
static inline void run_op(struct input *in)
{
	uint8_t op = in8(in);
	unsigned int type = op & 15, arg = op >> 4;
	struct seg sg;

	if (trace)
		trace_pcbs();
	TRACE("op %u arg %u\n", type, arg);
	if (type > 3)
		run_batch(); /* a batch ends with any other operation */
	switch (type) {
	case 0 ... 3:
		op_segment(in);
		break;
	case 4:
		plain_seg(&sg, TG_TCP_ACK, arg ? (uint16_t)((arg - 1) * 4096) : WND_DEFAULT);
		send_seg(&sg, false);
		break;
	case 5:
		plain_seg(&sg,
			  TG_TCP_ACK | ((arg & 1) ? TG_TCP_FIN : 0) | ((arg & 2) ? TG_TCP_PSH : 0),
			  WND_DEFAULT);
		sg.len = seg_len(in, SEG_MAX - sg.optlen);
		send_seg(&sg, false);
		break;
	case 6:
		plain_seg(&sg, TG_TCP_RST, 0);
		sg.seq = v.l_ack + ((arg & 1) ? 0 : (uint32_t)(int16_t)in16(in));
		send_seg(&sg, false);
		break;
	case 7: {
		uint8_t what = in8(in);
		uint16_t mss = in16(in);
		uint8_t shift = in8(in);

		uint32_t isn = in32(in);

		guest_syn(what, mss, shift, isn, in16(in));
		break;
	}
	case 8 ... 11:
		op_host(in, type, arg);
		break;
	case 12:
		op_timers(in, arg & 1);
		break;
	case 13:
		tx_complete(arg);
		autodrain = false;
		turn();
		break;
	case 14:
		tx_complete(TXCAP_FRAMES);
		autodrain = true;
		turn();
		break;
	default:
		turn();
		break;
	}
}

#endif
