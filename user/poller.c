// SPDX-License-Identifier: MIT
/*
 * poller.c - the daemon's event loop and the rx path through the slot.
 *
 * Theory of operation. One thread. epoll watches the AF_XDP socket, a
 * signalfd and every host socket (pxtcp.c). When the rx ring has frames,
 * each is staged in the slot (slot_stage() validates it), acted on (ARP and
 * gateway ping answered here, SYNs given to pxtcp, other TCP fed to lwIP)
 * and its UMEM frame goes straight back to the fill ring. Frames towards the
 * guest are written into UMEM tx frames by emit_ip() (lwIP's output) or by
 * the reply builders, and the kernel is kicked once per loop turn. When the
 * tx side has no room lwIP keeps its data (ERR_MEM) and pxtcp_output_all()
 * retries once completions freed frames: nothing waits for a timer.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lwip/pbuf.h"

#include "stack/ackcoal.h"
#include "stack/ackfold.h"
#include "control/config.h"
#include "dns/dnsfwd.h"
#include "control/group.h"
#include "wire/ip4out.h"
#include "wire/ipreasm.h"
#include "control/loader.h"
#include "control/log.h"
#include "io/loop.h"
#include "poller.h"
#include "proxy/pxicmp.h"
#include "proxy/pxtcp.h"
#include "proxy/pxudp.h"
#include "wire/reply.h"
#include "wire/slot.h"
#include "stack/stack.h"
#include "io/umem.h"

#define RX_BATCH    64
#define RX_BUDGET   256 /* frames per loop turn, so tx and sockets get a turn */
#define REASM_MAX   64
#define REASM_FRAGS 128
#define REASM_MS    10000

static const struct config *cfg;
static struct umem um;
static struct loader ld;
static struct group_table groups;
static struct tg_ustats *st;
static bool tx_blocked;
static bool stopping;
static uint64_t last_xstats;
static struct loop_handler xsk_h, sig_h;
static struct reasm *reasm;
static uint8_t whole[14 + 65536]; /* a reassembled datagram, staged again */
static int sigfd = -1;

static void count_tx(uint32_t len)
{
	st->tx_frames++;
	st->tx_bytes += len;
}

/* The tx side, for lwIP's output and ip4out's: one IP packet per tx frame,
 * the Ethernet header written in front. */
static uint64_t pending_addr;
static uint8_t *pending_frame;

static uint8_t *tx_begin_type(uint16_t ethertype, size_t *cap)
{
	pending_frame = umem_tx_frame(&um, &pending_addr);
	if (!pending_frame) {
		tx_blocked = true;
		st->tx_ring_full++;
		return NULL;
	}
	memcpy(pending_frame, cfg->guest_mac, 6);
	memcpy(pending_frame + 6, cfg->gw_mac, 6);
	wr16(pending_frame + 12, ethertype);
	*cap = um.tx_max - 14;
	return pending_frame + 14;
}

static uint8_t *tx_begin(size_t *cap)
{
	return tx_begin_type(0x0800, cap);
}

static int tx_commit(size_t ip_len)
{
	if (!pending_frame || umem_tx_send(&um, pending_addr, (uint32_t)(ip_len + 14))) {
		tx_blocked = true;
		st->tx_ring_full++;
		return -ENOBUFS;
	}
	pending_frame = NULL;
	count_tx((uint32_t)(ip_len + 14));
	return 0;
}

/* A whole IPv4 packet, already flat (a held ACK, see ackcoal.c). */
static int emit_raw(const uint8_t *pkt, size_t len)
{
	size_t cap;
	uint8_t *ip = tx_begin(&cap);

	if (!ip)
		return -ENOBUFS;
	memcpy(ip, pkt, len); /* len <= ACKCOAL_HDR_MAX, far below cap */
	return tx_commit(len);
}

/* lwIP's output: an IP packet, to which we add the Ethernet header. */
static int emit_ip(struct pbuf *p, uint16_t ethertype)
{
	size_t cap;
	uint8_t *ip;

	/* lwIP builds the IP and TCP headers in the first pbuf; if they were
	 * not all there, ackcoal_offer() would just not hold the packet. */
	if (ethertype == 0x0800 && ackcoal_offer(p->payload, p->len, p->tot_len, emit_raw))
		return 0;
	ip = tx_begin_type(ethertype, &cap);

	if (!ip)
		return -ENOBUFS;
	if (p->tot_len > cap) {
		pending_frame = NULL; /* never sent: the frame stays free */
		return -EMSGSIZE;
	}
	pbuf_copy_partial(p, ip, p->tot_len, 0);
	return tx_commit(p->tot_len);
}

