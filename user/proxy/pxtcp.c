// SPDX-License-Identifier: MIT
/*
 * pxtcp.c - guest TCP connections: their table and lifetime, connect-first
 * setup, and the lwIP listeners it needs. The bytes move in splice.c.
 *
 * Theory of operation. A guest SYN does not reach lwIP at first:
 * pxtcp_syn() asks route_decide() where the flow may go (the gateway
 * stands for the host's 127.0.0.1; DNS goes to the upstream resolvers),
 * checks the connection limit, starts a non-blocking connect() to the real
 * destination and keeps a copy of the SYN. Only when the connect succeeds
 * is a listener made for that exact (dst ip, dst port) and the SYN fed to
 * lwIP, which answers SYN-ACK; a refused or timed-out connect answers RST
 * instead (DNS tries the next upstream first). So the guest sees the
 * host's verdict, never "connected, then closed". When lwIP accepts, the
 * connection's splice starts, with the DNS filter (dnstcp.c) for DNS.
 *
 * Lifetime of a struct pxconn:
 *
 *   CONNECTING  host connect under way           -> HANDSHAKE, DEAD
 *   HANDSHAKE   SYN fed to lwIP, waiting for its
 *               accept (at most HANDSHAKE_MS); a
 *               guest RST or lwIP giving up on its
 *               SYN-ACKs ends it at once          -> OPEN, DEAD
 *   OPEN        spliced; ends when the splice
 *               tells us it closed or was reset   -> DEAD
 *   DEAD        out of the table (the tuple is free for a new SYN at once),
 *               freed by pxtcp_reap() outside any lwIP call
 *
 * Ownership: a pxconn owns its host fd (closed when reaped) and the
 * splice's memory; the splice holds the pcb once lwIP accepted (see
 * splice.c). A listener is shared by the handshakes to its (ip, port) and
 * closed with the last. Connections and listeners come from pools sized
 * by --max-conns at start. Everything runs on the event-loop thread; lwIP
 * callbacks run inside stack_input(), tcp_output() or the TCP timer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lwip/tcp.h"

#include "control/config.h"
#include "io/gtx.h"
#include "control/log.h"
#include "control/route.h"
#include "dns/dnstcp.h"
#include "io/loop.h"
#include "proxy/flow.h"
#include "proxy/hostsock.h"
#include "proxy/flowmap.h"
#include "proxy/pxtcp.h"
#include "proxy/splice.h"
#include "wire/bytes.h"
#include "wire/reply.h"
#include "stack/stack.h"
#include "tls/tlsx.h"
#include "wire/slot.h"

#define SYN_MAX	     128
#define HANDSHAKE_MS 30000 /* guest must finish the handshake in this time */

enum px_state { PX_CONNECTING = 0, PX_HANDSHAKE, PX_OPEN, PX_DEAD };

struct listener {
	struct flow_entry fe; /* dst, dport and proto only */
	struct tcp_pcb *pcb;
	unsigned int refs;
};

struct pxconn {
	struct loop_handler h;	    /* first: the loop hands us &h */
	struct flow_entry fe;	    /* the guest's tuple */
	struct pxconn *next, *prev; /* all live connections; the dead list uses next */
	struct route rt;
	int fd;
	enum px_state state;
	unsigned int attempt; /* host connects tried before this one */
	struct listener *lst;
	struct tcp_pcb *hs_pcb; /* HANDSHAKE: lwIP's SYN_RCVD pcb, until accepted or gone */
	uint64_t deadline;
	struct splice sp;
	struct dnstcp *dns; /* the DNS filter's state (DNS only: from dns_pool) */
	uint64_t published; /* bytes both ways last written to the flow listing */
	uint16_t syn_len;
	uint8_t syn[SYN_MAX];
};

static const struct config *cfg;
static struct router router;
static struct tg_ustats *st, dummy_stats;
static struct flow_table conns, listeners;
static struct flow_pool conn_pool, listener_pool;
/* DNS filter state for the few DNS-over-TCP connections, not in every
 * connection: 10 000 held connections would carry it for nothing. */
static struct flow_pool dns_pool;
static struct pxconn *all;
static unsigned int nconns;
static unsigned int npending;	 /* connecting or in handshake */
static unsigned int ndns;	 /* DNS over TCP (at most DNSTCP_MAX) */
static struct pxconn *dead_list; /* killed, freed by pxtcp_reap() */

static void on_fd(struct loop_handler *h, uint32_t events);
static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err);

