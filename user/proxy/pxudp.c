// SPDX-License-Identifier: MIT
/*
 * pxudp.c - the UDP relay: one connected host socket per guest flow.
 *
 * Theory of operation. A flow is (guest port, destination address,
 * destination port); the guest's address is fixed. The first datagram of a
 * flow opens a non-blocking UDP socket connect()ed to the destination (the
 * gateway stands for the host's 127.0.0.1), so the kernel filters replies
 * for us and reports ICMP errors on the socket; later datagrams are one
 * send() each. Replies are read when epoll says so and written to the guest
 * with the flow's destination as their source, fragmented to the guest's
 * MTU when larger. A reply is read only when the tx side has room for all
 * of its fragments; otherwise the flow waits in the blocked state and
 * pxudp_output_all() resumes it once frames came back, so nothing is read
 * and then lost.
 *
 * Bounds: flows live in a pool of --udp-max-flows entries allocated at start
 * and are kept on a list in least-recently-used order, so the idle timeout
 * and the eviction of the oldest flow when the pool is full are both O(1).
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
#include "wire/frame.h"
#include "control/group.h"
#include "wire/ip4out.h"
#include "control/log.h"
#include "io/loop.h"
#include "proxy/pxudp.h"
#include "wire/slot.h"
#include "proxy/udpbatch.h"

#define SNDBUF_BUDGET  (256 * 1024)
#define READS_PER_TURN 16

struct udpflow {
	struct loop_handler h; /* first: the handler pointer is the flow */
	uint8_t dst[4];
	uint16_t sport, dport;
	int fd;
	bool blocked; /* readable, but waiting for tx room */
	bool df;      /* the socket sends with DF (IP_PMTUDISC_DO) */
	bool nogso;   /* its route cannot segment: one send() per datagram */
	uint64_t last;
	struct udpflow *prev, *next; /* LRU list; free list uses next */
	struct udpflow *hnext;
};

static const struct config *cfg;
static const struct group_table *groups;
static struct tg_ustats *st;
static struct udpflow *pool, *free_list, **table;
static struct udpflow lru; /* sentinel: lru.next is the newest */
static uint32_t table_mask;
static unsigned int nblocked;
static uint8_t rbuf[65536];
static struct udpbatch batch; /* a flow's datagrams gathered in one rx batch */

static uint32_t hash(const uint8_t dst[4], uint16_t sport, uint16_t dport)
{
	uint32_t h = rd32(dst) * 0x9e3779b1u ^ ((uint32_t)sport << 16 | dport) * 0x85ebca6bu;

	return (h ^ h >> 15) & table_mask;
}

static struct udpflow **find(const uint8_t dst[4], uint16_t sport, uint16_t dport)
{
	struct udpflow **pp = &table[hash(dst, sport, dport)];

	while (*pp &&
	       ((*pp)->sport != sport || (*pp)->dport != dport || memcmp((*pp)->dst, dst, 4)))
		pp = &(*pp)->hnext;
	return pp;
}

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
static void flow_touch(struct udpflow *f)
{
	f->last = loop_now_ms();
	lru_unlink(f);
	lru_push(f);
}

static void batch_flush(void);

static void flow_close(struct udpflow *f)
{
	struct udpflow **pp = find(f->dst, f->sport, f->dport);

	if (batch.owner == f)
		batch_flush();
	*pp = f->hnext;
	lru_unlink(f);
	loop_forget(&f->h);
	close(f->fd);
	if (f->blocked)
		nblocked--;
	f->next = free_list;
	free_list = f;
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
	uint32_t n = 64;

	cfg = config;
	groups = g;
	st = stats;
	while (n < cfg->udp_max_flows * 2)
		n <<= 1;
	pool = calloc(cfg->udp_max_flows, sizeof(*pool));
	table = calloc(n, sizeof(*table));
	if (!pool || !table)
		return -ENOMEM;
	table_mask = n - 1;
	lru.next = lru.prev = &lru;
	for (unsigned int i = cfg->udp_max_flows; i-- > 0;) {
		pool[i].next = free_list;
		free_list = &pool[i];
	}
	return 0;
}

void pxudp_fini(void)
{
	while (pool && lru.prev != &lru)
		flow_close(lru.prev);
	free(pool);
	free(table);
	pool = free_list = NULL;
	table = NULL;
}

