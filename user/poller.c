// SPDX-License-Identifier: MIT
/*
 * poller.c - the daemon's event loop and the rx path through the slot.
 *
 * Theory of operation. One thread. epoll watches the AF_XDP sockets, a
 * signalfd, the netlink socket of the host's addresses (whose changes
 * rebuild the groups and the policy maps: on_hostaddr(), group_refresh())
 * and every host socket (pxtcp.c, pxudp.c, ...). When the rx rings
 * have frames, each is staged in the slot (slot_stage() validates it),
 * acted on (ARP, gateway ping and DHCP answered here, IPv6 neighbour
 * discovery by ndp.c, SYNs given to pxtcp, other
 * TCP fed to lwIP, UDP and echo requests to the handler route_handler()
 * names) and its UMEM frame goes straight back
 * to the fill ring. Everything towards the guest goes through gtx.c (see
 * there who owns each tx frame when, and how a full ring pushes back on
 * lwIP without waiting for a timer); once per loop turn gtx_flush() kicks
 * the kernel and lets the writers that were refused try again.
 */
#include <errno.h>
#include <netinet/in.h>
#include <json-c/json.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "stack/ackcoal.h"
#include "stack/ackfold.h"
#include "control/config.h"
#include "control/ctl.h"
#include "dns/dnsfwd.h"
#include "control/group.h"
#include "control/hostaddr.h"
#include "wire/dhcp.h"
#include "wire/ip4out.h"
#include "wire/ip6out.h"
#include "wire/nd.h"
#include "wire/ipreasm.h"
#include "control/loader.h"
#include "control/log.h"
#include "control/privs.h"
#include "control/scfilter.h"
#include "control/route.h"
#include "policy/polload.h"
#include "policy/polset.h"
#include "io/gso.h"
#include "io/gtx.h"
#include "io/loop.h"
#include "poller.h"
#include "proxy/flow.h"
#include "wire.h"
#include "proxy/ndp.h"
#include "proxy/pxicmp.h"
#include "proxy/inbound.h"
#include "proxy/inudp.h"
#include "proxy/pxtcp.h"
#include "tls/tlsx.h"
#include "proxy/flowmap.h"
#include "proxy/pxudp.h"
#include "wire/reply.h"
#include "wire/bytes.h"
#include "wire/slot.h"
#include "stack/lwipmem.h"
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
static struct hostaddr hosts;
static struct router router;
static struct tg_ustats *st;
static bool stopping;
static uint64_t started_ms;
static uint64_t last_xstats;
static struct loop_handler xsk_h, sig_h, host_h;
static struct reasm *reasm;
static uint8_t whole[TG_ETH_HLEN + TG_IP6_HLEN + 65535]; /* a reassembled datagram, staged again */
static uint8_t flat[TG_ETH_HLEN + TG_IP6_HLEN + 65535];	 /* one without extension headers */
static int sigfd = -1;

/* A reply a builder writes whole; 0, or the drop reason to count. */
static int send_reply(gtx_build_fn build, const struct slot *s, int not_applicable)
{
	int err = gtx_reply(build, s);

	if (err == -ENODATA)
		return not_applicable;
	return err ? SLOT_DROP_NOMEM : SLOT_OK;
}

static int dispatch(const struct slot *s);

static int counted(int r, __u64 *counter)
{
	if (r == SLOT_OK)
		(*counter)++;
	return r;
}

/* A fragment: when it completes its datagram, stage that and act on it. */
/* An IPv6 packet with extension headers: lwIP and the reassembler take
 * the fixed header right before TCP or the Fragment header. */
static bool has_ext6(const struct slot *s)
{
	return s->family == 6 && s->l4_off != s->l3_off + TG_IP6_HLEN;
}

static int reassemble(const struct slot *s)
{
	const uint8_t *ip = s->f.data + s->l3_off, *out;
	size_t len = s->l3_len;
	struct slot whole_s;
	int r;

	if (has_ext6(s)) {
		len = slot_flatten6(s, flat, sizeof(flat));
		if (!len)
			return SLOT_DROP_MALFORMED;
		len -= TG_ETH_HLEN;
		ip = flat + TG_ETH_HLEN;
	}
	r = reasm_add(reasm, ip, len, loop_now_ms(), &out, &len);
	if (r == REASM_PENDING)
		return SLOT_OK;
	if (r != REASM_DONE) {
		st->reasm_dropped++;
		return SLOT_DROP_FRAGMENT;
	}
	st->reasm_done++;
	memcpy(whole, s->f.data, TG_ETH_HLEN);
	memcpy(whole + TG_ETH_HLEN, out, len);
	r = slot_stage(&whole_s, cfg, whole, TG_ETH_HLEN + len);
	if (r != SLOT_OK)
		return r;
	if (whole_s.kind == SLOT_TCP)
		return SLOT_DROP_FRAGMENT; /* lwIP takes segments of the MSS only */
	if (whole_s.family == 6)
		whole_s.df = false; /* the guest fragmented it: the host may too */
	return dispatch(&whole_s);
}