/**
 * pxtcp_init() - Size the tables and pools; remember the collaborators
 * @config: configuration (max_conns, addresses, timeouts)
 * @g:      destination groups
 * @stats:  counters to keep (mmapped pinned map), or NULL
 *
 * Return: 0 or -ENOMEM
 */
int pxtcp_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	unsigned int max = config->max_conns;

	cfg = config;
	route_init(&router, config, g);
	st = stats ? stats : &dummy_stats;
	splice_init(st);
	if (flow_table_init(&conns, max) || flow_table_init(&listeners, max) ||
	    flow_pool_init(&conn_pool, sizeof(struct pxconn), max) ||
	    flow_pool_init(&listener_pool, sizeof(struct listener), max) ||
	    flow_pool_init(&dns_pool, sizeof(struct dnstcp), DNSTCP_MAX))
		return -ENOMEM;
	return 0;
}

static struct pxconn *find_conn(const struct flow_key *k)
{
	struct flow_entry *e = flow_find(&conns, k);

	return e ? flow_container_of(e, struct pxconn, fe) : NULL;
}

/* ---- listeners: one per (dst ip, dst port) while handshakes are pending */

static void lwip_addr(ip_addr_t *ip, const struct tg_addr *a)
{
	memset(ip, 0, sizeof(*ip));
	if (a->family == 6) {
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(ip)->addr, a->a, 16);
	} else {
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(ip)->addr, a->a, 4);
	}
}

static struct listener *listener_get(const struct pxconn *c)
{
	struct flow_key k = { .dst = c->fe.key.dst,
			      .proto = IPPROTO_TCP,
			      .dport = c->fe.key.dport };
	struct flow_entry *e = flow_find(&listeners, &k);
	struct tcp_pcb *pcb;
	struct listener *l;
	ip_addr_t addr;
	err_t err;

