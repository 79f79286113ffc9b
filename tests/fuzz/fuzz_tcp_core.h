/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcp_core.h - the core of fuzz_tcp's harness: its limits, the input
 * reader, the state of one input (the host sockets accepted, what the guest
 * knows of the connection), the byte pattern that tells where each byte
 * belongs, the oracles on every frame lwIP sends to the guest (captured by
 * tests/unit/txcap.h) and one turn of the poller's loop.
 *
 * Everything is static inline, as in tests/unit/check.h: one target
 * includes it, and a header on its own compiles without warnings.
 */
#ifndef TAPGATE_FUZZ_TCP_CORE_H
#define TAPGATE_FUZZ_TCP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "control/config.h"
#include "io/gtx.h"
#include "io/loop.h"
#include "proxy/pxtcp.h"
#include "lib/frames.h"
#include "unit/txcap.h"
#include "wire.h"

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_tcp: %s:%d: assertion failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)

#define GUEST_PORT   40000
#define HOSTS	     4	   /* host sockets kept per input */
#define BATCH_MAX    8	   /* guest frames per rx batch */
#define TICKS_MAX    16384 /* timer ticks per input (~68 fake minutes) */
#define OPS_MAX	     64	   /* operations per input: the rest is ignored */
#define SEG_MAX	     (0xffff - TG_IP4_HLEN - TG_TCP_HLEN)
#define HOST_IO_MAX  (256 * 1024)
#define WND_DEFAULT  0xffff
#define LWIP_WSHIFT  TCP_RCV_SCALE

/* ---- the input, front to back; past its end every byte reads 0 */

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t in8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t in16(struct input *in)
{
	uint16_t hi = in8(in);

	return (uint16_t)(hi << 8 | in8(in));
}

static inline uint32_t in32(struct input *in)
{
	uint32_t hi = in16(in);

	return hi << 16 | in16(in);
}

/* ---- set up once */

static struct config cfg;
static const uint8_t guest_ip[4] = { 100, 96, 0, 2 };
static const uint8_t gw_ip[4] = { 100, 96, 0, 1 };
static uint16_t lport;

/* ---- per input */

struct host {
	int fd;	     /* -1 once closed */
	uint64_t tx; /* bytes written (host_byte() of each offset) */
	uint64_t rx; /* bytes read */
};

static struct host hosts[HOSTS];
static unsigned int nhosts;

/* What the guest knows of the connection, from its own segments and the
 * captured ones. */
static struct {
	unsigned int synacks;	   /* SYN-ACKs seen with a new ISN */
	bool oracle;		   /* the first connection: check its bytes */
	uint32_t g_isn0;	   /* the handshake's guest ISN */
	uint32_t g_nxt;		   /* the guest's next sequence number */
	uint32_t h_isn, h_nxt;	   /* lwIP's ISN and the highest it sent */
	uint32_t h_una;		   /* the highest the guest acknowledged */
	uint32_t l_ack, l_wnd;	   /* lwIP's last ack number and window */
	uint8_t l_shift;	   /* lwIP's window shift (0 without scaling) */
	uint16_t l_mss;		   /* lwIP's MSS */
	bool ts;		   /* timestamps agreed */
	uint32_t ts_clock, ts_ech; /* our TSval, lwIP's last TSval */
} v;

static bool trace; /* FUZZ_TCP_TRACE set: say what happens, on stderr */

#define TRACE(...)                                                                                 \
	do {                                                                                       \
		if (trace)                                                                         \
			fprintf(stderr, __VA_ARGS__);                                              \
	} while (0)

static unsigned int seen; /* captured frames already checked */
static bool autodrain;	  /* the "kernel" completes tx frames after each turn */

/* ---- bytes that say where they belong
 *
 * Guest byte at sequence number s is pattern[s mod 1 MiB]; host byte at
 * stream offset o is pattern[(o + HOST_SHIFT) mod 1 MiB]. A period far past
 * the 256 KiB window still catches any byte delivered at the wrong place,
 * and filling or checking is a memcpy or memcmp (the pattern is stored
 * twice, so any run up to 1 MiB is contiguous).
 */

#define PATTERN	   (1u << 20)
#define HOST_SHIFT 0x5a5a5u

static uint8_t pattern[2 * PATTERN];

static inline void pattern_init(void)
{
	for (uint32_t i = 0; i < PATTERN; i++)
		pattern[i] = pattern[i + PATTERN] = (uint8_t)((i * 2654435761u) >> 24);
}

static inline const uint8_t *guest_bytes_at(uint32_t seq)
{
	return pattern + (seq & (PATTERN - 1));
}

static inline const uint8_t *host_bytes_at(uint64_t off)
{
	return pattern + ((off + HOST_SHIFT) & (PATTERN - 1));
}

static inline unsigned int seg_count(const struct tcp_seg *seg, unsigned int *last_len)
{
	unsigned int n = 0;

	for (; seg; seg = seg->next, n++)
		*last_len = seg->len;
	return n;
}

