// SPDX-License-Identifier: MIT
/*
 * gtx.c - guest tx: write frames for the guest into tx frames, send them,
 * count them, and push back on the writers when there is no room.
 *
 * Theory of operation (who owns each UMEM tx frame at each step; one
 * thread, the event loop's, does all of it):
 *  1. Free: on the backend's free stack (umem.c), ours.
 *  2. Lent: gtx_begin() (and the send functions below, which use it) lends
 *     the top free frame to one writer at a time and writes the Ethernet
 *     header; the writer puts one IP packet behind it (ip4out.c's packets
 *     and fragments, lwIP's output copied out of its pbufs by stack.c, a
 *     held ACK), or a reply builder (reply.c) writes the whole frame. The frame is still on the
 *     free stack: a writer that gives up (packet too big, builder had
 *     nothing to say) just leaves it there, and the next lend is the same
 *     frame.
 *  3. Queued: gtx_commit() puts it on the tx ring, counted in tx_frames and
 *     tx_bytes; from then on it is the kernel's.
 *  4. Completed: gtx_flush(), once per loop turn, kicks the kernel and
 *     reaps the completion ring, which puts the frame back on the free stack
 *     (the backend also reaps when lending finds none free).
 * lwIP's pure ACKs may be held during an rx batch (ackcoal.c): those are
 * copies in ackcoal's table, not frames, until gtx_send_ip() sends them.
 * lwIP's TCP data segments may instead join a pending super-frame
 * (gtx_tcp_segment(), gso.c): a copy in gso's buffer until send_run()
 * sends it, at the next lend (before that frame is written), when a
 * segment cannot join, or at gtx_flush(). A run of one goes on the ring
 * as a frame; a longer one leaves by gso's packet socket after a kick, so
 * the frames already on the ring go before it and the next ones after.
 *
 * Backpressure: when no frame is free or the ring is full, the writer is
 * refused (-ENOBUFS, counted in tx_ring_full) and "blocked" is remembered.
 * lwIP takes the refusal as ERR_MEM and keeps the segment queued; the UDP
 * relay stops reading its host socket. When gtx_flush() finds frames free
 * again after a refusal it says so, and the poller has the TCP and UDP
 * sides output again at once: nothing waits for a timer. (gtx calls no
 * layer above it: io knows frames, not lwIP or the proxies.)
 * gtx_room() keeps GTX_RESERVE chunks out of what the relays may take, so
 * datagrams never starve lwIP's segments and the replies. The reserve is
 * counted in chunks, the room in frames of the MTU: at a jumbo MTU one such
 * frame is a chain of up to 16 chunks, and the whole tx half holds only 16
 * of them (a reserve of 64 such frames left the relays no room at all).
 */
#include <errno.h>
#include <string.h>

#include "control/config.h"
#include "io/gso.h"
#include "io/gtx.h"
#include "io/umem.h"
#include "wire.h"
#include "wire/bytes.h"

static const struct config *cfg;
static struct tg_ustats *st, dummy_stats;
static struct gtx_backend be;
static uint64_t lent_addr;
static uint8_t *lent; /* the frame gtx_begin() lent, until gtx_commit() */
static bool blocked;  /* a writer was refused: retry once frames come free */

static uint8_t *umem_lend(void *ctx, uint64_t *addr)
{
	return umem_tx_frame(ctx, addr);
}

static int umem_send(void *ctx, uint64_t addr, uint32_t len)
{
	return umem_tx_send(ctx, addr, len);
}

static void umem_kick(void *ctx)
{
	umem_tx_flush(ctx);
}

static uint32_t umem_room(void *ctx, uint32_t reserve)
{
	/* whole frames of the longest size (a long one is a chain of chunks) */
	return umem_tx_room(ctx, reserve);
}

static bool umem_stalled(void *ctx)
{
	return ((struct umem *)ctx)->tx_stalled;
}

/**
 * gtx_umem_backend() - The daemon's backend: the tx half of the UMEM
 * @u: an open UMEM (umem_open())
 *
 * Return: the backend, for gtx_init()
 */
