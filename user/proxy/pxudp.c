// SPDX-License-Identifier: MIT
/*
 * pxudp.c - the UDP relay: one connected host socket per guest flow.
 *
 * Theory of operation. A flow is the datagram's flow key (flow.h): guest
 * address and port, destination address and port. route_decide() says
 * whether it may go and where: the first datagram of a flow opens a
 * non-blocking UDP socket connect()ed to that target (the gateway stands
 * for the host's 127.0.0.1), so the kernel filters replies
 * for us and reports ICMP errors on the socket; later datagrams are one
 * send() each. Replies are read when epoll says so and written to the guest
 * with the flow's destination as their source, fragmented to the guest's
 * MTU when larger. A reply is read only when the tx side has room for all
 * of its fragments; otherwise the flow waits in the blocked state and
 * pxudp_output_all() resumes it once frames came back, so nothing is read
 * and then lost.
 *
 * Bounds: flows live in a pool of --udp-max-flows entries allocated at start
 * (flow.c), found through the flow table, and are kept on a list in
 * least-recently-used order, so the idle timeout and the eviction of the
 * oldest flow when the pool is full are both O(1).
 * Each socket's send buffer is the flow's queued-bytes budget towards the
 * host: when it is full the datagram is dropped and counted, as a router
 * would.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "control/log.h"
#include "control/route.h"
#include "io/loop.h"
#include "proxy/flow.h"
#include "proxy/flowmap.h"
#include "proxy/hostsock.h"
#include "proxy/pxudp.h"
#include "tls/tlsx.h"
#include "proxy/udpout.h"
#include "proxy/reject.h"
#include "proxy/udpbatch.h"
#include "wire/frame.h"
#include "wire/slot.h"

#define SNDBUF_BUDGET  (256 * 1024)
#define READS_PER_TURN 16

struct udpflow {
	struct loop_handler h; /* first: the handler pointer is the flow */
	struct flow_entry fe;  /* the guest's view: it sends to fe.key.dst */
	int fd;
	bool blocked; /* readable, but waiting for tx room */
	bool df;      /* the socket sends with DF (IP_PMTUDISC_DO) */
	bool nogso;   /* its route cannot segment: one send() per datagram */
	uint64_t last;
	uint64_t out, in, published; /* bytes, for the flow listing (flowmap.c) */
	struct udpflow *prev, *next; /* LRU list */
};

static const struct config *cfg;
static struct router router;
static struct tg_ustats *st;
static struct flow_pool pool;
static struct flow_table table;
static struct udpflow lru; /* sentinel: lru.next is the newest */
static unsigned int nblocked;
static uint8_t rbuf[65536];
static struct udpbatch batch; /* a flow's datagrams gathered in one rx batch */

static void lru_unlink(struct udpflow *f)
{
	f->prev->next = f->next;
	f->next->prev = f->prev;
}

static void lru_push(struct udpflow *f)
{
	f->next = lru.next;
	f->prev = &lru;
	lru.next->prev = f;
	lru.next = f;
}

/* The flow was used: it becomes the newest. */
static void uflow_touch(struct udpflow *f)
{
	f->last = loop_now_ms();
	lru_unlink(f);
	lru_push(f);
}

static void batch_flush(void);

static void uflow_close(struct udpflow *f)
{
	if (batch.owner == f)
		batch_flush();
	flowmap_close(&f->fe.key);
	flow_remove(&table, &f->fe);
	lru_unlink(f);
	loop_forget(&f->h);
	close(f->fd);
	if (f->blocked)
		nblocked--;
	flow_pool_put(&pool, f);
	st->udp_flows_open--;
}

/**
 * pxudp_init() - Allocate the flow pool and table
 * @config: --udp-max-flows, --udp-timeout, addresses
 * @g:      destination groups
 * @stats:  counters
 *
 * Return: 0 or -ENOMEM
 */
int pxudp_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	cfg = config;
	route_init(&router, config, g);
	st = stats;
	lru.next = lru.prev = &lru;
	if (flow_pool_init(&pool, sizeof(struct udpflow), cfg->udp_max_flows) ||
	    flow_table_init(&table, cfg->udp_max_flows))
		return -ENOMEM;
	return 0;
}

/* Close every flow and free the pool and table. */
void pxudp_fini(void)
{
	while (lru.next && lru.prev != &lru)
		uflow_close(lru.prev);
	flow_pool_fini(&pool);
	flow_table_fini(&table);
}