/* lwIP's connections as they stand, for the trace. */
static inline void trace_pcbs(void)
{
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		unsigned int ul = 0, al = 0, nu = seg_count(p->unsent, &ul);
		unsigned int na = seg_count(p->unacked, &al);

		fprintf(stderr,
			"  pcb %s mss %u snd_wnd %u max %u cwnd %u rcv_wnd %u unsent %u (last %u) "
			"unacked %u (last %u) persist %u rtime %d nrtx %u\n",
			tcp_debug_state_str(p->state), p->mss, (unsigned int)p->snd_wnd,
			(unsigned int)p->snd_wnd_max, (unsigned int)p->cwnd,
			(unsigned int)p->rcv_wnd, nu, ul, na, al, p->persist_backoff, p->rtime,
			p->nrtx);
		for (struct tcp_seg *o = p->ooseq; o; o = o->next)
			fprintf(stderr, "    ooseq rcv_nxt+%u len %u flags %02x\n",
				o->tcphdr->seqno - p->rcv_nxt, o->len, /* host order by now */
				TCPH_FLAGS(o->tcphdr));
	}
}

/* ---- the tx capture: check and learn from what lwIP sent */

static inline const uint8_t *tcp_option(const struct txseg *t, uint8_t kind, uint8_t len)
{
	const uint8_t *o = t->th + TG_TCP_HLEN;

	while (o < t->data && *o != 0) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 2 > t->data || o[1] < 2 || o + o[1] > t->data)
			return NULL;
		if (o[0] == kind && o[1] == len)
			return o;
		o += o[1];
	}
	return NULL;
}

static inline void learn_synack(const struct txseg *t)
{
	const uint8_t *o;

	if (v.synacks && t->seq == v.h_isn)
		return; /* a retransmission */
	if (v.synacks)
		v.oracle = false; /* another connection on the same tuple */
	v.synacks++;
	v.h_isn = t->seq;
	v.h_nxt = v.h_una = t->seq + 1;
	v.g_nxt = t->ack;
	o = tcp_option(t, 2, 4);
	v.l_mss = o ? tb_get16(o + 2) : 536;
	v.l_shift = tcp_option(t, 3, 3) ? LWIP_WSHIFT : 0;
	v.ts = tcp_option(t, 8, 10) != NULL;
}

/* Data to the guest of the first connection: the bytes its host wrote. */
static inline void check_data(const struct txseg *t)
{
	uint32_t rel = t->seq - (v.h_isn + 1);

	if (!v.oracle || v.synacks != 1 || !t->len || !nhosts)
		return;
	FUZZ_ASSERT(rel < (1u << 31) && rel + t->len <= hosts[0].tx);
	FUZZ_ASSERT(!memcmp(t->data, host_bytes_at(rel), t->len));
}

/* txcap_tcp(), kept apart from coverage: a callback for every pair of
 * bytes its checksum loops sum would cost more than lwIP's own work.
 * (GCC, which only checks that this header compiles, has no such
 * attribute.) */
#ifdef __clang__
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define FUZZ_NO_COVERAGE __attribute__((noinline))
#endif
FUZZ_NO_COVERAGE static bool read_frame(unsigned int i, struct txseg *t)
{
	return txcap_tcp(i, t);
}

static inline void check_frame(unsigned int i)
{
	struct txseg t;
	const uint8_t *o;
	uint32_t end;

	FUZZ_ASSERT(read_frame(i, &t));
	TRACE("  <- %02x seq %u ack %u wnd %u len %zu\n", t.flags, t.seq - v.h_isn,
	      t.ack - v.g_isn0, t.wnd, t.len);
	FUZZ_ASSERT(t.sums_ok);
	FUZZ_ASSERT(!memcmp(txcap.frame[i], cfg.guest_mac, 6));
	FUZZ_ASSERT(!memcmp(t.ip + 12, gw_ip, 4) && !memcmp(t.ip + 16, guest_ip, 4));
	FUZZ_ASSERT(t.sport == lport && t.dport == GUEST_PORT);
	if (t.flags & TG_TCP_RST)
		return;
	FUZZ_ASSERT(t.flags & TG_TCP_ACK); /* lwIP never opens a connection here */
	if (t.flags & TG_TCP_SYN)
		learn_synack(&t);
	else
		check_data(&t);
	end = t.seq + (uint32_t)t.len + !!(t.flags & (TG_TCP_SYN | TG_TCP_FIN));
	if (SEQ_GT(end, v.h_nxt))
		v.h_nxt = end;
	v.l_ack = t.ack;
	v.l_wnd = (uint32_t)t.wnd << ((t.flags & TG_TCP_SYN) ? 0 : v.l_shift);
	o = tcp_option(&t, 8, 10);
	if (o)
		v.ts_ech = tb_get32(o + 2);
}

static inline void collect(void)
{
	for (; seen < txcap.n; seen++)
		check_frame(seen);
}

/* The "kernel" completed every frame: @free frames may be lent now. */
static inline void tx_complete(unsigned int free)
{
	collect();
	txcap_drain(free);
	seen = 0;
}

/* ---- one turn of the poller's loop, as far as TCP goes */

static inline void flush_tx(void)
{
	for (int i = 0; i < 8 && gtx_flush(); i++)
		pxtcp_output_all();
}

static inline void turn(void)
{
	loop_wait(0);
	pxtcp_flush();
	for (int i = 0; i < 4; i++) {
		flush_tx();
		pxtcp_reap();
		if (!autodrain)
			break;
		tx_complete(TXCAP_FRAMES);
		if (!gtx_waiting())
			break;
	}
	collect();
}

#endif