/* The handler route.c names for a UDP datagram or an echo request. */
static enum route_handler handler_of(const struct slot *s)
{
	struct flow_key k;

	flow_key_from_slot(&k, s);
	return route_handler(&router, &k);
}

/* ICMPv6: neighbour discovery stays on the link (ndp.c); of the rest only
 * echo requests are served, as ICMP's, the gateway's link-local address
 * answering too and no other link-scope address. */
static int dispatch_icmp6(const struct slot *s)
{
	const uint8_t *m = frame_get(&s->f, s->l4_off, TG_ICMP_HLEN);

	if (!m)
		return SLOT_DROP_MALFORMED;
	if (nd_is_nd(m[0]))
		return ndp_input(s);
	if (m[0] != TG_ICMP6_ECHO_REQUEST)
		return SLOT_DROP_ICMP;
	if (nd_link_scope(s->dst) || handler_of(s) == ROUTE_GATEWAY)
		return counted(send_reply(reply_echo6, s, SLOT_DROP_ICMP), &st->icmp_replies);
	return pxicmp_echo(s);
}

static int dispatch_icmp(const struct slot *s)
{
	if (s->family != 4)
		return dispatch_icmp6(s);
	if (handler_of(s) == ROUTE_GATEWAY)
		return counted(send_reply(reply_echo4, s, SLOT_DROP_ICMP), &st->icmp_replies);
	return pxicmp_echo(s);
}

static int dispatch_udp(const struct slot *s)
{
	if (inudp_owns(s))
		return inudp_from_guest(s);
	switch (handler_of(s)) {
	case ROUTE_DNS:
		return dnsfwd_query(s);
	case ROUTE_UDP_RELAY:
		return pxudp_datagram(s);
	default:
		return SLOT_DROP_UNHANDLED;
	}
}

static int dispatch(const struct slot *s);

/* TCP behind IPv6 extension headers: staged again without them. */
static int dispatch_flat6(const struct slot *s)
{
	struct slot flat_s;
	size_t n = slot_flatten6(s, flat, sizeof(flat));
	int r;

	if (!n)
		return SLOT_DROP_MALFORMED;
	r = slot_stage(&flat_s, cfg, flat, n);
	return r == SLOT_OK ? dispatch(&flat_s) : r;
}

static int dispatch(const struct slot *s)
{
	switch (s->kind) {
	case SLOT_ARP:
		return counted(send_reply(reply_arp, s, SLOT_DROP_ARP), &st->arp_replies);
	case SLOT_ICMP:
		return dispatch_icmp(s);
	case SLOT_DHCP:
		return dhcp_serve(s, cfg, st);
	case SLOT_UDP:
		return dispatch_udp(s);
	case SLOT_TCP:
		if (has_ext6(s))
			return dispatch_flat6(s);
		if (slot_is_syn(s))
			return pxtcp_syn(s);
		return stack_input(s->f.data + s->l3_off, s->l3_len) ? SLOT_DROP_NOMEM : SLOT_OK;
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
		st->rx_queue_frames[b->queue]++;
		st->rx_bytes += len;
		if (len > cfg->mtu + TG_ETH_HLEN)
			st->rx_super_frames++;
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
		else if (inudp_owns(&s))
			r = inudp_from_guest(&s);
		else if (s.kind == SLOT_UDP && handler_of(&s) == ROUTE_UDP_RELAY)
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
		if (got > 0) {
			st->rx_queue_frames[b->queue]++;
			handle_udp_frame(data, len);
		} else {
			count_drop(SLOT_DROP_MALFORMED);
		}
	}
}

typedef void (*batch_fn)(struct umem_rx *b);

static void drain(uint32_t queue, bool relay, batch_fn fn)
{
	struct umem_rx b;
	uint32_t done = 0;

	while (done < RX_BUDGET && umem_rx_peek(&um, queue, relay, RX_BATCH, &b) > 0) {
		fn(&b);
		umem_rx_done(&um, &b);
		if (!b.pos)
			break; /* cannot happen: the join area holds any frame */
		done += b.pos;
	}
}