	if (e) {
		l = flow_container_of(e, struct listener, fe);
		l->refs++;
		return l;
	}
	l = flow_pool_get(&listener_pool);
	pcb = tcp_new_ip_type(k.dst.family == 6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	if (!l || !pcb)
		goto fail;
	/* Accepted pcbs inherit SO_REUSEADDR, so later listeners on the same
	 * (ip, port) can bind while earlier connections are alive. */
	ip_set_option(pcb, SOF_REUSEADDR);
	lwip_addr(&addr, &k.dst);
	if (tcp_bind(pcb, &addr, k.dport) != ERR_OK)
		goto fail;
	l->pcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
	if (!l->pcb)
		goto fail;
	tcp_accept(l->pcb, on_accept);
	l->fe.key = k;
	l->refs = 1;
	flow_insert(&listeners, &l->fe);
	return l;
fail:
	if (pcb)
		tcp_abort(pcb);
	if (l)
		flow_pool_put(&listener_pool, l);
	return NULL;
}

static void listener_put(struct listener *l)
{
	if (!l || --l->refs)
		return;
	flow_remove(&listeners, &l->fe);
	tcp_accept(l->pcb, NULL);
	tcp_close(l->pcb); /* cannot fail for a listening pcb */
	flow_pool_put(&listener_pool, l);
}

/* ---- connection lifetime */

static struct pxconn *conn_new(const struct slot *s, const struct flow_key *k,
			       const struct route *rt)
{
	struct pxconn *c = flow_pool_get(&conn_pool);

	if (!c)
		return NULL;
	c->dns = NULL;
	if (rt->handler == ROUTE_DNS && !(c->dns = flow_pool_get(&dns_pool))) {
		flow_pool_put(&conn_pool, c);
		return NULL;
	}
	c->fe.key = *k;
	flow_insert(&conns, &c->fe); /* pxtcp_syn() found no such tuple */
	c->rt = *rt;
	c->fd = -1;
	c->hs_pcb = NULL;
	c->state = PX_CONNECTING;
	c->h.fn = on_fd;
	c->syn_len = (uint16_t)s->l3_len;
	memcpy(c->syn, s->f.data + s->l3_off, s->l3_len);
	c->next = all;
	if (all)
		all->prev = c;
	all = c;
	nconns++;
	npending++;
	ndns += rt->handler == ROUTE_DNS;
	return c;
}

/* The SYN_RCVD pcb no longer tells @c anything (it is gone, accepted, or
 * @c is). */
static void unwatch_handshake(struct pxconn *c)
{
	if (!c->hs_pcb)
		return;
	tcp_arg(c->hs_pcb, NULL);
	tcp_err(c->hs_pcb, NULL);
	c->hs_pcb = NULL;
}

/**
 * conn_kill() - Retire a connection whose pcb is gone or not its own
 * @c: connection
 *
 * Callers may be deep inside lwIP, so the memory is freed later by
 * pxtcp_reap(); the tuple is free for a new SYN at once.
 */
static void conn_kill(struct pxconn *c)
{
	if (c->state == PX_DEAD)
		return;
	unwatch_handshake(c);
	if (c->state == PX_OPEN) {
		st->conns_open--;
		flowmap_close(&c->fe.key);
	} else {
		npending--;
	}
	c->state = PX_DEAD;
	flow_remove(&conns, &c->fe);
	if (c->prev)
		c->prev->next = c->next;
	else
		all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	/* No EPOLL_CTL_DEL: pxtcp_reap() closes the fd before the next wait,
	 * and close() takes it out of the epoll set (one syscall fewer per
	 * connection); this turn's events are voided here. */
	loop_forget(&c->h);
	c->next = dead_list;
	dead_list = c;
}

/* The splice closed or was reset: the connection goes. */
static void on_splice_end(struct splice *sp)
{
	conn_kill(flow_container_of(sp, struct pxconn, sp));
}

/**
 * pxtcp_reap() - Free connections retired during this loop turn
 *
 * Called by the event loop outside any lwIP call.
 */
void pxtcp_reap(void)
{
	splice_flush_all(); /* nothing dead stays on the dirty list */
	while (dead_list) {
		struct pxconn *c = dead_list;

		dead_list = c->next;
		if (c->fd >= 0)
			close(c->fd);
		listener_put(c->lst);
		splice_free(&c->sp);
		ndns -= c->rt.handler == ROUTE_DNS;
		if (c->dns)
			flow_pool_put(&dns_pool, c->dns);
		flow_pool_put(&conn_pool, c);
		nconns--;
	}
}

/* Reset both sides (daemon exit). Before the splice: RST to the host only,
 * as lwIP has no pcb of ours yet. */
static void conn_abort(struct pxconn *c)
{
	struct tcp_pcb *hs = c->hs_pcb;

	if (c->state == PX_OPEN)
		splice_reset(&c->sp); /* tells on_splice_end() */
	else if (c->fd >= 0)
		hostsock_set_reset(c->fd);
	conn_kill(c);
	if (hs)
		tcp_abort(hs); /* the guest's half-open side gets its RST */
}

/**
 * pxtcp_recheck() - Reset the connections a new policy denies
 *
 * Return: how many were reset
 */
unsigned int pxtcp_recheck(void)
{
	unsigned int n = 0;

	for (struct pxconn *c = all, *next; c; c = next) {
		next = c->next;
		if (c->state != PX_DEAD && !route_still_allowed(&router, &c->fe.key)) {
			conn_abort(c);
			n++;
		}
	}
	return n;
}

/* ---- accept: lwIP finished the handshake with the guest */

/* TLS interception takes the server's socket; the guest is spliced to
 * the socketpair end it gives back. On failure the connection goes. */
static int intercept(struct pxconn *c)
{
	int fd = tlsx_take(c->fd, &c->fe.key);

	if (fd < 0) {
		conn_kill(c);
		return fd;
	}
	c->fd = fd;
	memset(&c->sp, 0, sizeof(c->sp)); /* what the server's socket said is void */
	if (loop_add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->h)) {
		conn_kill(c);
		return -ENOMEM;
	}
	return 0;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	const struct splice_filter *filter = NULL;
	struct flow_key k;
	struct pxconn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	flow_key_from_pcb(&k, pcb);
	c = find_conn(&k);
	if (!c || c->state != PX_HANDSHAKE) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	unwatch_handshake(c);
	listener_put(c->lst);
	c->lst = NULL;
	c->state = PX_OPEN;
	npending--;
	st->conns_open++;
	st->conns_total++;
	if (c->rt.handler == ROUTE_DNS)
		filter = &dnstcp_filter;
	else if (tlsx_port(c->fe.key.dport) && intercept(c)) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if (splice_start(&c->sp, pcb, c->fd, filter, c->dns, on_splice_end))
		return ERR_ABRT;
	flowmap_open(&c->fe.key, TG_FLOW_OPEN);
	return ERR_OK;
}

/* ---- connect-first */