/* Free tx frames, keeping a reserve for lwIP's segments and replies. */
static uint32_t tx_room(void)
{
	return umem_tx_room(&um, 64);
}

typedef size_t (*reply_fn)(const struct slot *s, const struct config *c, uint8_t *out, size_t cap);

/* Build a reply straight into a tx frame. Returns 0 or a drop reason. */
static int send_reply(reply_fn fn, const struct slot *s, int not_applicable)
{
	uint64_t addr;
	uint8_t *f = umem_tx_frame(&um, &addr);
	size_t n;

	if (!f)
		return SLOT_DROP_NOMEM;
	n = fn(s, cfg, f, um.tx_max);
	if (!n)
		return not_applicable;
	if (umem_tx_send(&um, addr, (uint32_t)n))
		return SLOT_DROP_NOMEM;
	count_tx((uint32_t)n);
	return SLOT_OK;
}

static void send_syn_rst(const uint8_t *ip, size_t len)
{
	uint64_t addr;
	uint8_t *f = umem_tx_frame(&um, &addr);
	size_t n;

	if (!f)
		return; /* the guest retransmits its SYN and asks again */
	n = reply_tcp_rst_from_ip(ip, len, cfg, f, um.tx_max);
	if (n && !umem_tx_send(&um, addr, (uint32_t)n))
		count_tx((uint32_t)n);
}

static int dispatch(const struct slot *s);

static int counted(int r, __u64 *counter)
{
	if (r == SLOT_OK)
		(*counter)++;
	return r;
}

/* A fragment: when it completes its datagram, stage that and act on it. */
static int reassemble(const struct slot *s)
{
	const uint8_t *out;
	size_t len;
	struct slot whole_s;
	int r;

	if (s->family != 4)
		return SLOT_DROP_FRAGMENT;
	r = reasm_add(reasm, s->f.data + s->l3_off, s->l3_len, loop_now_ms(), &out, &len);
	if (r == REASM_PENDING)
		return SLOT_OK;
	if (r != REASM_DONE) {
		st->reasm_dropped++;
		return SLOT_DROP_FRAGMENT;
	}
	st->reasm_done++;
	memcpy(whole, s->f.data, 14);
	memcpy(whole + 14, out, len);
	r = slot_stage(&whole_s, cfg, whole, 14 + len);
	if (r != SLOT_OK)
		return r;
	if (whole_s.kind == SLOT_TCP)
		return SLOT_DROP_FRAGMENT; /* lwIP takes segments of the MSS only */
	return dispatch(&whole_s);
}

static int dispatch_icmp(const struct slot *s)
{
	if (s->family != 4)
		return SLOT_DROP_ND;
	if (!memcmp(s->dst, &cfg->gw_ip4, 4))
		return counted(send_reply(reply_echo4, s, SLOT_DROP_ICMP), &st->icmp_replies);
	return pxicmp_echo(s);
}

static int dispatch(const struct slot *s)
{
	switch (s->kind) {
	case SLOT_ARP:
		return counted(send_reply(reply_arp, s, SLOT_DROP_ARP), &st->arp_replies);
	case SLOT_ICMP:
		return dispatch_icmp(s);
	case SLOT_UDP:
		if (s->family != 4)
			return SLOT_DROP_UNHANDLED;
		return s->dport == 53 ? dnsfwd_query(s) : pxudp_datagram(s);
	case SLOT_TCP:
		if (s->family != 4)
			return SLOT_DROP_UNHANDLED;
		if (slot_is_syn(s))
			return pxtcp_syn(s);
		return stack_input4(s->f.data + s->l3_off, s->l3_len) ? SLOT_DROP_NOMEM : SLOT_OK;
	case SLOT_FRAG:
		return reassemble(s);
	default:
		return SLOT_DROP_UNHANDLED;
	}
}

static void count_drop(int r)
{
	if (r == SLOT_OK)
		return;
	st->slot_drops++;
	st->drop_reason[r]++;
	log_dbg("dropped a guest frame: %s", slot_drop_name((unsigned int)r));
}

#define FRAME_FOLDED (-2) /* a later pure ACK made it redundant */

/*
 * A batch from the main ring: all of it staged first, so that pure ACKs a
 * later one supersedes can be left out (ackfold.c), then acted on in order.
 * A frame that came as a descriptor chain is read joined (umem.c).
 */
