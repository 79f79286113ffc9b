// SPDX-License-Identifier: MIT
/*
 * fuzz_tcp.c - libFuzzer target: one guest TCP connection per input,
 * through tapgate's real path: guest frames staged by slot_stage() and
 * dispatched by the poller's rule (a SYN to pxtcp_syn(), which connects
 * first; everything else to stack_input4(), where the input hook and the
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
 * 65535). The operations are described at run_op().
 *
 * Speed: one connection per input, at most OPS_MAX operations, a handful
 * of syscalls per operation, no sleeps. The target runs in a network
 * namespace of its own when it can (root), so its loopback connections
 * meet no one else's.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "control/config.h"
#include "control/group.h"
#include "io/loop.h"
#include "proxy/pxtcp.h"
#include "stack/ackcoal.h"
#include "stack/ackfold.h"
#include "stack/lwipmem.h"
#include "stack/stack.h"
#include "wire/slot.h"
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

static uint8_t in8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t in16(struct input *in)
{
	uint16_t hi = in8(in);

	return (uint16_t)(hi << 8 | in8(in));
}

static uint32_t in32(struct input *in)
{
	uint32_t hi = in16(in);

	return hi << 16 | in16(in);
}

/* ---- set up once */

static struct config cfg;
static struct tg_ustats stats;
static struct group_table groups;
static const uint8_t guest_ip[4] = { 100, 96, 0, 2 };
static const uint8_t gw_ip[4] = { 100, 96, 0, 1 };
static int lfd = -1;
static uint16_t lport;
static struct loop_handler lfd_h;
static size_t mem_base;

/* ---- per input */

struct host {
	int fd;	     /* -1 once closed */
	uint64_t tx; /* bytes written (host_byte() of each offset) */
	uint64_t rx; /* bytes read */
};

static struct host hosts[HOSTS];
static unsigned int nhosts;
static bool small_rcvbuf;
static bool host_oracle; /* hosts[0] is the handshake's connection */

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
static uint64_t now_ms;	  /* the fake clock of the timers */
static unsigned int ticks_left;

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

static void pattern_init(void)
{
	for (uint32_t i = 0; i < PATTERN; i++)
		pattern[i] = pattern[i + PATTERN] = (uint8_t)((i * 2654435761u) >> 24);
}

static const uint8_t *guest_bytes_at(uint32_t seq)
{
	return pattern + (seq & (PATTERN - 1));
}

static const uint8_t *host_bytes_at(uint64_t off)
{
	return pattern + ((off + HOST_SHIFT) & (PATTERN - 1));
}

static unsigned int seg_count(const struct tcp_seg *seg, unsigned int *last_len)
{
	unsigned int n = 0;

	for (; seg; seg = seg->next, n++)
		*last_len = seg->len;
	return n;
}

/* lwIP's connections as they stand, for the trace. */
static void trace_pcbs(void)
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

static const uint8_t *tcp_option(const struct txseg *t, uint8_t kind, uint8_t len)
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

static void learn_synack(const struct txseg *t)
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
static void check_data(const struct txseg *t)
{
	uint32_t rel = t->seq - (v.h_isn + 1);

	if (!v.oracle || v.synacks != 1 || !t->len || !nhosts)
		return;
	FUZZ_ASSERT(rel < (1u << 31) && rel + t->len <= hosts[0].tx);
	FUZZ_ASSERT(!memcmp(t->data, host_bytes_at(rel), t->len));
}

/* txcap_tcp(), kept apart from coverage: a callback for every pair of
 * bytes its checksum loops sum would cost more than lwIP's own work. */
__attribute__((no_sanitize("coverage"), noinline)) static bool read_frame(unsigned int i,
									  struct txseg *t)
{
	return txcap_tcp(i, t);
}

static void check_frame(unsigned int i)
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

static void collect(void)
{
	for (; seen < txcap.n; seen++)
		check_frame(seen);
}

/* The "kernel" completed every frame: @free frames may be lent now. */
static void tx_complete(unsigned int free)
{
	collect();
	txcap_drain(free);
	seen = 0;
}

/* ---- one turn of the poller's loop, as far as TCP goes */

static void flush_tx(void)
{
	for (int i = 0; i < 8 && gtx_flush(); i++)
		pxtcp_output_all();
}

static void turn(void)
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

/* ---- host sockets */

static void rst_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* The listener is level-triggered: one accept per event, and no call
 * that only says EAGAIN. */
static void on_accept(struct loop_handler *h, uint32_t events)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), small = 4096;

	(void)h;
	(void)events;
	if (fd < 0)
		return;
	if (nhosts == HOSTS) {
		rst_close(fd);
		return;
	}
	if (small_rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	hosts[nhosts++] = (struct host){ .fd = fd };
}

static struct host *host_at(unsigned int idx)
{
	if (!nhosts)
		return NULL;
	idx %= nhosts;
	return hosts[idx].fd >= 0 ? &hosts[idx] : NULL;
}

static uint8_t iobuf[HOST_IO_MAX];

