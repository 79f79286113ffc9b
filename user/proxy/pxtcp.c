// SPDX-License-Identifier: MIT
/*
 * pxtcp.c - splice guest TCP connections (lwIP pcbs) to host sockets.
 *
 * Theory of operation. A guest SYN does not reach lwIP at first: pxtcp_syn()
 * checks policy and the connection limit, starts a non-blocking connect()
 * to the real destination (the gateway stands for the host's 127.0.0.1)
 * and keeps a copy of the SYN. Only when the connect succeeds is a listener
 * made for that exact (dst ip, dst port) and the SYN fed to lwIP, which
 * answers SYN-ACK; a refused or timed-out connect answers RST instead. So
 * the guest sees the host's verdict, never "connected, then closed".
 *
 * Ownership: a struct pxconn owns its host fd and, once lwIP accepted,
 * holds its pcb (lwIP owns the pcb's memory: the err callback says it is
 * gone). Guest data lwIP delivered sits in c->toh (pbufs, ours) until the
 * host socket takes it, and only then is it acknowledged to lwIP with
 * rcvwnd_open(), so lwIP's receive window is the flow control towards the
 * guest. Host data is read only while lwIP has send room; a read that lwIP
 * then cannot queue waits in c->tog. Everything runs on the event-loop
 * thread; lwIP callbacks run inside stack_input4(), tcp_output() or the
 * TCP timer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lwip/tcp.h"

#include "control/config.h"
#include "dns/dnsfwd.h"
#include "control/group.h"
#include "proxy/hostsock.h"
#include "control/log.h"
#include "io/loop.h"
#include "proxy/pxtcp.h"
#include "stack/rcvwnd.h"
#include "wire/slot.h"
#include "stack/stack.h"

#define SYN_MAX	     128
#define HANDSHAKE_MS 30000 /* guest must finish the handshake in this time */
#define KEEP_IDLE_S  60
#define KEEP_INTVL_S 10
#define KEEP_CNT     6

struct flow_key {
	uint8_t family;
	uint8_t pad;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

enum px_state { PX_CONNECTING, PX_HANDSHAKE, PX_OPEN };

struct listener {
	struct listener *hnext;
	struct flow_key key; /* dst and dport only */
	struct tcp_pcb *pcb;
	unsigned int refs;
};

struct pxconn {
	struct loop_handler h; /* first: the loop hands us &h */
	struct pxconn *hnext;
	struct pxconn *next, *prev; /* all connections */
	struct flow_key key;
	int fd;
	enum px_state state;
	struct tcp_pcb *pcb;
	struct listener *lst;
	uint64_t deadline;
	struct pbuf *toh; /* guest -> host, not yet written (see toh_append) */
	struct pbuf *toh_tail;
	uint32_t toh_len;
	uint8_t *tog; /* host -> guest, read but not queued in lwIP */
	uint32_t tog_len, tog_off;
	bool readable, guest_fin, host_shut, host_eof, fin_sent, dead, aborted;
	bool host_rdhup;      /* the host's FIN has been signalled: read to EOF */
	bool dirty;	      /* on the dirty list: guest data to write */
	struct pxconn *dnext; /* dirty list */
	uint16_t syn_len;
	uint8_t dns_up;	 /* DNS over TCP: which upstream we are on */
	uint8_t *dnsbuf; /* DNS over TCP: host bytes until a whole answer */
	uint32_t dns_have;
	uint32_t dns_pass; /* guest bytes cleared to go upstream, not yet written */
	uint8_t syn[SYN_MAX];
};

#define DNSBUF_SIZE (2 + 65535)

static const struct config *cfg;
static const struct group_table *groups;
static struct tg_ustats *st, dummy_stats;
static pxtcp_rst_fn send_rst;
static struct pxconn **table;
static struct listener **ltable;
static uint32_t table_mask;
static struct pxconn *all;
static unsigned int nconns;
static unsigned int npending;	  /* connecting or in handshake */
static struct pxconn *dead_list;  /* killed, freed by pxtcp_reap() */
static struct pxconn *dirty_list; /* guest data queued, written by pxtcp_flush() */
/* Host reads; at most 0xffff bytes, since tcp_write() takes a u16_t length:
 * a 64 KiB read would have been queued as 0 bytes, and lost. */
static uint8_t iobuf[0xffff];

static void on_fd(struct loop_handler *h, uint32_t events);
static void flush_to_host(struct pxconn *c);
static void pull_from_host(struct pxconn *c);

static uint32_t key_hash(const struct flow_key *k)
{
	uint32_t h = 2166136261u;
	const uint8_t *b = (const uint8_t *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static struct pxconn **find_slot(const struct flow_key *k)
{
	struct pxconn **pp = &table[key_hash(k) & table_mask];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->hnext;
	return pp;
}

/**
 * pxtcp_init() - Size the tables and remember the collaborators
 * @config: configuration (max_conns, addresses, timeouts)
 * @g:      destination groups
 * @stats:  counters to keep (mmapped pinned map), or NULL
 * @rst:    how to answer a SYN with RST
 *
 * Return: 0 or -ENOMEM
 */
int pxtcp_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats,
	       pxtcp_rst_fn rst)
{
	uint32_t n = 64;

	cfg = config;
	groups = g;
	st = stats ? stats : &dummy_stats;
	send_rst = rst;
	while (n < config->max_conns * 2 && n < (1u << 22))
		n <<= 1;
	table = calloc(n, sizeof(*table));
	ltable = calloc(n, sizeof(*ltable));
	if (!table || !ltable)
		return -ENOMEM;
	table_mask = n - 1;
	return 0;
}

static void key_from_slot(struct flow_key *k, const struct slot *s)
{
	memset(k, 0, sizeof(*k));
	k->family = s->family;
	k->sport = s->sport;
	k->dport = s->dport;
	memcpy(k->src, s->src, s->family == 4 ? 4 : 16);
	memcpy(k->dst, s->dst, s->family == 4 ? 4 : 16);
}

static void key_from_pcb(struct flow_key *k, const struct tcp_pcb *pcb)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->sport = pcb->remote_port;
	k->dport = pcb->local_port;
	memcpy(k->src, &ip_2_ip4(&pcb->remote_ip)->addr, 4);
	memcpy(k->dst, &ip_2_ip4(&pcb->local_ip)->addr, 4);
}

/* ---- listeners: one per (dst ip, dst port) while handshakes are pending */

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err);