static void refuse(struct pxconn *c, __u64 *counter)
{
	(*counter)++;
	reply_send_rst(c->syn, c->syn_len, cfg);
	conn_kill(c);
}

/* Where attempt c->attempt goes: the route's target (then, for the host,
 * its loopback of the other family), or for DNS the upstreams in turn. */
static int conn_target(const struct pxconn *c, struct tg_addr *addr, uint16_t *port)
{
	if (c->rt.handler == ROUTE_DNS)
		return dnstcp_upstream(c->attempt, addr, port);
	*port = c->rt.port;
	if (c->attempt == 0)
		*addr = c->rt.target;
	else if (c->attempt > 1 || !route_alt_target(&c->rt, addr))
		return -ENOENT;
	return 0;
}

/* Connect to the first target that takes a connect; one that fails at
 * once (no route for its family, say) passes to the next. */
static int start_connect(struct pxconn *c)
{
	struct tg_addr addr;
	uint16_t port;
	int err = -ENETUNREACH;

	while (!conn_target(c, &addr, &port)) {
		c->fd = hostsock_connect(&addr, port);
		if (c->fd >= 0) {
			c->deadline = loop_now_ms() + cfg->connect_timeout_ms;
			return loop_add(c->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->h);
		}
		err = c->fd;
		c->attempt++;
	}
	return err;
}

/* This target refused: try the next one, if the route has one. */
static int next_target(struct pxconn *c)
{
	loop_forget(&c->h);
	close(c->fd);
	c->fd = -1;
	memset(&c->sp, 0, sizeof(c->sp)); /* what the old socket said is void */
	c->attempt++;
	return start_connect(c);
}

/* lwIP's SYN_RCVD pcb of @c ended before the accept: the guest reset it
 * (a SYN flood's SYN-ACKs meet the guest kernel's RSTs), or lwIP gave up
 * resending the SYN-ACK. The host connection goes at once, not at the
 * handshake deadline: a flood must not hold connections for that long. */
static void on_handshake_err(void *arg, err_t err)
{
	struct pxconn *c = arg;

	(void)err;
	if (!c || c->state != PX_HANDSHAKE)
		return;
	c->hs_pcb = NULL; /* lwIP frees it */
	st->conns_handshake_reset++;
	hostsock_set_reset(c->fd);
	conn_kill(c);
}

/* Follow the SYN_RCVD pcb that lwIP made for @c's SYN: TCP_REG put it at
 * the head of the active list, so no search. */
static void watch_handshake(struct pxconn *c)
{
	struct tcp_pcb *pcb = stack_newest_pcb();
	struct flow_key k;

	if (!pcb || pcb->state != SYN_RCVD)
		return;
	flow_key_from_pcb(&k, pcb);
	if (memcmp(&k, &c->fe.key, sizeof(k)))
		return;
	c->hs_pcb = pcb;
	tcp_arg(pcb, c);
	tcp_err(pcb, on_handshake_err);
}

/* The host connect finished: on success, let lwIP see the SYN now. */
static void connect_done(struct pxconn *c, uint32_t events)
{
	/* A failed connect always raises EPOLLERR; only then is SO_ERROR
	 * worth a syscall. */
	int soerr = events & (EPOLLERR | EPOLLHUP) ? hostsock_error(c->fd) : 0;

	if (soerr && next_target(c) == 0)
		return;
	if (soerr) {
		log_dbg("host connect: %s; guest gets RST", strerror(soerr));
		refuse(c, &st->conns_refused);
		return;
	}
	c->lst = listener_get(c);
	if (!c->lst) {
		refuse(c, &st->conns_refused);
		return;
	}
	c->state = PX_HANDSHAKE;
	c->deadline = loop_now_ms() + HANDSHAKE_MS;
	if (stack_input(c->syn, c->syn_len))
		refuse(c, &st->conns_refused);
	else
		watch_handshake(c);
}

static void on_fd(struct loop_handler *h, uint32_t events)
{
	struct pxconn *c = (struct pxconn *)h;

	if (c->state == PX_DEAD)
		return;
	splice_host_seen(&c->sp, events);
	if (c->state == PX_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connect_done(c, events);
		return;
	}
	if (c->state == PX_OPEN)
		splice_host_event(&c->sp, events);
}

/**
 * pxtcp_syn() - A guest SYN was staged: connect first, or refuse
 * @s: staged SLOT_TCP frame for which slot_is_syn() holds
 *
 * Return: SLOT_OK when the SYN was taken (held, or answered with RST), or
 * an enum slot_drop reason to count and drop it
 */