struct gtx_backend gtx_umem_backend(struct umem *u)
{
	return (struct gtx_backend){
		.ctx = u,
		.frame_size = u->tx_max,
		.lend = umem_lend,
		.send = umem_send,
		.kick = umem_kick,
		.room = umem_room,
		.stalled = umem_stalled,
	};
}

/**
 * gtx_init() - Say where frames go and whose addresses they carry
 * @config: guest and gateway MAC addresses (kept)
 * @stats:  counters (tx_frames, tx_bytes, tx_ring_full), or NULL
 * @backend: where tx frames come from (copied)
 *
 * Called before anything sends, from the event-loop thread.
 */
void gtx_init(const struct config *config, struct tg_ustats *stats,
	      const struct gtx_backend *backend)
{
	cfg = config;
	st = stats ? stats : &dummy_stats;
	be = *backend;
	lent = NULL;
	blocked = false;
}

static int commit(size_t len);
static int send_run(void);

/* The kernel or the ring pushed back: counted, and the writers retry once
 * gtx_flush() finds room. */
static int pushed_back(void)
{
	blocked = true;
	st->tx_ring_full++;
	return -ENOBUFS;
}

static uint8_t *lend(void)
{
	/* A pending super-frame goes first: frames keep lwIP's order. */
	if (gso_segs() && send_run()) {
		lent = NULL;
		return NULL;
	}
	lent = be.lend(be.ctx, &lent_addr);
	if (!lent)
		pushed_back();
	return lent;
}

/* The writer gives the lent frame up: it stays free, and a stray
 * gtx_commit() cannot send it. */
static int give_up(int err)
{
	lent = NULL;
	return err;
}

static int commit(size_t len)
{
	uint8_t *f = lent;

	lent = NULL;
	if (!f || be.send(be.ctx, lent_addr, (uint32_t)len))
		return pushed_back();
	st->tx_frames++;
	st->tx_bytes += len;
	return 0;
}

/*
 * The pending run of segments (gso.c): one segment goes on the ring as the
 * frame it is; more go as one super-frame, after the frames already on the
 * ring (kicked first, so that nothing overtakes them).
 */
static int send_run(void)
{
	unsigned int n = gso_segs();
	size_t len;
	const uint8_t *f = gso_frame(&len);
	uint8_t *to;

	if (n == 1 && len <= be.frame_size) {
		to = be.lend(be.ctx, &lent_addr);
		if (!to)
			return pushed_back();
		memcpy(to, f, len);
		lent = to;
		gso_clear();
		return commit(len);
	}
	be.kick(be.ctx);
	if (gso_send())
		return pushed_back();
	st->tx_gso_frames++;
	st->tx_gso_segments += n;
	st->tx_gso_bytes += len;
	return 0;
}

/**
 * gtx_tcp_segment() - Where a TCP segment's payload goes when it joins a
 * super-frame (gso.c)
 * @ethertype: TG_ETH_P_IP or TG_ETH_P_IPV6
 * @ip:        its IP and TCP headers, flat
 * @iphl:      IP header length
 * @thl:       TCP header length
 * @paylen:    payload bytes (the caller copies them there)
 *
 * Return: where the payload goes, or NULL: send the segment as a frame
 * (gtx_begin(), which also sends what is pending first)
 */
uint8_t *gtx_tcp_segment(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl,
			 size_t paylen)
{
	uint8_t *to;

	if (!gso_on())
		return NULL;
	to = gso_append(ethertype, ip, iphl, thl, paylen);
	if (to || !gso_segs() || send_run())
		return to;
	return gso_append(ethertype, ip, iphl, thl, paylen);
}

/**
 * gtx_begin() - Borrow a tx frame for one packet, Ethernet header written
 * @ethertype: TG_ETH_P_IP or TG_ETH_P_IPV6
 * @cap:       set to the bytes the packet may take
 *
 * Give the frame to gtx_commit() before the next gtx_begin(), or leave it:
 * an uncommitted frame stays free.
 *
 * Return: where the packet goes, or NULL when there is no room (counted;
 * gtx_flush() lets lwIP retry once frames come free)
 */