static struct listener **find_listener(const struct flow_key *k)
{
	struct listener **pp = &ltable[key_hash(k) & table_mask];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->hnext;
	return pp;
}

static struct listener *listener_get(const struct pxconn *c)
{
	struct flow_key k = { .family = c->key.family, .dport = c->key.dport };
	struct listener **pp, *l;
	struct tcp_pcb *pcb;
	ip_addr_t addr;
	err_t err;

	memcpy(k.dst, c->key.dst, 16);
	pp = find_listener(&k);
	if (*pp) {
		(*pp)->refs++;
		return *pp;
	}
	l = calloc(1, sizeof(*l));
	pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!l || !pcb)
		goto fail;
	/* Accepted pcbs inherit SO_REUSEADDR, so later listeners on the same
	 * (ip, port) can bind while earlier connections are alive. */
	ip_set_option(pcb, SOF_REUSEADDR);
	ip_addr_set_zero_ip4(&addr);
	memcpy(&ip_2_ip4(&addr)->addr, k.dst, 4);
	if (tcp_bind(pcb, &addr, k.dport) != ERR_OK)
		goto fail;
	l->pcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
	if (!l->pcb)
		goto fail;
	tcp_accept(l->pcb, on_accept);
	l->key = k;
	l->refs = 1;
	*pp = l;
	return l;
fail:
	if (pcb)
		tcp_abort(pcb);
	free(l);
	return NULL;
}

static void listener_put(struct listener *l)
{
	struct listener **pp;

	if (!l || --l->refs)
		return;
	pp = find_listener(&l->key);
	if (*pp == l)
		*pp = l->hnext;
	tcp_accept(l->pcb, NULL);
	tcp_close(l->pcb); /* cannot fail for a listening pcb */
	free(l);
}

/* ---- connection lifetime */

static struct pxconn *conn_new(const struct slot *s)
{
	struct pxconn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	key_from_slot(&c->key, s);
	c->fd = -1;
	c->h.fn = on_fd;
	c->syn_len = (uint16_t)s->l3_len;
	memcpy(c->syn, s->f.data + s->l3_off, s->l3_len);
	c->hnext = NULL;
	*find_slot(&c->key) = c;
	c->next = all;
	if (all)
		all->prev = c;
	all = c;
	nconns++;
	npending++;
	return c;
}