static void host_write(struct host *h, size_t len)
{
	ssize_t n;

	n = send(h->fd, host_bytes_at(h->tx), len, MSG_DONTWAIT | MSG_NOSIGNAL);
	TRACE("  host %d: wrote %zd of %zu\n", (int)(h - hosts), n, len);
	if (n > 0)
		h->tx += (uint64_t)n;
}

/* Read up to @len bytes (or until EAGAIN with @all); the first
 * connection's must be the guest's bytes in order. */
static void host_read(struct host *h, size_t len, bool all)
{
	ssize_t n;

	do {
		n = recv(h->fd, iobuf, len, MSG_DONTWAIT);
		TRACE("  host %d: read %zd\n", (int)(h - hosts), n);
		if (n <= 0)
			return;
		if (h == &hosts[0] && host_oracle)
			FUZZ_ASSERT(!memcmp(iobuf, guest_bytes_at(v.g_isn0 + 1 + (uint32_t)h->rx),
					    (size_t)n));
		h->rx += (uint64_t)n;
	} while (all);
}

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

static uint8_t *frame_take(unsigned int i, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(batch[i].data, len);
	return batch[i].data;
}

static void frame_give_back(unsigned int i)
{
	ASAN_POISON_MEMORY_REGION(&batch[i], sizeof(batch[i]));
}

/* The poller's dispatch() for a staged TCP frame. */
static void dispatch(const struct slot *s)
{
	if (s->kind != SLOT_TCP || s->family != 4)
		return;
	if (slot_is_syn(s))
		pxtcp_syn(s);
	else
		stack_input4(s->f.data + s->l3_off, s->l3_len);
}

/* The batch, as the poller's on_xsk() and handle_batch() see it. */
static void run_batch(void)
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
static void ts_defang(uint8_t *th, size_t l4len)
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
static void queue_seg(const struct seg *sg)
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

static void send_seg(const struct seg *sg, bool more)
{
	queue_seg(sg);
	if (!more || nbatch == BATCH_MAX)
		run_batch();
}

static size_t opt_add(struct seg *sg, const uint8_t *o, size_t n)
{
	if (sg->optlen + n > sizeof(sg->opt))
		return 0;
	memcpy(sg->opt + sg->optlen, o, n);
	sg->optlen += n;
	return n;
}

static void opt_ts(struct seg *sg, uint32_t val, uint32_t ecr)
{
	uint8_t o[12] = { 1, 1, 8, 10 };

	tb_put32(o + 4, val);
	tb_put32(o + 8, ecr);
	opt_add(sg, o, sizeof(o));
}

static void opt_auto(struct seg *sg)
{
	if (v.ts)
		opt_ts(sg, ++v.ts_clock, v.ts_ech);
}

/* Pad with EOL to a multiple of 4. */
static void opt_pad(struct seg *sg)
{
	while (sg->optlen % 4)
		sg->opt[sg->optlen++] = 0;
}

/*
 * Options of a general segment, by @kind: 0 the usual (timestamps when
 * agreed), 1 none, 2 timestamps with wild values, 3 up to four SACK blocks
 * around what lwIP sent, 4 the SYN's options on any segment, 5 raw bytes
 * from the input (malformed ones too), 6 raw bytes and a header length
 * from the input, 7 the usual.
 */
static void seg_options(struct seg *sg, struct input *in, unsigned int kind)
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
static size_t seg_len(struct input *in, size_t max)
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
static void op_segment(struct input *in)
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

/* The guest's usual segment: in order, everything acknowledged. */
static void plain_seg(struct seg *sg, uint8_t flags, uint16_t wnd)
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

static void syn_options(struct seg *sg, uint8_t what, uint16_t mss, uint8_t shift)
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
static void guest_syn(uint8_t what, uint16_t mss, uint8_t shift, uint32_t isn, uint16_t wnd)
{
	struct seg sg = { .doff = -1, .flags = TG_TCP_SYN, .seq = isn, .wnd = wnd ? wnd : 64240 };

	syn_options(&sg, what, mss, shift);
	opt_pad(&sg);
	send_seg(&sg, false);
}

/* ---- the operations */

static int min_timeout(int a, int b)
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
static void op_timers(struct input *in, bool sleep)
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

static void op_host(struct input *in, unsigned int type, unsigned int arg)
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
static void run_op(struct input *in)
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
	host_oracle = false;
	lwipmem_set_budget((size_t)cfg.tcp_mem_mib << 20);
	lwipmem_stats(&used, NULL, NULL);
	FUZZ_ASSERT(used == mem_base);
	FUZZ_ASSERT(pxtcp_init(&cfg, &groups, &stats) == 0);
	stack_run_timers(now_ms); /* no pcbs: the timer stops */
}

static int host_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	lport = ntohs(a.sin_port);
	lfd_h.fn = on_accept;
	return loop_add(fd, EPOLLIN, &lfd_h) ? -1 : fd;
}

/* A loopback of our own, when we may have one (root). */
static void own_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET))
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
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
	if (group_build(&groups, &cfg, NULL) || loop_init())
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