uint8_t *gtx_begin(uint16_t ethertype, size_t *cap)
{
	uint8_t *f = lend();

	if (!f)
		return NULL;
	memcpy(f, cfg->guest_mac, 6);
	memcpy(f + 6, cfg->gw_mac, 6);
	wr16(f + 12, ethertype);
	*cap = be.frame_size - TG_ETH_HLEN;
	return f + TG_ETH_HLEN;
}

/**
 * gtx_commit() - Send the frame gtx_begin() lent
 * @l3_len: bytes of the packet written behind the Ethernet header
 *
 * Return: 0, or -ENOBUFS when nothing was lent or the ring is full
 */
int gtx_commit(size_t l3_len)
{
	return commit(TG_ETH_HLEN + l3_len);
}

/**
 * gtx_room() - Frames the relays may fill now
 *
 * Return: tx frames of the longest size that fit the free chunks beyond
 * GTX_RESERVE (kept for lwIP and the replies)
 */
uint32_t gtx_room(void)
{
	return be.room(be.ctx, GTX_RESERVE);
}

/**
 * gtx_send_ip() - Send one flat IPv4 packet (a held ACK, see ackcoal.c)
 * @ip:  the packet
 * @len: its length
 *
 * Return: 0, -ENOBUFS, or -EMSGSIZE when it does not fit a frame
 */
int gtx_send_ip(const uint8_t *ip, size_t len)
{
	size_t cap;
	uint8_t *to = gtx_begin(TG_ETH_P_IP, &cap);

	if (!to)
		return -ENOBUFS;
	if (len > cap)
		return give_up(-EMSGSIZE);
	memcpy(to, ip, len);
	return gtx_commit(len);
}

/**
 * gtx_reply() - Send a reply a builder writes whole (see reply.h)
 * @build: the builder
 * @s:     the staged guest frame it answers
 *
 * Return: 0, -ENOBUFS, or -ENODATA when the builder had no reply
 */
int gtx_reply(gtx_build_fn build, const struct slot *s)
{
	size_t cap;
	uint8_t *f = gtx_lend_frame(&cap);

	if (!f)
		return -ENOBUFS;
	return gtx_commit_frame(build(s, cfg, f, cap));
}

/**
 * gtx_flush() - Kick tx and reap completions
 *
 * Called once or a few times per loop turn, outside lwIP.
 *
 * Return: true when a writer was refused and frames are free again: the
 * caller should let the writers output again now (and then flush again)
 */
bool gtx_flush(void)
{
	if (gso_segs())
		send_run();
	be.kick(be.ctx);
	if (!blocked || be.room(be.ctx, 0) == 0)
		return false;
	blocked = false;
	return true;
}

/**
 * gtx_lend_frame() - Borrow a whole tx frame (the writer writes the
 * Ethernet header too), as for the reply builders
 * @cap: set to the frame's size
 *
 * Return: the frame, or NULL when there is no room (counted)
 */
uint8_t *gtx_lend_frame(size_t *cap)
{
	uint8_t *f = lend();

	*cap = f ? be.frame_size : 0;
	return f;
}

/**
 * gtx_commit_frame() - Send the frame gtx_lend_frame() lent
 * @len: its length, Ethernet header included; 0 gives the frame back unsent
 *
 * Return: 0, -ENODATA for @len 0, or -ENOBUFS
 */
int gtx_commit_frame(size_t len)
{
	if (!len)
		return give_up(-ENODATA);
	return commit(len);
}

/**
 * gtx_waiting() - Whether tx has work the kernel or a retry still owes
 *
 * Return: true when the loop should come back within a millisecond (the
 * kernel pushed back, or a writer is blocked)
 */
bool gtx_waiting(void)
{
	return blocked || gso_segs() || be.stalled(be.ctx);
}