/* Any socket woke us: a queue's two rings share its fill ring, and one
 * flow's frames may come on any queue, so serve every ring. */
static void on_xsk(struct loop_handler *h, uint32_t events)
{
	(void)h;
	(void)events;
	ackcoal_begin();
	for (uint32_t q = 0; q < um.nq; q++)
		drain(q, false, handle_batch);
	pxtcp_flush(); /* its window updates merge with the batch's ACKs */
	st->acks_merged += ackcoal_end();
	for (uint32_t q = 0; q < um.nq; q++)
		drain(q, true, handle_udp_batch);
	pxudp_flush();
}

/* Every queue's main sockets, or its relay sockets, into the event loop. */
static int watch_xsks(bool relay)
{
	int err = 0;

	xsk_h.fn = on_xsk;
	for (uint32_t q = 0; !err && q < um.nq; q++)
		err = loop_add(relay ? um.q[q].ufd : um.q[q].fd, EPOLLIN, &xsk_h);
	return err;
}

static void reload_policy(void);

static void on_signal(struct loop_handler *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)h;
	(void)events;
	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload_policy();
			continue;
		}
		log_info("%s: signal %u, detaching", cfg->dev, si.ssi_signo);
		stopping = true;
	}
}

static unsigned int policy_sweep(void);

/* The host's addresses changed: the groups, the compiled policy and the
 * open flows follow (a flow to an address the host just took is now a
 * flow to the host). */
static void on_hostaddr(struct loop_handler *h, uint32_t events)
{
	int n;

	(void)h;
	(void)events;
	if (hostaddr_read(&hosts) <= 0)
		return;
	n = group_refresh(&groups, cfg, &hosts);
	if (n < 0) {
		log_warn("%s: the groups lag the host's addresses (%s); the next change tries "
			 "again",
			 cfg->dev, strerror(-n));
		return;
	}
	if (!n)
		return;
	if (polset_regroup(&groups))
		log_warn("%s: the kernel's policy tables lag the host's addresses; user space "
			 "decides by the new ones",
			 cfg->dev);
	log_dbg("%s: host addresses changed: %zu now; %u flows reset", cfg->dev, hosts.n,
		policy_sweep());
}

