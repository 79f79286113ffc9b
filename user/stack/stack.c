// SPDX-License-Identifier: MIT
/*
 * stack.c - lwIP glue: one netif fed bare IP packets (we strip and add the
 * Ethernet header), and TCP timers run only while TCP pcbs exist, so an idle
 * daemon does not wake up.
 *
 * lwIP's ip4_input only accepts packets addressed to the netif's own
 * address. tapgate terminates TCP for every destination: lwIP's input hook
 * (stack_ip4_hook(), named in lwipopts.h) takes each packet before that
 * check and hands its segment to tcp_input() with the packet's own
 * addresses; IPv6 segments go to tcp_input() the same way, without
 * ip6_input. Only packets the slot validated reach stack_input(), and
 * only TCP.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "control/config.h"
#include "io/gtx.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "control/log.h"
#include "io/loop.h"
#include "stack/lwipmem.h"
#include "stack/ackcoal.h"
#include "stack/stack.h"

#define INBUF_COUNT	1024
#define INBUF_AREA_MAX	(16u << 20) /* fewer buffers when the MTU is jumbo */
#define INBUF_BIG_COUNT 64
#define INBUF_BIG_LEN	0xffff /* the longest IP packet: a guest's TSO super-frame */

/*
 * Guest segments go into lwIP as custom pbufs from pools of our own, so
 * the per-frame path does not call malloc (Debian's lwIP is built with
 * MEM_LIBC_MALLOC). A pbuf lives as long as lwIP or pxtcp.c holds its data
 * (up to a window per connection), so a pool can run dry under many busy
 * connections: then pbuf_alloc() is the fallback, counted. Segments up to
 * the MTU take a buffer of the MTU's size; longer ones (a VMM's TSO
 * super-frames, up to 64 KiB: they enter lwIP whole, one tcp_input() for
 * many MSS) take one of a few big buffers.
 */
struct inpool;

struct inbuf {
	struct pbuf_custom pc; /* first: lwIP hands this pointer back */
	struct inbuf *next;
	struct inpool *pool;
	uint8_t data[];
};

struct inpool {
	uint8_t *area;
	size_t size; /* bytes per buffer, header included */
	unsigned int count;
	unsigned int fresh; /* buffers never handed out yet */
	struct inbuf *free;
};

static struct inpool small_pool, big_pool;
static uint64_t inbuf_fallbacks;

static struct netif nif;
static unsigned int nif_mtu;
static uint64_t next_tcp_tick;
static struct {
	uint64_t out_of_window, blind;
} guard;
static struct tcp_pcb *challenge; /* owed a challenge ACK after tcp_input() */

static void inbuf_release(struct pbuf *p)
{
	struct inbuf *b = (struct inbuf *)(void *)p;

	b->next = b->pool->free;
	b->pool->free = b;
}

static int inpool_init(struct inpool *pl, unsigned int count, size_t len)
{
	pl->size = (sizeof(struct inbuf) + len + 63) & ~(size_t)63;
	/* calloc'd pages stay untouched, so unused buffers cost no memory. */
	pl->area = calloc(count, pl->size);
	if (!pl->area)
		return -ENOMEM;
	pl->count = count;
	pl->fresh = count; /* taken in order, so idle pages stay untouched */
	return 0;
}

static int inbuf_init(unsigned int mtu)
{
	unsigned int count = INBUF_AREA_MAX / (mtu + (unsigned int)sizeof(struct inbuf));
	int err = inpool_init(&small_pool, count < INBUF_COUNT ? count : INBUF_COUNT, mtu);

	if (!err && mtu < INBUF_BIG_LEN)
		err = inpool_init(&big_pool, INBUF_BIG_COUNT, INBUF_BIG_LEN);
	return err;
}

static struct inbuf *inpool_get(struct inpool *pl, size_t len)
{
	struct inbuf *b = pl->free;

	if (!pl->area || len > pl->size - sizeof(struct inbuf))
		return NULL;
	if (!b && pl->fresh) {
		b = (struct inbuf *)(void *)(pl->area + (pl->count - pl->fresh) * pl->size);
		b->next = NULL;
		b->pool = pl;
		pl->fresh--;
	}
	if (b)
		pl->free = b->next;
	return b;
}