static void set_blocked(struct udpflow *f, bool on)
{
	if (f->blocked != on)
		nblocked += on ? 1 : -1u;
	f->blocked = on;
}

/* Read replies while the guest side has room for them. */
static void uflow_read(struct udpflow *f)
{
	const struct flow_key *k = &f->fe.key;

	for (int i = 0; i < READS_PER_TURN; i++) {
		ssize_t n;

		/* Room for the largest datagram, since its size is known only
		 * once it is read. */
		if (!udpout_room(k)) {
			set_blocked(f, true);
			return;
		}
		n = recv(f->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				udpout_error(k, UDPOUT_PORT_UNREACH, f->df, 0, 0);
			break;
		}
		if (udpout_reply(k, rbuf, (size_t)n)) {
			st->udp_dropped++;
		} else {
			st->udp_to_guest++;
			f->in += (uint64_t)n;
		}
	}
	set_blocked(f, false);
}

static void on_fd(struct loop_handler *h, uint32_t events)
{
	struct udpflow *f = (struct udpflow *)h;

	(void)events;
	uflow_touch(f);
	uflow_read(f);
}

/*
 * Keep the guest's choice: with DF it does path MTU discovery and wants to
 * hear that a datagram is too big (EMSGSIZE becomes ICMP frag-needed);
 * without DF the host may fragment. The option changes only when the
 * guest's choice does, so it costs nothing per datagram.
 */
static void follow_df(struct udpflow *f, bool df)
{
	int v = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT, on = df;

	if (f->df == df)
		return;
	if (f->fe.key.dst.family == 6) {
		/* IPv6 has no DF bit: a datagram the guest sent whole stands
		 * for one a router may not fragment (Packet Too Big back);
		 * one it fragmented itself may be fragmented by the host. */
		if (!setsockopt(f->fd, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof(on)))
			f->df = df;
		return;
	}
	if (!setsockopt(f->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)))
		f->df = df;
}

/* A new flow to @rt's target. */
static struct udpflow *uflow_open(const struct flow_key *k, const struct route *rt)
{
	struct sockaddr_storage sa;
	socklen_t salen = hostsock_addr(&rt->target, rt->port, &sa);
	struct udpflow *f = flow_pool_get(&pool);
	int sndbuf = SNDBUF_BUDGET;

	if (!f && lru.prev != &lru) {
		uflow_close(lru.prev); /* the pool is full: the oldest flow gives way */
		st->udp_evicted++;
		f = flow_pool_get(&pool);
	}
	if (!f)
		return NULL;
	f->fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		goto fail;
	setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	f->h.fn = on_fd;
	if (connect(f->fd, (struct sockaddr *)&sa, salen) < 0 ||
	    loop_add(f->fd, EPOLLIN, &f->h) < 0) {
		close(f->fd);
		goto fail;
	}
	f->fe.key = *k;
	f->df = true;
	f->out = f->in = f->published = 0;
	follow_df(f, false);
	flow_insert(&table, &f->fe); /* pxudp_datagram() found no such flow */
	flowmap_open(k, TG_FLOW_UDP);
	lru_push(f);
	st->udp_flows_open++;
	st->udp_flows_total++;
	return f;
fail:
	flow_pool_put(&pool, f);
	return NULL;
}

/* One datagram on its own, with the errors the guest should hear about. */
static void send_one(struct udpflow *f, const uint8_t *data, size_t len)
{
	if (send(f->fd, data, len, MSG_DONTWAIT) >= 0) {
		st->udp_to_host++;
		return;
	}
	if (errno == EMSGSIZE) {
		int mtu = 0;
		socklen_t sl = sizeof(mtu);

		getsockopt(f->fd, f->fe.key.dst.family == 6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   f->fe.key.dst.family == 6 ? IPV6_MTU : IP_MTU, &mtu, &sl);
		udpout_error(&f->fe.key, UDPOUT_TOO_BIG, f->df, (uint16_t)mtu, len);
	} else if (errno == ECONNREFUSED) {
		udpout_error(&f->fe.key, UDPOUT_PORT_UNREACH, f->df, 0, len);
	}
	st->udp_dropped++;
}

/*
 * Send the gathered datagrams. A full send buffer drops them all, as it
 * would have dropped each; any other error (path MTU, a refused port, a
 * route without segmentation offload) is sorted out one datagram at a time.
 */
