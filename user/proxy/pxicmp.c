// SPDX-License-Identifier: MIT
/*
 * pxicmp.c - echo requests from the guest, sent from the host and answered
 * back with the guest's own identifier and sequence number.
 *
 * One socket per family for all: a raw ICMP (ICMPv6) socket when we are
 * privileged (we pick the identifier), else an unprivileged datagram
 * ("ping") socket, where the kernel picks it. Either way each relayed
 * request gets a sequence number of ours, which is the key to the one
 * table of outstanding requests of both families: a reply is matched by
 * (identifier, our sequence, family and source address), so replies to
 * other programs' pings, late replies and forged ones are ignored. Requests
 * unanswered after 5 s are forgotten. Each entry keeps the request's flow
 * key (flow.h; the echo identifier in place of a source port), which
 * route_decide() allowed; an IPv6 reply goes back to the address of the
 * guest's /64 the request came from. The kernel computes ICMPv6 checksums
 * on both kinds of socket (RFC 3542 section 3.1); ICMP's we write.
 *
 * Sandboxes do not see each other: a raw socket gets every echo reply the
 * host receives, so each daemon takes a random identifier (not its pid,
 * which another daemon in another pid namespace may share) and a random
 * first sequence number, and its raw sockets carry a socket filter that
 * lets in only replies with its identifier: another sandbox's replies
 * never reach it, not even to be dropped (icmp_foreign counts what gets
 * past the filter and is not ours).
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "wire.h"
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
#include "wire/ip6out.h"
#include "wire/slot.h"

#define ECHO_MAX 1024 /* outstanding requests; a power of 2 */
#define ECHO_MS	 5000

struct echo {
	bool used;
	uint16_t guest_seq;
	struct flow_key key; /* sport: the guest's identifier */
	uint64_t deadline;
};

/* The socket of one family; h first, so that the handler finds its socket. */
struct isock {
	struct loop_handler h;
	int fd;
	bool raw;
	uint8_t family;	  /* 4 or 6 */
	uint8_t req, rep; /* echo request and reply types */
};

static struct router router;
static struct tg_ustats *st;
static struct echo *tab;
static unsigned int nused;
static uint16_t next_seq, our_id;
static uint16_t oldest_seq; /* requests from here to next_seq may be waiting */
static struct isock sock4 = {
	.fd = -1, .family = 4, .req = TG_ICMP_ECHO_REQUEST, .rep = TG_ICMP_ECHO_REPLY
};
static struct isock sock6 = {
	.fd = -1, .family = 6, .req = TG_ICMP6_ECHO_REQUEST, .rep = TG_ICMP6_ECHO_REPLY
};
static uint8_t buf[65536];

static void on_reply(struct loop_handler *hh, uint32_t events);

/* A raw ICMPv6 socket sees every ICMPv6 message the host gets: only echo
 * replies are ours to look at. Should the filter fail, reply() still
 * ignores the rest: it only costs reads. */
static void filter_replies(int fd)
{
	struct icmp6_filter f;

	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(TG_ICMP6_ECHO_REPLY, &f);
	setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
}

/*
 * Only echo replies with our identifier: classic BPF on what the raw
 * socket would read, the IPv4 header first (its length from the IHL) or,
 * for ICMPv6, the message alone. The identifier is at offset 4 of the
 * message.
 */
static void filter_ours(const struct isock *k)
{
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* x = IP header length */
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),	/* the ICMP type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TG_ICMP_ECHO_REPLY, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4), /* the identifier */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, our_id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = 7, .filter = v4 };

	if (k->family == 6)
		prog = (struct sock_fprog){ .len = 4, .filter = v6 };
	if (setsockopt(k->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		log_warn("ICMP%s: no socket filter (%s): other programs' echo replies are read "
			 "and dropped here",
			 k->family == 4 ? "" : "v6", strerror(errno));
}

/* Open @k's socket: raw, else a ping socket. Without either, pings of that
 * family beyond the gateway go unanswered (a warning). */
static int open_sock(struct isock *k)
{
	int af = k->family == 4 ? AF_INET : AF_INET6;
	int proto = k->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	k->raw = true;
	k->fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (k->fd < 0) {
		k->raw = false;
		k->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	}
	if (k->fd < 0) {
		log_warn("no ICMP%s socket (%s): the guest's pings beyond the gateway go "
			 "unanswered; allow them with sysctl net.ipv4.ping_group_range",
			 k->family == 4 ? "" : "v6", strerror(errno));
		return 0;
	}
	if (k->raw && k->family == 6)
		filter_replies(k->fd);
	if (k->raw)
		filter_ours(k);
	k->h.fn = on_reply;
	return loop_add(k->fd, EPOLLIN, &k->h);
}

/**
 * pxicmp_init() - Open the ICMP sockets (raw, else ping sockets)
 * @config: addresses, --allow, whether the guest has IPv6
 * @g:      destination groups
 * @stats:  counters
 *
 * Return: 0 or a negative errno
 */
int pxicmp_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	int err;

	route_init(&router, config, g);
	st = stats;
	tab = calloc(ECHO_MAX, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	if (getrandom(&our_id, sizeof(our_id), 0) != sizeof(our_id) ||
	    getrandom(&next_seq, sizeof(next_seq), 0) != sizeof(next_seq))
		return -EIO;
	oldest_seq = next_seq;
	err = open_sock(&sock4);
	if (!err && config->ipv6)
		err = open_sock(&sock6);
	return err;
}

static void close_sock(struct isock *k)
{
	if (k->fd >= 0) {
		loop_forget(&k->h);
		close(k->fd);
	}
	k->fd = -1;
}

/* Close the sockets and forget every request. */
void pxicmp_fini(void)
{
	close_sock(&sock4);
	close_sock(&sock6);
	free(tab);
	tab = NULL;
	nused = 0;
}

/* Send @len bytes of request to @target on @k's socket. */
static int send_to(const struct isock *k, const uint8_t *target, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };

	if (k->family == 4) {
		memcpy(&sa.sin_addr, target, 4);
		return (int)sendto(k->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa,
				   sizeof(sa));
	}
	memcpy(&sa6.sin6_addr, target, 16);
	return (int)sendto(k->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa6, sizeof(sa6));
}