static struct pbuf *inbuf_get(size_t len)
{
	struct inbuf *b = inpool_get(&small_pool, len);
	size_t room;

	if (!b)
		b = inpool_get(&big_pool, len);
	if (!b) {
		inbuf_fallbacks++;
		return pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	}
	room = b->pool->size - sizeof(struct inbuf);
	b->pc.custom_free_function = inbuf_release;
	return pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_RAM, &b->pc, b->data,
				   (u16_t)(room < 0xffff ? room : 0xffff));
}

uint64_t stack_inbuf_fallbacks(void)
{
	return inbuf_fallbacks;
}

/* The IP header before a TCP header in a packet lwIP built or the slot
 * validated (no options, no extension headers), or 0 when it is neither. */
static size_t tcp_ip_hlen(const uint8_t *ip, size_t len)
{
	if (len >= 20 && ip[0] == 0x45 && ip[9] == 6)
		return 20;
	if (len >= 40 && (ip[0] >> 4) == 6 && ip[6] == 6)
		return 40;
	return 0;
}

/* The MSS the guest's MTU allows over IPv4 (hlen 20) or IPv6 (40); lwIP's
 * own TCP_MSS is a compile-time constant. */
static uint16_t guest_mss(size_t hlen)
{
	return (uint16_t)(nif_mtu - hlen - 20);
}

/*
 * lwIP announces TCP_MSS in its SYN-ACKs whatever the netif's MTU: a guest
 * with a jumbo MTU is told its own MSS instead, so that it sends segments
 * as long as its link carries. The MSS option is the first lwIP writes;
 * the checksum is updated for the two changed bytes (RFC 1624).
 */
static void raise_synack_mss(struct pbuf *p)
{
	uint8_t *ip = p->payload;
	size_t hlen = tcp_ip_hlen(ip, p->len);
	uint8_t *th = ip + hlen;
	uint16_t old, mss = guest_mss(hlen);
	uint32_t sum;

	if (!hlen || p->len < hlen + 24 || !(th[13] & 0x02) || (th[12] >> 4) < 6 || th[20] != 2 ||
	    th[21] != 4)
		return;
	old = rd16(th + 22);
	if (mss <= old)
		return;
	wr16(th + 22, mss);
	sum = (uint16_t)~rd16(th + 16);
	sum += (uint16_t)~old;
	sum += mss;
	wr16(th + 16, csum_fold(sum));
}

/* The MSS option of a guest SYN (options validated by the slot), or 0. */
static uint16_t syn_mss_option(const uint8_t *th, size_t hlen)
{
	for (size_t i = 20; i + 1 < hlen;) {
		if (th[i] == 0)
			break;
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (th[i] == 2 && th[i + 1] == 4 && i + 4 <= hlen)
			return rd16(th + i + 2);
		i += th[i + 1] ? th[i + 1] : 1;
	}
	return 0;
}

/* Whether the pcb's remote end is the source of the guest's packet. */
static bool pcb_from(const struct tcp_pcb *pcb, const uint8_t *ip, size_t hlen)
{
	if (hlen == 40)
		return IP_IS_V6_VAL(pcb->remote_ip) &&
		       !memcmp(ip_2_ip6(&pcb->remote_ip)->addr, ip + 8, 16);
	return !IP_IS_V6_VAL(pcb->remote_ip) &&
	       !memcmp(&ip_2_ip4(&pcb->remote_ip)->addr, ip + 12, 4);
}

/*
 * A guest SYN has just made a pcb (lwIP puts it first on the active list):
 * lwIP capped the guest's MSS at its TCP_MSS; with a jumbo MTU let it send
 * segments as long as both the guest's MSS and its MTU allow.
 */
static void raise_pcb_mss(const uint8_t *ip, size_t hlen)
{
	const uint8_t *th = ip + hlen;
	uint16_t want = syn_mss_option(th, (size_t)(th[12] >> 4) * 4);
	struct tcp_pcb *pcb = tcp_active_pcbs;

	if (want > guest_mss(hlen))
		want = guest_mss(hlen);
	if (want <= TCP_MSS || !pcb || pcb->state != SYN_RCVD || pcb->remote_port != rd16(th) ||
	    pcb->local_port != rd16(th + 2) || !pcb_from(pcb, ip, hlen))
		return;
	pcb->mss = want;
}