/* An ICMP error quoting a datagram of this flow, as the kernel reported. */
static void icmp_to_guest(const struct udpflow *f, uint8_t code, uint16_t mtu, size_t len)
{
	uint8_t q[28] = { 0x45 };

	wr16(q + 2, (uint16_t)(28 + len));
	if (f->df)
		q[6] = 0x40;
	q[8] = 64;
	q[9] = 17;
	memcpy(q + 12, &cfg->guest_ip4, 4);
	memcpy(q + 16, f->dst, 4);
	wr16(q + 20, f->sport);
	wr16(q + 22, f->dport);
	wr16(q + 24, (uint16_t)(8 + len));
	wr16(q + 10, csum_fold(csum_add(0, q, 20)));
	ip4out_icmp_error(3, code, mtu, q, sizeof(q));
}

static void set_blocked(struct udpflow *f, bool on)
{
	if (f->blocked != on)
		nblocked += on ? 1 : -1u;
	f->blocked = on;
}

/* Read replies while the guest side has room for them. */
static void flow_read(struct udpflow *f)
{
	for (int i = 0; i < READS_PER_TURN; i++) {
		ssize_t n;

		/* Room for the largest datagram, since its size is known only
		 * once it is read. */
		if (!ip4out_room_for(8 + 65507)) {
			set_blocked(f, true);
			return;
		}
		n = recv(f->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				icmp_to_guest(f, 3, 0, 0);
			break;
		}
		if (ip4out_udp(f->dst, f->dport, f->sport, rbuf, (size_t)n)) {
			st->udp_dropped++;
		} else {
			st->udp_to_guest++;
		}
	}
	set_blocked(f, false);
}

static void on_fd(struct loop_handler *h, uint32_t events)
{
	struct udpflow *f = (struct udpflow *)h;

	(void)events;
	flow_touch(f);
	flow_read(f);
}

/*
 * Keep the guest's choice: with DF it does path MTU discovery and wants to
 * hear that a datagram is too big (EMSGSIZE becomes ICMP frag-needed);
 * without DF the host may fragment. The option changes only when the
 * guest's choice does, so it costs nothing per datagram.
 */
static void follow_df(struct udpflow *f, bool df)
{
	int v = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;

	if (f->df != df && !setsockopt(f->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)))
		f->df = df;
}

static struct udpflow *flow_open(const uint8_t dst[4], uint16_t sport, uint16_t dport)
{
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };
	int group = group_classify(groups, 4, dst), sndbuf = SNDBUF_BUDGET;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(dport) };
	struct udpflow *f;

	if (!free_list) {
		flow_close(lru.prev);
		st->udp_evicted++;
	}
	f = free_list;
	memcpy(&sa.sin_addr, group == TG_G_GATEWAY ? loopback : dst, 4);
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return NULL;
	setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	f->h.fn = on_fd;
	if (connect(f->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add(f->fd, EPOLLIN, &f->h) < 0) {
		close(f->fd);
		return NULL;
	}
	free_list = f->next;
	memcpy(f->dst, dst, 4);
	f->sport = sport;
	f->dport = dport;
	f->blocked = false;
	f->df = true;
	f->nogso = false;
	follow_df(f, false);
	f->hnext = NULL;
	*find(dst, sport, dport) = f;
	lru_push(f);
	st->udp_flows_open++;
	st->udp_flows_total++;
	return f;
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

		getsockopt(f->fd, IPPROTO_IP, IP_MTU, &mtu, &sl);
		icmp_to_guest(f, 4, (uint16_t)mtu, len);
	} else if (errno == ECONNREFUSED) {
		icmp_to_guest(f, 3, 0, len);
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
	struct udpflow *f;
	int group;

	if (s->family != 4)
		return SLOT_DROP_UNHANDLED;
	/* Checked here too: reassembled datagrams never met the XDP policy
	 * (nor its ports rule, bpf/steer.bpf.c l4_udp). */
	group = group_classify(groups, 4, s->dst);
	if (!group_allowed(cfg->allow, group))
		return SLOT_DROP_POLICY;
	if (!cfg->udp_local_ports && TG_UDP_LOCAL_PORT(s->dport))
		return SLOT_DROP_POLICY;
	f = *find(s->dst, s->sport, s->dport);
	if (!f)
		f = flow_open(s->dst, s->sport, s->dport);
	if (!f)
		return SLOT_DROP_NOMEM;
	flow_touch(f);
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
			flow_read(f);
	}
}

/**
 * pxudp_run_timers() - Close flows idle for --udp-timeout
 * @now_ms: monotonic milliseconds
 */
void pxudp_run_timers(uint64_t now_ms)
{
	while (lru.prev != &lru && lru.prev->last + cfg->udp_timeout_ms <= now_ms)
		flow_close(lru.prev);
}

int pxudp_timeout_ms(uint64_t now_ms)
{
	uint64_t due;

	if (lru.prev == &lru)
		return -1;
	due = lru.prev->last + cfg->udp_timeout_ms;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}