static void handle_batch(struct umem_rx *b)
{
	struct slot s[RX_BATCH];
	int r[RX_BATCH];
	uint32_t n = 0;
	const uint8_t *data;
	uint32_t len;
	int got;

	while (n < RX_BATCH && (got = umem_rx_next(&um, b, &data, &len)) != 0) {
		if (got < 0) {
			count_drop(SLOT_DROP_MALFORMED);
			continue;
		}
		st->rx_frames++;
		st->rx_bytes += len;
		r[n] = slot_stage(&s[n], cfg, data, len);
		n++;
	}
	ackfold_begin();
	for (uint32_t i = n; i-- > 0;)
		if (r[i] == SLOT_OK && ackfold_superseded(&s[i]))
			r[i] = FRAME_FOLDED;
	for (uint32_t i = 0; i < n; i++) {
		if (r[i] == FRAME_FOLDED) {
			st->acks_folded++;
			continue;
		}
		count_drop(r[i] == SLOT_OK ? dispatch(&s[i]) : r[i]);
	}
}

/*
 * A frame from the UDP relay's socket: XDP already said it is plain UDP,
 * not DNS, to an allowed destination, or an IPv4 fragment of UDP. The same
 * validating parser reads it (guest bytes stay hostile), and it goes
 * straight to the relay (no lwIP), a fragment by way of the reassembler,
 * whose whole datagram is dispatched like any other.
 */
static void handle_udp_frame(const uint8_t *data, uint32_t len)
{
	struct slot s;
	int r = slot_stage(&s, cfg, data, len);

	st->udp_rx_frames++;
	if (r == SLOT_OK) {
		if (s.kind == SLOT_FRAG)
			r = reassemble(&s);
		else if (s.kind == SLOT_UDP && s.dport != 53)
			r = pxudp_datagram(&s);
		else
			r = SLOT_DROP_UNHANDLED;
	}
	count_drop(r);
}

/* A batch from the UDP relay's ring, frame by frame. */
static void handle_udp_batch(struct umem_rx *b)
{
	const uint8_t *data;
	uint32_t len;
	int got;

	while ((got = umem_rx_next(&um, b, &data, &len)) != 0) {
		if (got > 0)
			handle_udp_frame(data, len);
		else
			count_drop(SLOT_DROP_MALFORMED);
	}
}

typedef void (*batch_fn)(struct umem_rx *b);

static void drain(struct xsk_ring_cons *rx, batch_fn fn)
{
	struct umem_rx b;
	uint32_t done = 0;

	while (done < RX_BUDGET && umem_rx_peek(&um, rx, RX_BATCH, &b) > 0) {
		fn(&b);
		umem_rx_done(&um, &b);
		if (!b.pos)
			break; /* cannot happen: the join area holds any frame */
		done += b.pos;
	}
}

/* Either socket woke us: both rings share the fill ring, so serve both. */
static void on_xsk(struct loop_handler *h, uint32_t events)
{
	(void)h;
	(void)events;
	ackcoal_begin();
	drain(&um.rx, handle_batch);
	pxtcp_flush(); /* its window updates merge with the batch's ACKs */
	st->acks_merged += ackcoal_end(emit_raw);
	drain(&um.urx, handle_udp_batch);
	pxudp_flush();
}

static void on_signal(struct loop_handler *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)h;
	(void)events;
	if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		log_info("%s: signal %u, detaching", cfg->dev, si.ssi_signo);
		stopping = true;
	}
}

static void update_xsk_stats(uint64_t now)
{
	if (now - last_xstats < 1000)
		return;
	last_xstats = now;
	umem_stats(&um, &st->xsk_rx_dropped, &st->xsk_rx_ring_full, &st->xsk_tx_invalid);
	st->rx_pbuf_fallbacks = stack_inbuf_fallbacks();
}