/* A data segment from lwIP joins the pending super-frame (gtx.c, gso.c)
 * when it can; the headers are in the first pbuf, as lwIP writes them. */
static bool out_segment(struct pbuf *p, uint16_t ethertype)
{
	const uint8_t *ip = p->payload;
	size_t iphl = tcp_ip_hlen(ip, p->len), thl;
	uint8_t *to;

	if (!iphl || p->len < iphl + 20)
		return false;
	thl = (size_t)(ip[iphl + 12] >> 4) * 4;
	if (thl < 20 || p->len < iphl + thl || p->tot_len <= iphl + thl)
		return false;
	to = gtx_tcp_segment(ethertype, ip, iphl, thl, p->tot_len - iphl - thl);
	if (!to)
		return false;
	pbuf_copy_partial(p, to, (u16_t)(p->tot_len - iphl - thl), (u16_t)(iphl + thl));
	return true;
}

/* One packet from lwIP, copied out of its pbuf chain into a tx frame. No
 * tx room: ERR_MEM, and lwIP keeps the segment queued (backpressure). */
static err_t out_pbuf(struct pbuf *p, uint16_t ethertype)
{
	size_t cap;
	uint8_t *to = gtx_begin(ethertype, &cap);

	if (!to)
		return ERR_MEM;
	if (p->tot_len > cap) {
		gtx_commit_frame(0); /* give the frame back */
		return ERR_BUF;
	}
	pbuf_copy_partial(p, to, p->tot_len, 0);
	return gtx_commit(p->tot_len) ? ERR_MEM : ERR_OK;
}

static err_t out4(struct netif *n, struct pbuf *p, const ip4_addr_t *dst)
{
	(void)n;
	(void)dst;
	if (nif_mtu - 40 > TCP_MSS)
		raise_synack_mss(p);
	/* lwIP builds the IP and TCP headers in the first pbuf; were they not
	 * all there, ackcoal_offer() would just not hold the packet. */
	if (ackcoal_offer(p->payload, p->len, p->tot_len) || out_segment(p, TG_ETH_P_IP))
		return ERR_OK;
	return out_pbuf(p, TG_ETH_P_IP);
}

static err_t out6(struct netif *n, struct pbuf *p, const ip6_addr_t *dst)
{
	(void)n;
	(void)dst;
	if (nif_mtu - 60 > TCP_MSS)
		raise_synack_mss(p);
	if (out_segment(p, TG_ETH_P_IPV6))
		return ERR_OK;
	return out_pbuf(p, TG_ETH_P_IPV6);
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 't';
	n->name[1] = 'g';
	n->mtu = (u16_t)nif_mtu;
	n->output = out4;
	n->output_ip6 = out6;
	/* No ETHARP/BROADCAST flags: lwIP sends nothing but our IP packets
	 * and treats no unicast destination as broadcast. */
	n->flags = 0;
	return ERR_OK;
}

/**
 * stack_init() - Start lwIP with one netif standing for every destination
 * @cfg: configuration (gateway address, MTU)
 *
 * lwIP's output goes through gtx.c: gtx_init() comes first. Once per
 * process (lwIP's globals), from the event-loop thread.
 *
 * Return: 0 or -ENOMEM
 */
int stack_init(const struct config *cfg)
{
	ip4_addr_t addr, mask, gw;

	nif_mtu = cfg->mtu;
	lwipmem_set_budget((size_t)cfg->tcp_mem_mib << 20);
	if (inbuf_init(cfg->mtu))
		return -ENOMEM;
	lwip_init();
	addr.addr = cfg->gw_ip4;
	mask.addr = 0;
	gw.addr = 0;
	if (!netif_add(&nif, &addr, &mask, &gw, NULL, nif_init, ip_input))
		return -ENOMEM;
	netif_set_default(&nif);
	netif_set_link_up(&nif);
	netif_set_up(&nif);
	return 0;
}

