// SPDX-License-Identifier: MIT
/*
 * inudp.c - published UDP ports (see inudp.h).
 *
 * Each host peer (a source address and port on one published port) gets
 * a gateway port of its own, TG_INBOUND_PORT_MIN + its slot in the peer
 * table: the guest's answers to that port find the peer at once, and the
 * XDP program lets them through as it does a published TCP port's. A
 * guest can only ever answer peers that wrote to it first, and only from
 * the published port. The table is bounded; the least recently used peer
 * gives way, and an idle one goes after --udp-timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "control/log.h"
#include "io/loop.h"
#include "proxy/inbound.h"
#include "proxy/inudp.h"
#include "proxy/publisten.h"
#include "steer.h"
#include "ustats.h"
#include "wire.h"
#include "wire/frame.h"
#include "wire/ip4out.h"
#include "wire/slot.h"

#define PEERS	      256 /* gateway ports TG_INBOUND_PORT_MIN + 0..PEERS-1 */
#define READS_PER_RUN 64

struct peer {
	bool used;
	uint8_t lst; /* its listener */
	struct sockaddr_in addr;
	uint64_t last_ms;
};

static const struct config *cfg;
static struct tg_ustats *st, dummy_stats;
static struct publisten_tab lsts;
static struct peer peers[PEERS];
static bool ready;
static uint8_t buf[65536];

static void on_readable(struct loop_handler *h, uint32_t events);

/**
 * inudp_add() - Publish one UDP port
 * @p:   what to publish
 * @err: the reason when it fails
 * @len: its size
 *
 * Return: 0 or a negative errno (see publisten_open())
 */
int inudp_add(const struct publish *p, char *err, size_t len)
{
	return publisten_open(&lsts, p, err, len);
}

/**
 * inudp_remove() - Stop publishing a UDP port; its peers are forgotten
 * @p: what was published
 *
 * Return: 0, or -ENOENT
 */
int inudp_remove(const struct publish *p)
{
	int at = publisten_close(&lsts, p);

	if (at < 0)
		return at;
	for (unsigned int i = 0; i < PEERS; i++)
		if (peers[i].used && peers[i].lst == at)
			peers[i].used = false;
	return 0;
}

/**
 * inudp_published() - How many UDP ports are published now
 *
 * Return: the count
 */
unsigned int inudp_published(void)
{
	return publisten_count(&lsts);
}

/* The peer's slot: found, or a free one, or the least recently used. */
static unsigned int peer_of(unsigned int lst, const struct sockaddr_in *a)
{
	unsigned int best = 0;

	for (unsigned int i = 0; i < PEERS; i++) {
		const struct peer *p = &peers[i];

		if (p->used && p->lst == lst && p->addr.sin_addr.s_addr == a->sin_addr.s_addr &&
		    p->addr.sin_port == a->sin_port)
			return i;
		if (!p->used || (peers[best].used && p->last_ms < peers[best].last_ms))
			best = i;
	}
	if (peers[best].used)
		st->udp_evicted++;
	peers[best] = (struct peer){ .used = true, .lst = (uint8_t)lst, .addr = *a };
	return best;
}

static void to_guest(struct publisten *l, unsigned int i, size_t n)
{
	peers[i].last_ms = loop_now_ms();
	if (ip4out_udp((const uint8_t *)&cfg->gw_ip4, (uint16_t)(TG_INBOUND_PORT_MIN + i),
		       l->pub.guest_port, buf, n))
		st->udp_dropped++;
	else
		st->inbound_udp_to_guest++;
}

static void on_readable(struct loop_handler *h, uint32_t events)
{
	struct publisten *l = (struct publisten *)h;

	(void)events;
	for (int k = 0; k < READS_PER_RUN; k++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (!ip4out_room_for(TG_UDP_HLEN + 65507))
			return; /* the rest waits in the socket; the next turn reads it */
		n = recvfrom(l->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (!inbound_allowed(IPPROTO_UDP, &from, l->pub.guest_port))
			continue;
		to_guest(l, peer_of((unsigned int)(l - lsts.slot), &from), (size_t)n);
	}
}

/**
 * inudp_owns() - Whether a staged guest datagram answers a published port
 * @s: staged SLOT_UDP frame
 *
 * Return: true for UDP to the gateway on a peer's port
 */
bool inudp_owns(const struct slot *s)
{
	return ready && s->kind == SLOT_UDP && s->family == 4 && TG_INBOUND_PORT(s->dport) &&
	       !memcmp(s->dst, &cfg->gw_ip4, 4);
}

/**
 * inudp_from_guest() - Send the guest's answer to its peer
 * @s: staged frame inudp_owns() took
 *
 * Return: SLOT_OK, or SLOT_DROP_UNHANDLED when no such peer (or not from
 * the published port)
 */
int inudp_from_guest(const struct slot *s)
{
	unsigned int i = s->dport - TG_INBOUND_PORT_MIN;
	const uint8_t *data = frame_get(&s->f, s->l4_off + TG_UDP_HLEN, s->payload_len);
	struct peer *p = i < PEERS ? &peers[i] : NULL;

	if (!p || !p->used || lsts.slot[p->lst].fd < 0 ||
	    s->sport != lsts.slot[p->lst].pub.guest_port || !data)
		return SLOT_DROP_UNHANDLED;
	p->last_ms = loop_now_ms();
	if (sendto(lsts.slot[p->lst].fd, data, s->payload_len, MSG_DONTWAIT,
		   (const struct sockaddr *)&p->addr, sizeof(p->addr)) < 0)
		st->udp_dropped++;
	else
		st->inbound_udp_to_host++;
	return SLOT_OK;
}

/**
 * inudp_run_timers() - Forget peers idle for --udp-timeout
 * @now_ms: monotonic milliseconds
 */
void inudp_run_timers(uint64_t now_ms)
{
	for (unsigned int i = 0; i < PEERS; i++)
		if (peers[i].used && now_ms - peers[i].last_ms >= cfg->udp_timeout_ms)
			peers[i].used = false;
}

/**
 * inudp_timeout_ms() - Time until the next peer may expire
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 without peers
 */
int inudp_timeout_ms(uint64_t now_ms)
{
	uint64_t best = UINT64_MAX;

	for (unsigned int i = 0; i < PEERS; i++)
		if (peers[i].used && peers[i].last_ms + cfg->udp_timeout_ms < best)
			best = peers[i].last_ms + cfg->udp_timeout_ms;
	if (best == UINT64_MAX)
		return -1;
	return best <= now_ms ? 0 : (int)(best - now_ms);
}

/**
 * inudp_init() - Bind every published UDP port of the options
 * @config: configuration (kept)
 * @stats:  counters, or NULL
 *
 * Return: 0, or a negative errno with the reason logged
 */
int inudp_init(const struct config *config, struct tg_ustats *stats)
{
	char err[256];

	cfg = config;
	st = stats ? stats : &dummy_stats;
	publisten_init(&lsts, on_readable);
	ready = true;
	for (unsigned int i = 0; i < cfg->npublish; i++) {
		const struct publish *p = &cfg->publish[i];
		int r;

		if (p->proto != IPPROTO_UDP)
			continue;
		r = inudp_add(p, err, sizeof(err));
		if (r) {
			log_err("--publish %u:%u/udp: %s", p->host_port, p->guest_port, err);
			inudp_fini();
			return r;
		}
	}
	return 0;
}

/**
 * inudp_fini() - Close every published UDP port (exit)
 */
void inudp_fini(void)
{
	if (!ready)
		return;
	publisten_close_all(&lsts);
	memset(peers, 0, sizeof(peers));
	ready = false;
}