int pxtcp_syn(const struct slot *s)
{
	struct flow_key k;
	struct route rt;
	struct pxconn *c;
	int verdict, err;

	flow_key_from_slot(&k, s);
	verdict = route_decide(&router, &k, &rt);
	if (verdict == SLOT_DROP_UNHANDLED)
		return verdict;
	if (find_conn(&k))
		return SLOT_DROP_DUP_SYN; /* being set up, or lwIP has it (bug #56397) */
	if (s->payload_len)
		return SLOT_DROP_SYN_DATA;
	if (s->l3_len > SYN_MAX)
		return SLOT_DROP_MALFORMED;
	if (verdict != SLOT_OK) {
		st->conns_denied++;
		reply_send_rst(s->f.data + s->l3_off, s->l3_len, cfg);
		return SLOT_OK;
	}
	if (nconns >= cfg->max_conns) {
		st->conns_limit++;
		reply_send_rst(s->f.data + s->l3_off, s->l3_len, cfg);
		return SLOT_OK;
	}
	if (rt.handler == ROUTE_DNS && ndns >= DNSTCP_MAX) {
		st->dns_tcp_limit++;
		reply_send_rst(s->f.data + s->l3_off, s->l3_len, cfg);
		return SLOT_OK;
	}
	c = conn_new(s, &k, &rt);
	if (!c)
		return SLOT_DROP_NOMEM;
	err = start_connect(c);
	if (err) {
		log_dbg("host connect: %s; guest gets RST", strerror(-err));
		refuse(c, &st->conns_refused);
	}
	return SLOT_OK;
}

/**
 * pxtcp_publish() - Refresh the flow listing's byte counts (flowmap.c)
 *
 * Called about once a second; writes only connections that moved.
 */
void pxtcp_publish(void)
{
	for (struct pxconn *c = all; c; c = c->next) {
		uint64_t sum = c->sp.to_host + c->sp.to_guest;

		if (c->state != PX_OPEN || sum == c->published)
			continue;
		c->published = sum;
		flowmap_update(&c->fe.key, c->sp.state == SP_OPEN ? TG_FLOW_OPEN : TG_FLOW_CLOSING,
			       c->sp.to_host, c->sp.to_guest);
	}
}

/**
 * pxtcp_run_timers() - Refuse connects and handshakes that took too long
 * @now_ms: monotonic milliseconds
 */
void pxtcp_run_timers(uint64_t now_ms)
{
	struct pxconn *c = all, *next;

	if (!npending)
		return;
	for (; c; c = next) {
		next = c->next;
		if (c->state == PX_OPEN || now_ms < c->deadline)
			continue;
		if (c->state == PX_CONNECTING)
			refuse(c, &st->conns_refused);
		else
			conn_abort(c);
	}
}

/**
 * pxtcp_timeout_ms() - Time until the next connect/handshake deadline
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when nothing is pending
 */
int pxtcp_timeout_ms(uint64_t now_ms)
{
	uint64_t best = UINT64_MAX;

	if (!npending)
		return -1;
	for (struct pxconn *c = all; c; c = c->next)
		if (c->state != PX_OPEN && c->deadline < best)
			best = c->deadline;
	if (best == UINT64_MAX)
		return -1;
	return best <= now_ms ? 0 : (int)(best - now_ms);
}

/**
 * pxtcp_output_all() - Retry lwIP output after the tx ring had no room
 */
void pxtcp_output_all(void)
{
	struct pxconn *c, *next;

	for (c = all; c; c = next) {
		next = c->next; /* c may end in splice_output() */
		if (c->state == PX_OPEN)
			splice_output(&c->sp);
	}
}

/**
 * pxtcp_flush() - Write the guest data of this rx batch to the host sockets
 *
 * Called by the event loop after a batch of guest frames, outside lwIP.
 */
void pxtcp_flush(void)
{
	splice_flush_all();
}

/* Connections held, including those retired but not yet reaped. */
unsigned int pxtcp_count(void)
{
	return nconns;
}

/**
 * pxtcp_fini() - Reset every connection (daemon exit) and free the tables
 */
void pxtcp_fini(void)
{
	while (all)
		conn_abort(all);
	pxtcp_reap();
	flow_table_fini(&conns);
	flow_table_fini(&listeners);
	flow_pool_fini(&conn_pool);
	flow_pool_fini(&listener_pool);
	flow_pool_fini(&dns_pool);
}