/*
 * lwIP's TIME_WAIT connections end as soon as the next segment comes in.
 * lwIP finds the pcb of every segment by walking its lists, TIME_WAIT
 * included: at thousands of connections per second, 2 MSL of TIME_WAIT is
 * thousands of entries walked per segment (a third of the CPU in a profile
 * of the connection-rate benchmark). And a guest that reuses its port after
 * the host closed first would have its new SYN answered by the old tuple's
 * TIME_WAIT with an ACK, not a SYN-ACK. TIME_WAIT guards against late
 * duplicates on a real network; the guest link is a memory copy with no
 * such delays, and the host side keeps its own TIME_WAIT. (lwIP frees a
 * TIME_WAIT pcb without calling its error callback: pxtcp.c gives every pcb
 * back before it can get there, see give_back_pcb() in splice.c.)
 */
static void drop_timewait(void)
{
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
}

/*
 * tapgate terminates TCP for every destination the guest connects to, but
 * lwIP's ip4_input and ip6_input accept only packets to the netif's own
 * addresses. So a segment goes to tcp_input() directly, with what
 * ip*_input would have set for a packet it accepts (the current-packet
 * globals, header stripped) and the packet's own addresses; the listener
 * pxtcp.c made for that exact (destination, port) answers.
 */
static void tcp_in(struct pbuf *p, size_t hlen)
{
	pbuf_remove_header(p, (u16_t)hlen);
	challenge = NULL;
	tcp_input(p, &nif); /* frees p; may set challenge (stack_tcp_guard()) */
	memset(&ip_data, 0, sizeof(ip_data));
	if (challenge) {
		/* The guard dropped the segment and lwIP did nothing else:
		 * the pcb is as it was. */
		tcp_ack_now(challenge);
		tcp_output(challenge);
		challenge = NULL;
	}
}

static void tcp_in6(struct pbuf *p)
{
	struct ip6_hdr *iph = p->payload;

	ip_data.current_netif = &nif;
	ip_data.current_input_netif = &nif;
	ip_data.current_ip6_header = iph;
	ip_data.current_ip_header_tot_len = IP6_HLEN;
	ip_addr_copy_from_ip6_packed(ip_data.current_iphdr_dest, iph->dest);
	ip_addr_copy_from_ip6_packed(ip_data.current_iphdr_src, iph->src);
	tcp_in(p, IP6_HLEN);
}

/**
 * stack_input() - Hand one validated TCP packet (IPv4 or IPv6) to lwIP
 * @ip:  the packet (copied; the caller keeps its buffer)
 * @len: its length
 *
 * Only what slot_stage() validated comes here: a 20-byte IPv4 header or a
 * 40-byte IPv6 one, carrying TCP, its lengths checked. Callbacks of
 * pxtcp.c may run inside this call.
 *
 * Return: 0, -EINVAL for anything else, or -ENOMEM when no pbuf could be
 * had (the packet is dropped and TCP will retransmit it)
 */
int stack_input(const uint8_t *ip, size_t len)
{
	size_t hlen = tcp_ip_hlen(ip, len);
	struct pbuf *p;

	if (!hlen || len < hlen + 20 || len > hlen + 0xffff)
		return -EINVAL;
	if (hlen == 40 && rd16(ip + 4) != len - 40)
		return -EINVAL;
	p = inbuf_get(len); /* one contiguous buffer */
	if (!p)
		return -ENOMEM;
	memcpy(p->payload, ip, len);
	drop_timewait();
	if (next_tcp_tick == 0)
		next_tcp_tick = 1; /* arm the timer from the next loop turn */
	if (hlen == 40)
		tcp_in6(p);
	else
		nif.input(p, &nif); /* ip_input frees p (stack_ip4_hook()) */
	if ((ip[hlen + 13] & 0x12) == 0x02 && guest_mss(hlen) > TCP_MSS)
		raise_pcb_mss(ip, hlen);
	return 0;
}