static void batch_flush(void)
{
	struct udpflow *f = (struct udpflow *)batch.owner;
	size_t off = 0;

	if (!f)
		return;
	if (batch.n == 1 || udpbatch_send(&batch) < 0) {
		if (batch.n > 1 && (errno == EAGAIN || errno == ENOBUFS)) {
			st->udp_dropped += batch.n;
		} else {
			if (batch.n > 1) {
				st->udp_batch_fallbacks++;
				f->nogso = errno == EIO;
			}
			for (unsigned int i = 0; i < batch.n; i++, off += batch.seg)
				send_one(f, batch.buf + off,
					 i + 1 < batch.n ? batch.seg : batch.len - off);
		}
	} else {
		st->udp_to_host += batch.n;
		st->udp_batched += batch.n;
	}
	udpbatch_clear(&batch);
}

/* The datagrams of a flow's run within one rx batch go out together. */
static void send_to_host(struct udpflow *f, const struct slot *s)
{
	const uint8_t *data = frame_get(&s->f, s->l4_off + 8, s->payload_len);

	if (!data) {
		st->udp_dropped++;
		return;
	}
	if (!udpbatch_fits(&batch, f, s->df, s->payload_len))
		batch_flush();
	follow_df(f, s->df);
	if (f->nogso) {
		send_one(f, data, s->payload_len);
		return;
	}
	udpbatch_add(&batch, f, f->fd, s->df, data, s->payload_len);
}

/**
 * pxudp_datagram() - A guest UDP datagram (not DNS) to relay
 * @s: staged SLOT_UDP frame (or a reassembled datagram)
 *
 * Return: SLOT_OK, or an enum slot_drop reason
 */
int pxudp_datagram(const struct slot *s)
{
	struct flow_entry *e;
	struct udpflow *f;
	struct flow_key k;
	struct route rt;
	int verdict;

	/* Decided here too: reassembled datagrams never met the XDP policy
	 * (nor its ports rule, bpf/steer.bpf.c l4_udp). */
	verdict = route_slot(&router, s, ROUTE_UDP_RELAY, SLOT_DROP_UNHANDLED, &k, &rt);
	if (verdict != SLOT_OK)
		return reject_denied(s, &rt, verdict, st);
	if (tlsx_port(k.dport)) {
		/* QUIC would carry HTTPS past the interception: dropped, so
		 * that clients fall back to TCP. */
		st->tls_quic_dropped++;
		return SLOT_OK;
	}
	e = flow_find(&table, &k);
	f = e ? flow_container_of(e, struct udpflow, fe) : uflow_open(&k, &rt);
	if (!f)
		return SLOT_DROP_NOMEM;
	uflow_touch(f);
	f->out += s->payload_len;
	send_to_host(f, s);
	return SLOT_OK;
}

/* The rx batch is done: send what it gathered. */
void pxudp_flush(void)
{
	batch_flush();
}

/* Tx frames came back: resume the flows that had replies waiting. */
void pxudp_output_all(void)
{
	struct udpflow *f, *next;

	if (!nblocked)
		return;
	for (f = lru.next; f != &lru && nblocked; f = next) {
		next = f->next;
		if (f->blocked)
			uflow_read(f);
	}
}

/**
 * pxudp_run_timers() - Close flows idle for --udp-timeout
 * @now_ms: monotonic milliseconds
 */
void pxudp_run_timers(uint64_t now_ms)
{
	while (lru.prev != &lru && lru.prev->last + cfg->udp_timeout_ms <= now_ms)
		uflow_close(lru.prev);
}

/**
 * pxudp_publish() - Refresh the flow listing's byte counts (flowmap.c)
 */
void pxudp_publish(void)
{
	for (struct udpflow *f = lru.next; f != &lru; f = f->next) {
		if (f->out + f->in == f->published)
			continue;
		f->published = f->out + f->in;
		flowmap_update(&f->fe.key, TG_FLOW_UDP, f->out, f->in);
	}
}

/**
 * pxudp_recheck() - Close the flows a new policy denies
 *
 * Return: how many were closed
 */
unsigned int pxudp_recheck(void)
{
	unsigned int n = 0;

	for (struct udpflow *f = lru.next, *next; f != &lru; f = next) {
		next = f->next;
		if (!route_still_allowed(&router, &f->fe.key)) {
			uflow_close(f);
			n++;
		}
	}
	return n;
}

/**
 * pxudp_timeout_ms() - Time until the least recently used flow goes idle
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when no flow is open
 */
int pxudp_timeout_ms(uint64_t now_ms)
{
	uint64_t due;

	if (lru.prev == &lru)
		return -1;
	due = lru.prev->last + cfg->udp_timeout_ms;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}
