// SPDX-License-Identifier: MIT
/*
 * pxicmp.c - echo requests from the guest, sent from the host and answered
 * back with the guest's own identifier and sequence number.
 *
 * One socket for all: a raw ICMP socket when we are privileged (we pick the
 * identifier), else an unprivileged ICMP datagram ("ping") socket, where the
 * kernel picks it. Either way each relayed request gets a sequence number
 * of ours, which is the key to the table of outstanding requests: a reply
 * is matched by (identifier, our sequence, source address), so replies to
 * other programs' pings, late replies and forged ones are ignored. Requests
 * unanswered after 5 s are forgotten. Each entry keeps the request's flow
 * key (flow.h; the echo identifier in place of a source port), which
 * route_decide() allowed.
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
#include "proxy/pxicmp.h"
#include "proxy/reject.h"
#include "wire/frame.h"
#include "wire/ip4out.h"
#include "wire/slot.h"

#define ECHO_MAX 1024 /* outstanding requests; a power of 2 */
#define ECHO_MS	 5000

struct echo {
	bool used;
	uint16_t guest_seq;
	struct flow_key key; /* sport: the guest's identifier */
	uint64_t deadline;
};

static struct router router;
static struct tg_ustats *st;
static struct echo *tab;
static unsigned int nused;
static uint16_t next_seq, our_id;
static uint16_t oldest_seq; /* requests from here to next_seq may be waiting */
static bool raw;
static int fd = -1;
static struct loop_handler h;
static uint8_t buf[65536];

static void on_reply(struct loop_handler *hh, uint32_t events);

/**
 * pxicmp_init() - Open the ICMP socket (raw, else a ping socket)
 * @config: addresses and --allow
 * @g:      destination groups
 * @stats:  counters
 *
 * Without either socket, pings beyond the gateway go unanswered (a warning).
 *
 * Return: 0 or a negative errno
 */
int pxicmp_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	route_init(&router, config, g);
	st = stats;
	tab = calloc(ECHO_MAX, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	our_id = (uint16_t)getpid();
	raw = true;
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		raw = false;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	}
	if (fd < 0) {
		log_warn("no ICMP socket (%s): the guest's pings beyond the gateway go "
			 "unanswered; allow them with sysctl net.ipv4.ping_group_range",
			 strerror(errno));
		return 0;
	}
	h.fn = on_reply;
	return loop_add(fd, EPOLLIN, &h);
}

/* Close the socket and forget every request. */
void pxicmp_fini(void)
{
	if (fd >= 0) {
		loop_forget(&h);
		close(fd);
	}
	fd = -1;
	free(tab);
	tab = NULL;
	nused = 0;
}

/**
 * pxicmp_echo() - Relay a guest echo request (not to the gateway)
 * @s: staged SLOT_ICMP IPv4 frame (or a reassembled one)
 *
 * Return: SLOT_OK or an enum slot_drop reason
 */
int pxicmp_echo(const struct slot *s)
{
	const uint8_t *m = frame_get(&s->f, s->l4_off, s->l4_len);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct flow_key k;
	struct route rt;
	struct echo *e;
	uint16_t seq;
	int verdict;

	if (!m || s->l4_len < 8 || m[0] != 8 || m[1] != 0 || fd < 0)
		return SLOT_DROP_ICMP;
	verdict = route_slot(&router, s, ROUTE_ICMP_RELAY, SLOT_DROP_ICMP, &k, &rt);
	if (verdict != SLOT_OK)
		return reject_denied(s, &rt, verdict, st);
	k.sport = rd16(m + 4); /* the echo identifier: the flow's "port" */
	if (s->l4_len > sizeof(buf))
		return SLOT_DROP_MALFORMED;
	seq = next_seq++;
	if ((uint16_t)(next_seq - oldest_seq) > ECHO_MAX)
		oldest_seq = (uint16_t)(next_seq - ECHO_MAX);
	e = &tab[seq % ECHO_MAX];
	if (e->used)
		nused--; /* overwritten: the oldest request gives way */
	memcpy(buf, m, s->l4_len);
	wr16(buf + 4, our_id);
	wr16(buf + 6, seq);
	wr16(buf + 2, 0);
	wr16(buf + 2, csum_fold(csum_add(0, buf, s->l4_len)));
	memcpy(&sa.sin_addr, rt.target.a, 4);
	if (sendto(fd, buf, s->l4_len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return SLOT_DROP_NOMEM;
	*e = (struct echo){ .used = true, .guest_seq = rd16(m + 6), .key = k };
	e->deadline = loop_now_ms() + ECHO_MS;
	nused++;
	st->icmp_relayed++;
	return SLOT_OK;
}

/* One reply: find its request, give it the guest's id and sequence back. */
static void reply(const uint8_t *from, uint8_t *m, size_t len)
{
	struct echo *e;
	uint16_t seq;

	if (len < 8 || m[0] != 0 || (raw && rd16(m + 4) != our_id))
		return;
	seq = rd16(m + 6);
	e = &tab[seq % ECHO_MAX];
	if (!e->used || memcmp(e->key.dst.a, from, 4))
		return;
	wr16(m + 4, e->key.sport);
	wr16(m + 6, e->guest_seq);
	wr16(m + 2, 0);
	wr16(m + 2, csum_fold(csum_add(0, m, len)));
	e->used = false;
	nused--;
	if (!ip4out_send(1, from, m, len))
		st->icmp_replies_relayed++;
}

static void on_reply(struct loop_handler *hh, uint32_t events)
{
	(void)hh;
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		ssize_t n =
			recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
		size_t off = 0;

		if (n < 0)
			return;
		if (raw) {
			/* Raw sockets hand over the IP header too. */
			if (n < 20 || (buf[0] >> 4) != 4)
				continue;
			off = (size_t)(buf[0] & 15) * 4;
			if ((size_t)n < off)
				continue;
		}
		reply((const uint8_t *)&sa.sin_addr, buf + off, (size_t)n - off);
	}
}

/*
 * Requests are made in sequence order with the same timeout, so they expire
 * in that order too: walk from the oldest, and stop at the first that is
 * still waiting. Answered requests on the way are skipped.
 */
void pxicmp_run_timers(uint64_t now_ms)
{
	while (oldest_seq != next_seq) {
		struct echo *e = &tab[oldest_seq % ECHO_MAX];

		if (e->used && e->deadline > now_ms)
			break;
		if (e->used) {
			e->used = false;
			nused--;
		}
		oldest_seq++;
	}
}

/**
 * pxicmp_timeout_ms() - Time until the oldest request is forgotten
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when nothing waits
 */
int pxicmp_timeout_ms(uint64_t now_ms)
{
	const struct echo *e;

	/* After pxicmp_run_timers(): the oldest left is one still waiting. */
	if (oldest_seq == next_seq)
		return -1;
	e = &tab[oldest_seq % ECHO_MAX];
	return e->deadline <= now_ms ? 0 : (int)(e->deadline - now_ms);
}