/**
 * stack_ip4_hook() - lwIP's LWIP_HOOK_IP4_INPUT: take every packet
 * @p:   the IPv4 packet (lwIP's ip4_input checked its version)
 * @inp: our netif
 *
 * IPv4 goes through ip_input(), whose hook this is (see tcp_in()): only a
 * 20-byte IPv4 header (no options) carrying TCP is taken to tcp_input();
 * anything else is dropped, never guessed at.
 *
 * Return: 1: the packet is taken (and freed) here, always
 */
int stack_ip4_hook(struct pbuf *p, struct netif *inp)
{
	const struct ip_hdr *iph = p->payload;
	u16_t tot;

	if (p->len < IP_HLEN || IPH_HL_BYTES(iph) != IP_HLEN || IPH_PROTO(iph) != IP_PROTO_TCP) {
		pbuf_free(p);
		return 1;
	}
	tot = lwip_ntohs(IPH_LEN(iph));
	if (tot < IP_HLEN || tot > p->tot_len) {
		pbuf_free(p);
		return 1;
	}
	pbuf_realloc(p, tot); /* Ethernet padding */
	ip_data.current_netif = inp;
	ip_data.current_input_netif = inp;
	ip_data.current_ip4_header = iph;
	ip_data.current_ip_header_tot_len = IP_HLEN;
	ip_addr_copy_from_ip4(ip_data.current_iphdr_dest, iph->dest);
	ip_addr_copy_from_ip4(ip_data.current_iphdr_src, iph->src);
	tcp_in(p, IP_HLEN);
	return 1;
}

static bool synchronized(const struct tcp_pcb *pcb)
{
	return pcb->state >= ESTABLISHED && pcb->state <= LAST_ACK;
}

/*
 * lwIP 2.1.3 starts its persist timer when a retransmission timeout has
 * put the unacknowledged segments back on the unsent queue and the window
 * is closed. An ACK that then covers them frees them from the unsent queue
 * (they had been sent once) but leaves the timer running, and the next
 * tcp_slowtmr() asserts "persist ticking with empty send buffer" (abort):
 * a guest reaches that with a zero window after a partial ACK, then an ACK
 * of everything. So an ACK of new data stops the timer here; tcp_input()
 * ends in tcp_output(), which starts it again if unsent data still does
 * not fit the window (tests/fuzz/crashes/fuzz_tcp-persist-empty-unsent).
 */
static void persist_acked(struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
	if (pcb->persist_backoff && (TCPH_FLAGS(hdr) & TCP_ACK) &&
	    TCP_SEQ_BETWEEN(hdr->ackno, pcb->lastack + 1, pcb->snd_nxt))
		pcb->persist_backoff = 0;
}

/**
 * stack_tcp_guard() - lwIP's LWIP_HOOK_TCP_INPACKET_PCB: the sequence guard
 * @pcb: the connection lwIP found for the segment (a listener too)
 * @hdr: its TCP header; lwIP has already turned seqno and ackno to host order
 * @p:   its payload (header removed)
 *
 * Runs inside tcp_input(), after the segment's connection is known and
 * before lwIP acts on it, for every segment. It drops:
 *  - data that arrives out of order and reaches past the receive window's
 *    right edge, in a synchronized connection or in SYN_RCVD (the ACK that
 *    ends the handshake may carry data, which lwIP then takes as in
 *    ESTABLISHED). lwIP 2.1.3 trims an in-order segment to the window but
 *    queues an out-of-order one whole, and when the hole before it fills,
 *    asserts "ooseq tcplen > rcv_wnd" (Debian's build aborts). A guest on a
 *    memory link never sends such a segment; it retransmits what is lost
 *    (tests/fuzz/crashes/fuzz_tcp-ooseq-in-handshake-ack).
 *  - in a synchronized connection, an RST or SYN whose sequence number is
 *    not exactly rcv_nxt (RFC 5961): lwIP would take an RST anywhere in
 *    the window, and a SYN reaches its bug #56397. The guest gets a
 *    challenge ACK instead (after tcp_input(), see stack_ip4_hook()), so a
 *    real reset comes again with the right number.
 * A segment it lets through may stop the persist timer (persist_acked());
 * otherwise it changes nothing: lwIP's rule for this hook allows no TCP
 * API call, and a dropped segment must leave the pcb as it was.
 *
 * Return: ERR_OK to let lwIP go on, ERR_ABRT to drop the segment
 */