static void detach_pcb(struct pxconn *c)
{
	if (!c->pcb)
		return;
	tcp_arg(c->pcb, NULL);
	tcp_recv(c->pcb, NULL);
	tcp_sent(c->pcb, NULL);
	tcp_err(c->pcb, NULL);
	tcp_poll(c->pcb, NULL, 0);
}

/* Set SO_LINGER 0 so that closing the host socket sends RST. */
static void host_reset(struct pxconn *c)
{
	if (c->fd >= 0)
		hostsock_set_reset(c->fd);
}

/**
 * conn_kill() - Retire a connection whose pcb is detached, closed or gone
 * @c: connection
 *
 * Callers may be deep inside lwIP, so the memory is freed later by
 * pxtcp_reap(); the tuple is free for a new SYN at once.
 */
static void conn_kill(struct pxconn *c)
{
	struct pxconn **pp;

	if (c->dead)
		return;
	c->dead = true;
	c->pcb = NULL;
	if (c->state != PX_OPEN)
		npending--;
	pp = find_slot(&c->key);
	if (*pp == c)
		*pp = c->hnext;
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

/**
 * pxtcp_reap() - Free connections retired during this loop turn
 *
 * Called by the event loop outside any lwIP call.
 */
void pxtcp_reap(void)
{
	pxtcp_flush(); /* nothing dead stays on the dirty list */
	while (dead_list) {
		struct pxconn *c = dead_list;

		dead_list = c->next;
		if (c->fd >= 0)
			close(c->fd);
		if (c->state == PX_OPEN)
			st->conns_open--;
		else
			listener_put(c->lst);
		if (c->toh)
			pbuf_free(c->toh);
		free(c->tog);
		free(c->dnsbuf);
		free(c);
		nconns--;
	}
}

/* Reset both sides: RST to the guest (tcp_abort) and to the host. */
static void conn_abort(struct pxconn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	detach_pcb(c);
	host_reset(c);
	conn_kill(c);
	c->aborted = true;
	if (pcb)
		tcp_abort(pcb);
}

/*
 * Both directions finished: the connection goes. The pcb is lwIP's again
 * by then (release_pcb() ran when the second FIN crossed), so lwIP finishes
 * the guest side by itself.
 */
static void maybe_close(struct pxconn *c)
{
	if (c->dead || !c->host_shut || !c->fin_sent || c->toh || c->tog_len)
		return;
	conn_kill(c);
}

/*
 * Both FINs have crossed: nothing more goes to the guest or comes from it,
 * so hand the pcb back to lwIP now, even while guest bytes still wait for
 * the host. Kept longer, it would reach TIME_WAIT, where lwIP (and our
 * drop_timewait()) frees a pcb without calling its error callback: the
 * connection would hold a freed pcb. tcp_close() cannot fail here, as no
 * FIN is left to queue.
 */
static void release_pcb(struct pxconn *c)
{
	if (!c->pcb || !c->guest_fin || !c->fin_sent)
		return;
	detach_pcb(c);
	tcp_close(c->pcb);
	c->pcb = NULL;
}

/* ---- guest -> host */

/*
 * Queue guest data lwIP delivered. c->toh is linked through the pbufs' own
 * next pointers, but it is not a pbuf chain in lwIP's sense: pbuf_cat()
 * would walk the whole queue (up to a 128 KiB window, ~90 pbufs) for every
 * segment to fix each tot_len (3 % of the CPU in a guest->host profile),
 * and a u16 tot_len cannot count past 64 KiB anyway. So the tail and the
 * byte count are kept here, and only pbuf functions that go by each
 * pbuf's len (pbuf_free_header, pbuf_copy_partial) touch the queue.
 */
static void toh_append(struct pxconn *c, struct pbuf *p)
{
	struct pbuf *last = p;
	uint32_t n = p->len;

	for (; last->next; last = last->next)
		n += last->next->len;
	if (c->toh)
		c->toh_tail->next = p;
	else
		c->toh = p;
	c->toh_tail = last;
	c->toh_len += n;
}

/* Drop @n written bytes from c->toh and open lwIP's window by as much. */
static void consume_toh(struct pxconn *c, size_t n)
{
	c->toh_len -= (uint32_t)n;
	while (n) {
		u16_t chunk = (u16_t)(n > 0xffff ? 0xffff : n);

		c->toh = pbuf_free_header(c->toh, chunk);
		if (c->pcb)
			rcvwnd_open(c->pcb, chunk);
		n -= chunk;
	}
	if (!c->toh)
		c->toh_tail = NULL;
}

/**
 * flush_to_host() - Write queued guest data to the host socket
 * @c: connection
 *
 * Return: 0, or -ECONNABORTED when the connection was aborted (the caller,
 * if an lwIP callback, must return ERR_ABRT)
 */
static int dns_clear_next(struct pxconn *c);
static int queue_to_guest(struct pxconn *c, const uint8_t *buf, size_t n);

static int flush_to_host_ret(struct pxconn *c)
{
	while (c->toh) {
		struct iovec iov[32];
		struct pbuf *q;
		size_t limit = SIZE_MAX;
		int n = 0;
		ssize_t w;

		if (c->key.dport == 53) {
			int r = c->dns_pass ? 0 : dns_clear_next(c);

			if (r < 0)
				return -ECONNABORTED;
			if (r)
				break; /* a whole query is not there yet */
			limit = c->dns_pass;
			if (!limit)
				continue; /* answered here: nothing goes upstream */
		}
		for (q = c->toh; q && n < 32 && limit; q = q->next)
			if (q->len) {
				iov[n].iov_base = q->payload;
				iov[n].iov_len = q->len < limit ? q->len : limit;
				limit -= iov[n++].iov_len;
			}
		w = writev(c->fd, iov, n);
		if (w < 0 && errno == EAGAIN)
			return 0; /* EPOLLOUT (edge) calls us again */
		if (w < 0) {
			log_dbg("host write: %s; resetting the guest connection", strerror(errno));
			conn_abort(c);
			return -ECONNABORTED;
		}
		st->bytes_to_host += (uint64_t)w;
		if (c->key.dport == 53)
			c->dns_pass -= (uint32_t)w;
		consume_toh(c, (size_t)w);
	}
	if (c->guest_fin && !c->host_shut) {
		/* Once the host's FIN went on to the guest (fin_sent), the
		 * close() in pxtcp_reap() sends ours: no shutdown() then. */
		if (!c->fin_sent)
			shutdown(c->fd, SHUT_WR);
		c->host_shut = true;
		maybe_close(c);
	}
	return 0;
}

/*
 * DNS over TCP, guest side: look at the next whole query in c->toh. A query
 * for --host-name is answered here and dropped from the stream (RFC 7766
 * lets answers come in any order); any other is cleared to go upstream
 * (c->dns_pass). Queries too big to be real are passed on unread rather
 * than held: lwIP's window could never deliver them whole.
 * Return: 0 when the head was dealt with, 1 when more bytes (or room
 * towards the guest) are needed, -1 when the connection was aborted.
 */
static int dns_clear_next(struct pxconn *c)
{
	static uint8_t q[2 + 4096], a[2 + 4096];
	uint16_t len;
	size_t n;

	if (c->toh_len < 2 || c->tog_len)
		return 1;
	pbuf_copy_partial(c->toh, q, 2, 0);
	len = rd16(q);
	if (len > sizeof(q) - 2) {
		c->dns_pass = 2u + len;
		return 0;
	}
	if (c->toh_len < 2u + len)
		return 1;
	pbuf_copy_partial(c->toh, q, (u16_t)(2 + len), 0);
	n = dnsfwd_local_answer(q + 2, len, a + 2, sizeof(a) - 2);
	if (!n) {
		c->dns_pass = 2u + len;
		return 0;
	}
	wr16(a, (uint16_t)n);
	consume_toh(c, 2u + len);
	if (queue_to_guest(c, a, n + 2) < 0) {
		conn_abort(c);
		return -1;
	}
	return 0;
}

static void flush_to_host(struct pxconn *c)
{
	flush_to_host_ret(c);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct pxconn *c = arg;

	(void)pcb;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (err != ERR_OK) { /* not produced by lwIP 2.1; be safe */
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		c->guest_fin = true;
		release_pcb(c);
	} else {
		toh_append(c, p); /* bounded by lwIP's receive window */
	}
	/* Written once the rx batch is done (pxtcp_flush()): one writev for
	 * many segments, not a syscall and a loopback segment for each. */
	if (!c->dirty) {
		c->dirty = true;
		c->dnext = dirty_list;
		dirty_list = c;
	}
	return ERR_OK;
}

/**
 * pxtcp_flush() - Write the guest data of this rx batch to the host sockets
 *
 * Called by the event loop after a batch of guest frames, outside lwIP.
 */
void pxtcp_flush(void)
{
	while (dirty_list) {
		struct pxconn *c = dirty_list;

		dirty_list = c->dnext;
		c->dirty = false;
		if (!c->dead && c->state == PX_OPEN)
			flush_to_host(c);
	}
}

/* ---- host -> guest */

/* Bytes lwIP can queue now: send buffer and segment-count limits. */
static size_t guest_room(const struct tcp_pcb *pcb)
{
	size_t room = tcp_sndbuf(pcb);
	int segs = TCP_SND_QUEUELEN - (int)tcp_sndqueuelen(pcb) - 2;
	size_t by_segs = segs > 0 ? (size_t)segs * tcp_mss(pcb) : 0;

	return room < by_segs ? room : by_segs;
}

/* Queue host bytes in lwIP; keep what it cannot take in c->tog. */
static int queue_to_guest(struct pxconn *c, const uint8_t *buf, size_t n)
{
	err_t err;

	if (!c->pcb)
		return -EIO; /* our FIN is out: nothing more can reach the guest */
	err = tcp_write(c->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
	if (err == ERR_OK) {
		st->bytes_to_guest += n;
		return 0;
	}
	if (err != ERR_MEM)
		return -EIO;
	if (buf != c->tog) {
		c->tog = malloc(n);
		if (!c->tog)
			return -ENOMEM;
		memcpy(c->tog, buf, n);
		c->tog_off = 0;
	}
	c->tog_len = (uint32_t)n;
	return 1;
}

static int push_leftover(struct pxconn *c)
{
	uint8_t *buf = c->tog + c->tog_off;
	int r;

	if (guest_room(c->pcb) < c->tog_len)
		return 1;
	r = queue_to_guest(c, buf, c->tog_len);
	if (r)
		return r;
	free(c->tog);
	c->tog = NULL;
	c->tog_len = 0;
	return 0;
}

static void host_eof(struct pxconn *c)
{
	c->host_eof = true;
	c->readable = false;
	if (c->tog_len || c->fin_sent)
		return;
	if (tcp_shutdown(c->pcb, 0, 1) == ERR_OK) {
		c->fin_sent = true;
		release_pcb(c);
		maybe_close(c);
	}
}

/*
 * One non-blocking read of the host socket. Returns the bytes read, 0 when
 * there is nothing more for now (EAGAIN, a short read, or EOF, which
 * host_eof() took), or -errno. A short read emptied the socket and new data
 * brings a new edge, but a FIN already signalled (EPOLLRDHUP) does not: then
 * reading goes on to EOF.
 */
static ssize_t host_read(struct pxconn *c, uint8_t *buf, size_t len)
{
	ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);

	if (n == 0) {
		host_eof(c);
		return 0;
	}
	if (n < 0) {
		if (errno != EAGAIN)
			return -errno;
		c->readable = false;
		return 0;
	}
	if ((size_t)n < len && !c->host_rdhup)
		c->readable = false;
	return n;
}

/*
 * DNS over TCP: the upstream's answers are read whole (RFC 1035 framing),
 * filtered like UDP answers (rebinding → NXDOMAIN, records kept) and
 * framed again for the guest. Returns 0, 1 when lwIP is full, or -errno.
 */
static int dns_emit(struct pxconn *c)
{
	while (c->dns_have >= 2) {
		uint32_t len = rd16(c->dnsbuf), m;
		int r;

		if (c->dns_have < 2 + len)
			return 0;
		m = (uint32_t)dnsfwd_filter_answer(c->dnsbuf + 2, len, iobuf + 2, 0xffff - 2);
		if (!m)
			return -EPROTO; /* fail closed: the guest gets a reset */
		wr16(iobuf, (uint16_t)m);
		c->dns_have -= 2 + len;
		memmove(c->dnsbuf, c->dnsbuf + 2 + len, c->dns_have);
		r = queue_to_guest(c, iobuf, m + 2);
		if (r)
			return r;
	}
	return 0;
}

static int dns_pull(struct pxconn *c)
{
	int r = dns_emit(c);

	if (!c->dnsbuf && !(c->dnsbuf = malloc(DNSBUF_SIZE)))
		return -ENOMEM;
	while (!r && c->readable && !c->host_eof && c->dns_have < DNSBUF_SIZE) {
		ssize_t n = host_read(c, c->dnsbuf + c->dns_have, DNSBUF_SIZE - c->dns_have);

		if (n < 0)
			return (int)n;
		c->dns_have += (uint32_t)n;
		r = dns_emit(c);
	}
	return r < 0 ? r : 0;
}

/**
 * pull_from_host() - Move host bytes into lwIP while it has room
 * @c: open connection
 *
 * Reading stops when lwIP's send buffer is full; the sent callback resumes
 * it. c->readable remembers an unconsumed edge of the host socket.
 */
static void pull_from_host(struct pxconn *c)
{
	int r = 0;

	if (c->tog_len && (r = push_leftover(c)) != 0)
		goto out;
	if (c->key.dport == 53) {
		r = dns_pull(c);
		/* Queries held while answers waited for room can go on now. */
		if (!r && c->toh && flush_to_host_ret(c))
			return;
		goto out;
	}
	while (c->readable && !c->host_eof && !c->dead) {
		size_t room = guest_room(c->pcb);
		ssize_t n;

		if (room == 0)
			break;
		if (room > sizeof(iobuf))
			room = sizeof(iobuf);
		n = host_read(c, iobuf, room);
		if (n < 0) {
			log_dbg("host read: %s; resetting the guest connection", strerror((int)-n));
			conn_abort(c);
			return;
		}
		if (n == 0)
			break;
		r = queue_to_guest(c, iobuf, (size_t)n);
		if (r)
			break;
	}
out:
	if (r < 0) {
		conn_abort(c);
		return;
	}
	if (c->host_eof && !c->tog_len && !c->fin_sent)
		host_eof(c);
	if (!c->dead && c->pcb)
		tcp_output(c->pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct pxconn *c = arg;

	(void)pcb;
	(void)len;
	if (!c || c->dead)
		return ERR_OK;
	pull_from_host(c);
	return c->aborted ? ERR_ABRT : ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct pxconn *c = arg;

	if (!c)
		return;
	log_dbg("guest connection ended by lwIP (error %d)", (int)err);
	c->pcb = NULL; /* freed by lwIP */
	host_reset(c);
	conn_kill(c);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct pxconn *c = arg;

	if (c && !c->dead)
		maybe_close(c);
	else if (!c && pcb)
		tcp_poll(pcb, NULL, 0);
	return ERR_OK;
}

/* ---- accept: lwIP finished the handshake with the guest */

static void tune_pcb(struct tcp_pcb *pcb)
{
	tcp_nagle_disable(pcb);
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = KEEP_IDLE_S * 1000;
	pcb->keep_intvl = KEEP_INTVL_S * 1000;
	pcb->keep_cnt = KEEP_CNT;
	/*
	 * Debian's lwIP has window scaling, so snd_buf is 32 bits wide, but
	 * starts at TCP_SND_BUF (64 KiB): with the guest's window that is what
	 * may be in flight towards it, and 64 KiB per round trip is the
	 * ceiling of host->guest throughput. lwIP never clamps snd_buf back,
	 * so raise it to what its segment queue limit can carry.
	 */
	pcb->snd_buf = (TCP_SND_QUEUELEN - 4) * TCP_MSS;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct flow_key k;
	struct pxconn *c;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	key_from_pcb(&k, pcb);
	c = *find_slot(&k);
	if (!c || c->state != PX_HANDSHAKE) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	listener_put(c->lst);
	c->lst = NULL;
	c->pcb = pcb;
	c->state = PX_OPEN;
	npending--;
	st->conns_open++;
	st->conns_total++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 4);
	tune_pcb(pcb);
	rcvwnd_grow(pcb);
	pull_from_host(c); /* the host may have spoken first */
	return c->aborted ? ERR_ABRT : ERR_OK;
}

/* ---- connect-first */

static void refuse(struct pxconn *c, __u64 *counter)
{
	(*counter)++;
	send_rst(c->syn, c->syn_len);
	conn_kill(c);
}

static int start_connect(struct pxconn *c);

/* DNS over TCP: this upstream refused; try the next one, if any. */
static int dns_next_upstream(struct pxconn *c)
{
	uint8_t ip[4];
	uint16_t port;

	if (dnsfwd_tcp_upstream(c->dns_up + 1, ip, &port))
		return -ENOENT;
	loop_forget(&c->h);
	close(c->fd);
	c->fd = -1;
	c->dns_up++;
	st->dns_failover++;
	return start_connect(c);
}

/* The host connect finished: on success, let lwIP see the SYN now. */
static void connect_done(struct pxconn *c, uint32_t events)
{
	/* A failed connect always raises EPOLLERR; only then is SO_ERROR
	 * worth a syscall. */
	int soerr = events & (EPOLLERR | EPOLLHUP) ? hostsock_error(c->fd) : 0;

	if (soerr && c->key.dport == 53 && dns_next_upstream(c) == 0)
		return;
	if (soerr) {
		log_dbg("host connect: %s; guest gets RST", strerror(soerr));
		refuse(c, &st->conns_refused);
		return;
	}
	hostsock_tune(c->fd, KEEP_IDLE_S, KEEP_INTVL_S, KEEP_CNT);
	c->lst = listener_get(c);
	if (!c->lst) {
		refuse(c, &st->conns_refused);
		return;
	}
	c->state = PX_HANDSHAKE;
	c->deadline = loop_now_ms() + HANDSHAKE_MS;
	if (stack_input4(c->syn, c->syn_len))
		refuse(c, &st->conns_refused);
}

static void on_fd(struct loop_handler *h, uint32_t events)
{
	struct pxconn *c = (struct pxconn *)h;

	if (c->dead)
		return;
	/* Remembered first: a server that speaks (and closes) at once can
	 * have its bytes in the very event that completes the connect, and
	 * an edge-triggered socket will not say so again. */
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->readable = true;
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->host_rdhup = true;
	if (c->state == PX_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connect_done(c, events);
		return;
	}
	if (c->state != PX_OPEN)
		return;
	if (events & (EPOLLOUT | EPOLLERR))
		flush_to_host(c);
	if (!c->dead)
		pull_from_host(c);
}

/* Where the host side goes: the gateway stands for the host's loopback. */
static int start_connect(struct pxconn *c)
{
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };
	int group = group_classify(groups, 4, c->key.dst);
	uint8_t up[4];
	uint16_t port;

	if (c->key.dport == 53) {
		/* TCP DNS goes to an upstream resolver, whatever address the
		 * guest asked; the resolver speaks RFC 1035 framing itself. */
		if (dnsfwd_tcp_upstream(c->dns_up, up, &port))
			return -ENETUNREACH;
		c->fd = hostsock_connect4(up, port);
	} else {
		c->fd = hostsock_connect4(group == TG_G_GATEWAY ? loopback : c->key.dst,
					  c->key.dport);
	}
	if (c->fd < 0)
		return c->fd;
	c->deadline = loop_now_ms() + cfg->connect_timeout_ms;
	return loop_add(c->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->h);
}