/* ICMP's checksum is ours to write; the kernel writes ICMPv6's. */
static void fix_sum(uint8_t family, uint8_t *m, size_t len)
{
	wr16(m + 2, 0);
	if (family == 4)
		wr16(m + 2, csum_fold(csum_add(0, m, len)));
}

/**
 * pxicmp_echo() - Relay a guest echo request (not to the gateway)
 * @s: staged SLOT_ICMP frame of either family (or a reassembled one)
 *
 * Return: SLOT_OK or an enum slot_drop reason
 */
int pxicmp_echo(const struct slot *s)
{
	const uint8_t *m = frame_get(&s->f, s->l4_off, s->l4_len);
	const struct isock *ks = s->family == 4 ? &sock4 : &sock6;
	struct flow_key k;
	struct route rt;
	struct echo *e;
	uint16_t seq;
	int verdict;

	if (!m || s->l4_len < 8 || m[0] != ks->req || m[1] != 0 || ks->fd < 0)
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
	fix_sum(ks->family, buf, s->l4_len);
	if (send_to(ks, rt.target.a, s->l4_len) < 0)
		return SLOT_DROP_NOMEM;
	*e = (struct echo){ .used = true, .guest_seq = rd16(m + 6), .key = k };
	e->deadline = loop_now_ms() + ECHO_MS;
	nused++;
	st->icmp_relayed++;
	return SLOT_OK;
}

/* To the guest: IPv4 to its one address, IPv6 to the one that asked. */
static int send_back(const struct echo *e, const uint8_t *from, uint8_t *m, size_t len)
{
	if (e->key.dst.family == 4)
		return ip4out_send(TG_IPPROTO_ICMP, from, m, len);
	return ip6out_icmp(from, e->key.src.a, m, len);
}

/* One reply: find its request, give it the guest's id and sequence back. */
static void reply(const struct isock *k, const uint8_t *from, uint8_t *m, size_t len)
{
	struct echo *e;
	uint16_t seq;

	if (len < 8 || m[0] != k->rep || m[1] != 0)
		return;
	seq = rd16(m + 6);
	e = &tab[seq % ECHO_MAX];
	if ((k->raw && rd16(m + 4) != our_id) || !e->used || e->key.dst.family != k->family ||
	    memcmp(e->key.dst.a, from, k->family == 4 ? 4 : 16)) {
		st->icmp_foreign++;
		return;
	}
	wr16(m + 4, e->key.sport);
	wr16(m + 6, e->guest_seq);
	fix_sum(k->family, m, len); /* ip6out_icmp() writes ICMPv6's */
	e->used = false;
	nused--;
	if (!send_back(e, from, m, len))
		st->icmp_replies_relayed++;
}

/* Where the message starts in what the socket read: raw IPv4 sockets hand
 * over the IP header too; -1 when it is not whole. */
static ssize_t msg_offset(const struct isock *k, ssize_t n)
{
	ssize_t off;

	if (!k->raw || k->family == 6)
		return 0;
	if (n < 20 || (buf[0] >> 4) != 4)
		return -1;
	off = (ssize_t)(buf[0] & 15) * 4;
	return n < off ? -1 : off;
}

static void on_reply(struct loop_handler *hh, uint32_t events)
{
	const struct isock *k = (const struct isock *)hh;

	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in6 sa6;
		struct sockaddr_in *sa = (struct sockaddr_in *)&sa6;
		socklen_t sl = sizeof(sa6);
		ssize_t n = recvfrom(k->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa6,
				     &sl);
		ssize_t off;

		if (n < 0)
			return;
		off = msg_offset(k, n);
		if (off < 0)
			continue;
		reply(k,
		      k->family == 4 ? (const uint8_t *)&sa->sin_addr
				     : (const uint8_t *)&sa6.sin6_addr,
		      buf + off, (size_t)(n - off));
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