err_t stack_tcp_guard(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p)
{
	u8_t flags = TCPH_FLAGS(hdr);
	u32_t seq = hdr->seqno;
	u32_t len = p->tot_len + ((flags & TCP_FIN) ? 1 : 0) + ((flags & TCP_SYN) ? 1 : 0);

	if (!synchronized(pcb) && pcb->state != SYN_RCVD)
		return ERR_OK;
	if (synchronized(pcb) && (flags & (TCP_RST | TCP_SYN))) {
		if ((flags & TCP_RST) && !(flags & TCP_SYN) && seq == pcb->rcv_nxt)
			return ERR_OK;
		guard.blind++;
		challenge = pcb;
		return ERR_ABRT;
	}
	if (seq != pcb->rcv_nxt && len && TCP_SEQ_GT(seq + len, pcb->rcv_nxt + pcb->rcv_wnd)) {
		guard.out_of_window++;
		return ERR_ABRT;
	}
	persist_acked(pcb, hdr);
	return ERR_OK;
}

/**
 * stack_guard_stats() - What the sequence guard dropped so far
 * @out_of_window: out-of-order data past the right edge
 * @blind:         RSTs and SYNs off rcv_nxt
 */
void stack_guard_stats(uint64_t *out_of_window, uint64_t *blind)
{
	*out_of_window = guard.out_of_window;
	*blind = guard.blind;
}

/**
 * stack_newest_pcb() - The connection lwIP registered last
 *
 * A SYN that a listener took makes a SYN_RCVD pcb at the head of the
 * active list (TCP_REG): right after stack_input() of that SYN, this is it.
 *
 * Return: the head of the active list, or NULL
 */
struct tcp_pcb *stack_newest_pcb(void)
{
	return tcp_active_pcbs;
}

/* lwIP's clock (TCP timestamps): the event loop's. */
u32_t sys_now(void)
{
	return (u32_t)loop_now_ms();
}

static int tcp_busy(void)
{
	return tcp_active_pcbs || tcp_tw_pcbs;
}

/**
 * stack_run_timers() - Run lwIP's TCP timer if it is due
 * @now_ms: monotonic milliseconds
 */
void stack_run_timers(uint64_t now_ms)
{
	if (!tcp_busy()) {
		next_tcp_tick = 0;
		return;
	}
	if (next_tcp_tick <= 1) {
		next_tcp_tick = now_ms + TCP_TMR_INTERVAL;
		return;
	}
	if (now_ms < next_tcp_tick)
		return;
	tcp_tmr();
	next_tcp_tick = now_ms + TCP_TMR_INTERVAL;
}

/**
 * stack_timeout_ms() - How long the loop may sleep before lwIP needs it
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when lwIP has no TCP work (sleep forever)
 */
int stack_timeout_ms(uint64_t now_ms)
{
	if (!tcp_busy())
		return -1;
	if (next_tcp_tick <= 1)
		return 0;
	return now_ms >= next_tcp_tick ? 0 : (int)(next_tcp_tick - now_ms);
}

/**
 * stack_write_would_misplace() - Whether tcp_write() now would put new
 * bytes at the wrong sequence number
 * @pcb: a connection
 *
 * lwIP 2.1.3's fast retransmit moves the first unacked segment back to
 * the unsent queue; when tapgate's tx ring refuses to send it at once, it
 * can be the queue's last segment, and tcp_write() extends the last
 * unsent segment with new bytes: they would go to the guest at that old
 * segment's sequence numbers (fuzz_tcp found it: the guest received
 * bytes the host had not written there). Until the retransmission is out,
 * nothing new is queued: the tail of the unsent queue must end where the
 * next byte goes (snd_lbb).
 *
 * Return: true while a write must wait
 */
bool stack_write_would_misplace(const struct tcp_pcb *pcb)
{
	const struct tcp_seg *last = pcb->unsent;

	if (!last)
		return false;
	while (last->next)
		last = last->next;
	return lwip_ntohl(last->tcphdr->seqno) + TCP_TCPLEN(last) != pcb->snd_lbb;
}