static void update_xsk_stats(uint64_t now)
{
	uint64_t oow, blind, refused;
	size_t mem_peak;

	if (now - last_xstats < 1000)
		return;
	last_xstats = now;
	umem_stats(&um, &st->xsk_rx_dropped, &st->xsk_rx_ring_full, &st->xsk_tx_invalid);
	st->rx_pbuf_fallbacks = stack_inbuf_fallbacks();
	stack_guard_stats(&oow, &blind);
	lwipmem_stats(NULL, &mem_peak, &refused);
	st->tcp_out_of_window = oow;
	st->tcp_blind = blind;
	st->tcp_mem_refused = refused;
	st->tcp_mem_peak = mem_peak;
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

/* Kick tx; when frames came free after a writer was refused, let lwIP and
 * the UDP relay output again at once (bounded: the rest waits for the next
 * turn, which gtx_waiting() keeps within a millisecond). */
static void flush_tx(void)
{
	for (int i = 0; i < 8 && gtx_flush(); i++) {
		pxtcp_output_all();
		inbound_output_all();
		pxudp_output_all();
	}
}

/* The flow listing's byte counts (flowmap.c): at most once a second while
 * data moves, and once more when the loop is about to sleep long, so the
 * listing ends exact without a wake-up of its own (an idle daemon uses no
 * CPU). */
static uint64_t flows_published_ms, flows_published_total;

static uint64_t moved_total(void)
{
	return st->bytes_to_host + st->bytes_to_guest + st->udp_to_host + st->udp_to_guest;
}

static void publish_flows(uint64_t now, bool going_idle)
{
	if (moved_total() == flows_published_total ||
	    (!going_idle && now - flows_published_ms < 1000))
		return;
	flows_published_ms = now;
	flows_published_total = moved_total();
	pxtcp_publish();
	pxudp_publish();
}

static void serve(void)
{
	while (!stopping) {
		uint64_t now = loop_now_ms();
		int timeout;

		stack_run_timers(now);
		pxtcp_run_timers(now);
		tlsx_run_timers(now);
		inbound_run_timers(now);
		inudp_run_timers(now);
		pxudp_run_timers(now);
		dnsfwd_run_timers(now);
		pxicmp_run_timers(now);
		ndp_run_timers(now);
		ctl_run_timers(now);
		st->reasm_dropped += reasm_expire(reasm, now);
		flush_tx();
		pxtcp_reap();
		tlsx_reap();
		inbound_reap();
		timeout = min_timeout(stack_timeout_ms(now), pxtcp_timeout_ms(now));
		timeout = min_timeout(timeout, inbound_timeout_ms(now));
		timeout = min_timeout(timeout, tlsx_timeout_ms(now));
		timeout = min_timeout(timeout, inudp_timeout_ms(now));
		timeout = min_timeout(timeout, pxudp_timeout_ms(now));
		timeout = min_timeout(timeout, dnsfwd_timeout_ms(now));
		timeout = min_timeout(timeout, pxicmp_timeout_ms(now));
		timeout = min_timeout(timeout, ndp_timeout_ms(now));
		timeout = min_timeout(timeout, reasm_timeout_ms(now));
		timeout = min_timeout(timeout, ctl_timeout_ms(now));
		publish_flows(now, timeout < 0 || timeout >= 1000);
		if (gtx_waiting())
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
	sigaddset(&set, SIGHUP);
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
	int err;

	ip4out_init(cfg);
	ip6out_init(cfg);
	reasm = reasm_new(REASM_MAX, REASM_FRAGS, REASM_MS);
	if (!reasm)
		return -ENOMEM;
	err = umem_open_udp(&um, cfg->dev, loader_map_fd(&ld, TG_STR(TG_MAP_XSKS)));
	if (!err)
		err = watch_xsks(true);
	if (!err)
		err = pxudp_init(cfg, &groups, st);
	if (!err)
		err = dnsfwd_init(cfg, &groups, st);
	if (!err)
		err = pxicmp_init(cfg, &groups, st);
	if (!err)
		ndp_init(cfg, st);
	return err;
}

/*
 * Every TCP connection and UDP flow holds a host socket: raise the soft
 * descriptor limit to the hard one, and say so when even that is short.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	/* An intercepted connection holds two more: a socketpair end and the
	 * server's socket (tls/tlsx.c). */
	rlim_t want =
		(rlim_t)cfg->max_conns * (cfg->tls_intercept ? 3 : 1) + cfg->udp_max_flows + 64;

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

static int setup_policy(void)
{
	struct polset_maps m = {
		.fds = { .pol4 = loader_map_fd(&ld, TG_STR(TG_MAP_POLICY4)),
			 .pol6 = loader_map_fd(&ld, TG_STR(TG_MAP_POLICY6)),
			 .chain = loader_map_fd(&ld, TG_STR(TG_MAP_PCHAIN)) },
		.gen = loader_pol_gen(&ld),
		.hits = ld.phits,
	};
	char err[512];
	int rc;

	polset_init(&m);
	rc = polload_install(cfg, NULL, &groups, err, sizeof(err));
	if (rc)
		log_err("%s", err);
	st->policy_gen = polset_gen();
	return rc;
}

/* The open flows the policy now in force denies go. */
static unsigned int policy_sweep(void)
{
	unsigned int gone = pxtcp_recheck() + pxudp_recheck();

	st->policy_gen = polset_gen();
	st->policy_resets += gone;
	return gone;
}

/* A TLS violation with tls.on_violation "disconnect": from now on the
 * sandbox reaches nothing (a policy that denies all egress, in XDP and
 * here), and its open flows are reset. A restart or a policy reload is
 * the operator's way back. */
static void cut_network(void)
{
	struct policy none, floor;
	char err[256];

	if (policy_from_allow(&none, 0))
		return;
	memset(&floor, 0, sizeof(floor));
	floor.def_egress = TG_ACT_DENY;
	floor.def_ingress = TG_ACT_DENY;
	snprintf(floor.origin, sizeof(floor.origin), "cut: TLS violation");
	snprintf(none.origin, sizeof(none.origin), "cut: TLS violation");
	if (polset_install(&floor, &none, &groups, err, sizeof(err))) {
		policy_free(&none);
		log_err("cannot cut the network after a TLS violation: %s", err);
		return;
	}
	log_warn("%s: network cut after a TLS violation (tls.on_violation); %u flows reset",
		 cfg->dev, policy_sweep());
}

/* SIGHUP: read --policy and --floor again; a bad file leaves the policy in
 * force as it was. */
static void reload_policy(void)
{
	char err[512];

	if (polload_install(cfg, NULL, &groups, err, sizeof(err))) {
		log_err("policy reload refused, the old policy stays: %s", err);
		return;
	}
	log_info("%s: policy reloaded (%s); %u flows it denies reset", cfg->dev,
		 polset_layer(TG_L_SANDBOX)->origin, policy_sweep());
}

/* `tapgate status`: "ok" and one JSON object (control/status.c prints it). */
static void status_reply(char *reply, size_t rlen)
{
	json_object *o = json_object_new_object();
	const struct policy *sb = polset_layer(TG_L_SANDBOX), *fl = polset_layer(TG_L_FLOOR);

	json_object_object_add(o, "device", json_object_new_string(cfg->dev));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(
		o, "uptime_s",
		json_object_new_int64((int64_t)((loop_now_ms() - started_ms) / 1000)));
	json_object_object_add(o, "prog_id", json_object_new_int64(loader_prog_id(&ld)));
	json_object_object_add(o, "attach", json_object_new_string(loader_mode_name(&ld)));
	json_object_object_add(o, "loaded", json_object_new_string(cfg->adopt ? "adopted" : "own"));
	json_object_object_add(o, "rx_queues", json_object_new_int((int)um.nq));
	json_object_object_add(o, "policy", json_object_new_string(sb->origin));
	json_object_object_add(o, "policy_rules", json_object_new_int((int)sb->n));
	json_object_object_add(o, "floor", json_object_new_string(fl->origin));
	json_object_object_add(o, "floor_rules", json_object_new_int((int)fl->n));
	json_object_object_add(o, "tcp_conns", json_object_new_int((int)pxtcp_count()));
	json_object_object_add(o, "tls_conns", json_object_new_int((int)tlsx_count()));
	json_object_object_add(o, "published",
			       json_object_new_int((int)(inbound_published() + inudp_published())));
	json_object_object_add(o, "inbound_conns", json_object_new_int((int)inbound_count()));
	json_object_object_add(o, "udp_flows", json_object_new_int64((int64_t)st->udp_flows_open));
	json_object_object_add(o, "rx_bytes", json_object_new_int64((int64_t)st->rx_bytes));
	json_object_object_add(o, "tx_bytes", json_object_new_int64((int64_t)st->tx_bytes));
	snprintf(reply, rlen, "ok %s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* `tapgate publish` and `tapgate unpublish`: @spec as --publish takes it;
 * other flows, and the connections of an unpublished port, go on. */
static void publish_reply(const char *cmd, const char *spec, char *reply, size_t rlen)
{
	struct publish p;
	char err[256] = "";
	bool udp;
	int r;

	if (config_parse_publish(spec, &p)) {
		snprintf(reply, rlen, "error: '%s': give [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]\n",
			 spec);
		return;
	}
	udp = p.proto == IPPROTO_UDP;
	if (!strcmp(cmd, "publish"))
		r = udp ? inudp_add(&p, err, sizeof(err)) : inbound_add(&p, err, sizeof(err));
	else if ((r = udp ? inudp_remove(&p) : inbound_remove(&p)) != 0)
		snprintf(err, sizeof(err), "'%s' is not published", spec);
	if (!r)
		r = loader_set_inbound(&ld, inbound_published() + inudp_published() > 0);
	if (r) {
		snprintf(reply, rlen, "error: %s\n", err);
		return;
	}
	snprintf(reply, rlen, "ok: %s %s\n", spec, cmd[0] == 'p' ? "published" : "unpublished");
	log_info("%s: %s %s", cfg->dev, spec, cmd[0] == 'p' ? "published" : "unpublished");
}

/* `tapgate policy` and `tapgate status`, through the control socket. */
static void on_ctl(const char *cmd, const char *name, const char *body, size_t len, char *reply,
		   size_t rlen)
{
	char err[512];

	if (!strcmp(cmd, "policy")) {
		if (polload_install_text(cfg, name, body, len, &groups, err, sizeof(err))) {
			log_err("policy from '%s' refused, the old policy stays: %s", name, err);
			snprintf(reply, rlen, "error: %s; the old policy stays\n", err);
			return;
		}
		snprintf(reply, rlen, "ok: %s in force (%u rules); %u open flows it denies reset\n",
			 name, polset_layer(TG_L_SANDBOX)->n, policy_sweep());
		log_info("%s: policy from '%s' in force", cfg->dev, name);
	} else if (!strcmp(cmd, "status")) {
		status_reply(reply, rlen);
	} else if (!strcmp(cmd, "publish") || !strcmp(cmd, "unpublish")) {
		publish_reply(cmd, name, reply, rlen);
	}
}

/* Super-frames to the guest (gso.c), unless --gso off or the socket
 * cannot be had: then one frame per segment, as the ring carries them. */
static void open_gso(void)
{
	int err;

	if (!cfg->gso)
		return;
	err = gso_open(ld.ifindex, cfg->guest_mac, cfg->gw_mac);
	if (err)
		log_warn("%s: no packet socket for super-frames (%s): one frame per TCP segment",
			 cfg->dev, strerror(-err));
}

static int setup(void)
{
	int err;

	raise_fd_limit();
	err = cfg->adopt ? loader_adopt(&ld, cfg) : loader_open(&ld, cfg);

	if (err)
		return err;
	st = ld.ustats;
	route_init(&router, cfg, &groups);
	err = hostaddr_open(&hosts);
	if (!err)
		err = group_build(&groups, cfg, &hosts);
	if (!err)
		err = setup_policy();
	if (!err) {
		host_h.fn = on_hostaddr;
		err = loop_add(hosts.fd, EPOLLIN, &host_h);
	}
	if (!err)
		err = umem_open(&um, cfg->dev, cfg->mtu + TG_ETH_HLEN,
				loader_map_fd(&ld, TG_STR(TG_MAP_XSKS)));
	if (!err) {
		struct gtx_backend tx = gtx_umem_backend(&um);

		loader_set_rx_max(&ld, um.rx_max);
		st->rx_queues = um.nq;
		umem_report(&um, cfg->dev);
		gtx_init(cfg, st, &tx);
		open_gso();
		err = stack_init(cfg);
	}
	if (!err)
		err = pxtcp_init(cfg, &groups, st);
	if (!err)
		err = tlsx_init(cfg, &groups, st, cut_network);
	if (!err)
		err = inbound_init(cfg, &groups, st);
	if (!err)
		err = inudp_init(cfg, st);
	if (!err)
		err = watch_xsks(false);
	if (!err)
		err = setup_relays();
	if (!err)
		err = setup_signals();
	if (!err) {
		flowmap_init(loader_map_fd(&ld, TG_STR(TG_MAP_FLOWS)));
		err = ctl_open(cfg->dev, on_ctl);
	}
	if (!err)
		err = loader_attach(&ld, cfg->xdp_mode, um.sg);
	if (!err && cfg->uid)
		err = loader_hand_over(&ld, cfg->uid, cfg->gid)
			      ?: ctl_hand_over(cfg->uid, cfg->gid);
	if (!err)
		err = privs_drop(loader_needs_sys_admin(&ld), cfg->uid, cfg->gid);
	if (!err && cfg->uid)
		log_info("serving as user %s (uid %u, gid %u)", cfg->user, (unsigned int)cfg->uid,
			 (unsigned int)cfg->gid);
	if (!err)
		err = scfilter_install(cfg->seccomp, loader_needs_sys_admin(&ld), gso_fd());
	if (!err && cfg->seccomp != SCFILTER_OFF)
		log_info("system call filter %s: %u rules",
			 cfg->seccomp == SCFILTER_LOG ? "logging" : "on", scfilter_count());
	return err;
}

/**
 * poller_run() - `tapgate run`: serve the guest behind cfg->dev
 * @config: checked configuration
 *
 * Return: 0 after a clean stop, or a negative errno (after a message);
 * either way nothing is left attached or pinned.
 */
int poller_run(const struct config *config, uint64_t t0_ms)
{
	int err;

	cfg = config;
	umem_close(&um);
	hostaddr_init(&hosts);
	err = loop_init();
	started_ms = loop_now_ms();
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
		printf("tapgate: ready on %s (in %llu ms)\n", cfg->dev,
		       (unsigned long long)(loop_now_ms() - t0_ms));
		fflush(stdout);
		serve();
	}
	inbound_fini();
	inudp_fini();
	pxtcp_fini();
	tlsx_fini();
	pxudp_fini();
	dnsfwd_fini();
	pxicmp_fini();
	ctl_close();
	reasm_free(reasm);
	reasm = NULL;
	if (um.q[0].xsk)
		umem_tx_flush(&um);
	loader_close(&ld);
	gso_close();
	umem_close(&um);
	polset_free();
	group_free(&groups);
	hostaddr_close(&hosts);
	if (sigfd >= 0)
		close(sigfd);
	loop_fini();
	return err;
}