/* Kick tx; when frames came free after lwIP was refused, let it retry. */
static void flush_tx(void)
{
	for (int i = 0; i < 8; i++) {
		umem_tx_flush(&um);
		if (!tx_blocked || um.tx_nfree == 0)
			break;
		tx_blocked = false;
		pxtcp_output_all();
		pxudp_output_all();
	}
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int reasm_timeout_ms(uint64_t now)
{
	uint64_t due = reasm_next_deadline(reasm);

	if (!due)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

static void serve(void)
{
	while (!stopping) {
		uint64_t now = loop_now_ms();
		int timeout;

		stack_run_timers(now);
		pxtcp_run_timers(now);
		pxudp_run_timers(now);
		dnsfwd_run_timers(now);
		pxicmp_run_timers(now);
		st->reasm_dropped += reasm_expire(reasm, now);
		flush_tx();
		pxtcp_reap();
		timeout = min_timeout(stack_timeout_ms(now), pxtcp_timeout_ms(now));
		timeout = min_timeout(timeout, pxudp_timeout_ms(now));
		timeout = min_timeout(timeout, dnsfwd_timeout_ms(now));
		timeout = min_timeout(timeout, pxicmp_timeout_ms(now));
		timeout = min_timeout(timeout, reasm_timeout_ms(now));
		if (um.tx_stalled || tx_blocked)
			timeout = min_timeout(timeout, 1);
		if (loop_wait_busy(timeout, cfg->busy_poll_us) > 0)
			update_xsk_stats(loop_now_ms());
	}
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return -errno;
	sig_h.fn = on_signal;
	return loop_add(sigfd, EPOLLIN, &sig_h);
}

/* The relays: UDP, DNS, ICMP, fragments. */
static int setup_relays(void)
{
	static const struct ip4out_tx tx = { tx_begin, tx_commit, tx_room };
	int err;

	ip4out_init(cfg, &tx);
	reasm = reasm_new(REASM_MAX, REASM_FRAGS, REASM_MS);
	if (!reasm)
		return -ENOMEM;
	err = umem_open_udp(&um, cfg->dev, loader_map_fd(&ld, "tg_xsks"));
	if (!err)
		err = loop_add(um.ufd, EPOLLIN, &xsk_h);
	if (!err)
		err = pxudp_init(cfg, &groups, st);
	if (!err)
		err = dnsfwd_init(cfg, &groups, st);
	if (!err)
		err = pxicmp_init(cfg, &groups, st);
	return err;
}

/*
 * Every TCP connection and UDP flow holds a host socket: raise the soft
 * descriptor limit to the hard one, and say so when even that is short.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_conns + cfg->udp_max_flows + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < want)
		log_warn("only %llu file descriptors for --max-conns %u and --udp-max-flows %u; "
			 "raise 'ulimit -n' to %llu",
			 (unsigned long long)rl.rlim_max, cfg->max_conns, cfg->udp_max_flows,
			 (unsigned long long)want);
}

static int setup(void)
{
	int err;

	raise_fd_limit();
	err = loader_open(&ld, cfg);

	if (err)
		return err;
	st = ld.ustats;
	err = group_build(&groups, cfg);
	if (!err)
		err = group_fill_maps(&groups, cfg->allow, loader_map_fd(&ld, "tg_policy4"),
				      loader_map_fd(&ld, "tg_policy6"));
	if (!err)
		err = umem_open(&um, cfg->dev, cfg->mtu + 14, loader_map_fd(&ld, "tg_xsks"));
	if (!err) {
		loader_set_rx_max(&ld, um.rx_max);
		umem_report(&um, cfg->dev);
		err = stack_init(cfg, emit_ip);
	}
	if (!err)
		err = pxtcp_init(cfg, &groups, st, send_syn_rst);
	if (!err) {
		xsk_h.fn = on_xsk;
		err = loop_add(um.fd, EPOLLIN, &xsk_h);
	}
	if (!err)
		err = setup_relays();
	if (!err)
		err = setup_signals();
	if (!err)
		err = loader_attach(&ld);
	return err;
}

/**
 * poller_run() - `tapgate run`: serve the guest behind cfg->dev
 * @config: checked configuration
 *
 * Return: 0 after a clean stop, or a negative errno (after a message);
 * either way nothing is left attached or pinned.
 */
int poller_run(const struct config *config)
{
	int err;

	cfg = config;
	umem_close(&um);
	err = loop_init();
	if (!err)
		err = setup();
	if (!err) {
		/* Setup's tables came from fresh mmap'd pages (main.c); from now
		 * on lwIP's segments, up to 64 KiB with a jumbo MSS, come and go
		 * per segment: from the heap, not an mmap and munmap each, and
		 * the heap keeps 1 MiB of them rather than give it back and
		 * fault it in again per segment. */
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
		mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
		printf("tapgate: ready on %s\n", cfg->dev);
		fflush(stdout);
		serve();
	}
	pxtcp_fini();
	pxudp_fini();
	dnsfwd_fini();
	pxicmp_fini();
	reasm_free(reasm);
	reasm = NULL;
	if (um.xsk)
		umem_tx_flush(&um);
	loader_close(&ld);
	umem_close(&um);
	group_free(&groups);
	if (sigfd >= 0)
		close(sigfd);
	loop_fini();
	return err;
}