/**
 * pxtcp_syn() - A guest SYN was staged: connect first, or refuse
 * @s: staged SLOT_TCP IPv4 frame for which slot_is_syn() holds
 *
 * Return: SLOT_OK when the SYN was taken (held, or answered with RST), or
 * an enum slot_drop reason to count and drop it
 */
int pxtcp_syn(const struct slot *s)
{
	struct flow_key k;
	struct pxconn *c;
	int group, err;

	if (s->family != 4)
		return SLOT_DROP_UNHANDLED;
	key_from_slot(&k, s);
	if (*find_slot(&k))
		return SLOT_DROP_DUP_SYN; /* being set up, or lwIP has it (bug #56397) */
	if (s->payload_len)
		return SLOT_DROP_SYN_DATA;
	if (s->l3_len > SYN_MAX)
		return SLOT_DROP_MALFORMED;
	group = group_classify(groups, 4, s->dst);
	/* DNS to any address is the interceptor's (it goes upstream). */
	if (s->dport != 53 && !group_allowed(cfg->allow, group)) {
		st->conns_denied++;
		send_rst(s->f.data + s->l3_off, s->l3_len);
		return SLOT_OK;
	}
	if (nconns >= cfg->max_conns) {
		st->conns_limit++;
		send_rst(s->f.data + s->l3_off, s->l3_len);
		return SLOT_OK;
	}
	c = conn_new(s);
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
		if (c->state == PX_CONNECTING) {
			refuse(c, &st->conns_refused);
		} else {
			host_reset(c);
			conn_kill(c);
		}
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
	for (struct pxconn *c = all; c; c = c->next)
		if (c->pcb && c->state == PX_OPEN) {
			tcp_output(c->pcb);
			if (c->readable)
				pull_from_host(c);
		}
}

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
	free(table);
	free(ltable);
	table = NULL;
	ltable = NULL;
}
