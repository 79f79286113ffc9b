// SPDX-License-Identifier: MIT
/*
 * dnsfwd.c - forward the guest's UDP DNS queries to upstream resolvers.
 *
 * Theory of operation. A query (UDP to port 53, any address) is parsed
 * (dnsmsg.c; hostile bytes), answered here if it asks for --host-name, and
 * otherwise sent upstream under an id of ours, so that queries of different
 * guest ports cannot collide. Each upstream has one connected UDP socket:
 * the kernel then tells us at once when nobody listens there (ECONNREFUSED),
 * and every pending query of that upstream fails over to the next one, as
 * it does after 5 s of silence. When the last upstream fails the guest gets
 * SERVFAIL rather than silence. The answer gets the guest's id back, its
 * A/AAAA records are recorded (dnsrec.c) and checked against rebinding
 * (an answer pointing into private, loopback, link-local, metadata or host
 * addresses becomes NXDOMAIN), and it is cut to the guest's EDNS size with
 * TC=1 so the guest retries over TCP, which dnstcp.c sends to the first
 * upstream. Pending queries live in a fixed table (PENDING_MAX), each with
 * the guest's flow key, found by our id.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/config.h"
#include "control/route.h"
#include "dns/dnsfwd.h"
#include "dns/dnstcp.h"
#include "dns/dnsmsg.h"
#include "dns/dnsrec.h"
#include "dns/dnsup.h"
#include "proxy/udpout.h"
#include "wire/frame.h"
#include "control/group.h"
#include "control/hostroute.h"
#include "control/log.h"
#include "io/loop.h"
#include "policy/polset.h"
#include "wire/slot.h"

#define PENDING_MAX   256
#define QUERY_MAX     1232 /* the DNS flag day's safe UDP size */
#define TRY_MS	      5000
#define ANSWER_RR_MAX 128
#define LOCAL_TTL     60
#define PIN_TTL_MIN   60 /* seconds a domain rule keeps matching an answer */

struct pending {
	bool used;
	uint8_t upstream;
	uint16_t our_id, guest_id, edns_size;
	struct flow_key guest; /* the guest's query: its port, the address it asked */
	uint64_t deadline;
	uint16_t len;
	uint8_t query[QUERY_MAX];
};

static const struct config *cfg;
static const struct group_table *groups;
static struct router router;
static struct tg_ustats *st;
static struct pending *pend;
static unsigned int npend;
static uint8_t buf[65536];
static struct dns_addr_rr rrs[ANSWER_RR_MAX];

static void on_upstream(struct loop_handler *h, uint32_t events);

/* The policy's domain rules match what the guest was answered (dnsrec.c). */
static bool pinned(int family, const uint8_t *addr, const char *name, bool suffix)
{
	return dnsrec_pinned(family, addr, name, suffix, loop_now_ms());
}

/**
 * dnsfwd_init() - Take the upstream resolvers (dnsup.c) and the tables
 * @config: --dns (or none: /etc/resolv.conf is read), --host-name
 * @g:      destination groups, for rebinding checks
 * @stats:  counters
 *
 * Return: 0 or a negative errno after a message
 */
int dnsfwd_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	cfg = config;
	groups = g;
	route_init(&router, config, g);
	st = stats;
	dnstcp_init(stats);
	pend = calloc(PENDING_MAX, sizeof(*pend));
	polset_set_pins(pinned);
	if (!pend || dnsrec_init(DNSREC_MAX))
		return -ENOMEM;
	dnsup_init(cfg, on_upstream);
	return 0;
}

/* Close the upstream sockets and forget every pending query. */
void dnsfwd_fini(void)
{
	dnsup_fini();
	free(pend);
	pend = NULL;
	npend = 0;
	dnsrec_fini();
}

/**
 * dnsfwd_tcp_upstream() - Where a guest's DNS over TCP goes (dnstcp.c)
 * @idx:  0 for the first upstream, then the next ones on failover
 * @addr: set to the upstream's address
 * @port: set to its port
 *
 * Every upstream after the first counts as a failover, as for UDP.
 *
 * Return: 0, or -ENOENT when there is no such upstream
 */
int dnsfwd_tcp_upstream(unsigned int idx, struct tg_addr *addr, uint16_t *port)
{
	struct dnsup *u = idx < dnsup_count(loop_now_ms()) ? dnsup_get(idx) : NULL;

	if (!u)
		return -ENOENT;
	if (idx)
		st->dns_failover++;
	tg_addr_set(addr, 4, (const uint8_t *)&u->addr.ip4);
	*port = u->addr.port;
	return 0;
}

/* An answer to the guest's query @k, from the address it asked. */
static void to_guest(const struct flow_key *k, const uint8_t *msg, size_t len)
{
	if (udpout_reply(k, msg, len))
		st->udp_dropped++;
	else
		st->dns_answers++;
}

static void answer_error(struct pending *p, int rcode)
{
	struct dns_query q;
	size_t n;

	if (dnsmsg_parse_query(p->query, p->len, &q))
		return;
	n = dnsmsg_error(p->query, &q, rcode, buf, sizeof(buf));
	if (n)
		to_guest(&p->guest, buf, n);
}

static void pending_done(struct pending *p)
{
	p->used = false;
	npend--;
}

/* Send (or resend) @p to upstream p->upstream, failing over on error.
 * Every try at an upstream after the first counts as a failover. */
static void try_upstream(struct pending *p)
{
	uint64_t now = loop_now_ms();
	unsigned int n = dnsup_count(now);

	for (; p->upstream < n; p->upstream++) {
		if (p->upstream)
			st->dns_failover++;
		dnsmsg_set_id(p->query, p->len, p->our_id);
		if (!dnsup_send(p->upstream, p->query, p->len, now)) {
			p->deadline = loop_now_ms() + TRY_MS;
			return;
		}
	}
	dnsmsg_set_id(p->query, p->len, p->guest_id);
	st->dns_timeouts++;
	answer_error(p, DNS_RCODE_SERVFAIL);
	pending_done(p);
}

static struct pending *find_pending(uint16_t id)
{
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (pend[i].used && pend[i].our_id == id)
			return &pend[i];
	return NULL;
}

static struct pending *new_pending(void)
{
	uint16_t id;

	if (npend == PENDING_MAX)
		return NULL;
	do {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			return NULL;
	} while (find_pending(id));
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (!pend[i].used) {
			memset(&pend[i], 0, offsetof(struct pending, query));
			pend[i].used = true;
			pend[i].our_id = id;
			npend++;
			return &pend[i];
		}
	return NULL;
}

/* The gateway's address for --host-name: AAAA its IPv6 one (when the
 * guest has IPv6), anything else the IPv4 one (NODATA for other types). */
static size_t host_name_answer(const uint8_t *query, const struct dns_query *q, uint8_t *out,
			       size_t cap)
{
	if (q->qtype == DNS_TYPE_AAAA && cfg->ipv6)
		return dnsmsg_answer_addr(query, q, cfg->gw_ip6, 16, LOCAL_TTL, out, cap);
	return dnsmsg_answer_addr(query, q, &cfg->gw_ip4, 4, LOCAL_TTL, out, cap);
}

static int answer_local(const struct flow_key *k, const uint8_t *msg, const struct dns_query *q)
{
	size_t n = host_name_answer(msg, q, buf, sizeof(buf));

	if (!n)
		return SLOT_DROP_MALFORMED;
	st->dns_local++;
	to_guest(k, buf, dnsmsg_truncate(buf, n, q->edns_size));
	return SLOT_OK;
}

/* A name the policy denies: NXDOMAIN from here, never asked upstream (the
 * question itself could carry data out). */
static int answer_denied(const struct flow_key *k, const uint8_t *msg, const struct dns_query *q)
{
	size_t n = dnsmsg_error(msg, q, DNS_RCODE_NXDOMAIN, buf, sizeof(buf));

	if (!n)
		return SLOT_DROP_MALFORMED;
	st->dns_policy_denied++;
	to_guest(k, buf, n);
	return SLOT_OK;
}

/* --dns-aaaa: an AAAA question the guest could not use the answer of. */
static bool aaaa_withheld(const struct dns_query *q)
{
	if (q->qtype != DNS_TYPE_AAAA || cfg->dns_aaaa == DNS_AAAA_ON)
		return false;
	return cfg->dns_aaaa == DNS_AAAA_OFF || !cfg->ipv6 || !hostroute_reaches(6, loop_now_ms());
}

/* NODATA from here: the name may exist, it has no address to use. */
static size_t answer_empty(const uint8_t *query, const struct dns_query *q, uint8_t *out,
			   size_t cap)
{
	size_t n = dnsmsg_error(query, q, 0, out, cap);

	st->dns_aaaa_empty += n != 0;
	return n;
}

/**
 * dnsfwd_query() - A guest DNS query over UDP
 * @s: staged SLOT_UDP frame to port 53 (or a reassembled one)
 *
 * Return: SLOT_OK, or an enum slot_drop reason
 */
int dnsfwd_query(const struct slot *s)
{
	const uint8_t *msg = frame_get(&s->f, s->l4_off + 8, s->payload_len);
	struct dns_query q;
	struct pending *p;
	struct flow_key k;
	struct route rt;
	int verdict;

	verdict = route_slot(&router, s, ROUTE_DNS, SLOT_DROP_UNHANDLED, &k, &rt);
	if (verdict != SLOT_OK)
		return verdict;
	if (!msg || s->payload_len > QUERY_MAX || dnsmsg_parse_query(msg, s->payload_len, &q))
		return SLOT_DROP_MALFORMED;
	st->dns_queries++;
	if (!strcmp(q.name, cfg->host_name))
		return answer_local(&k, msg, &q);
	if (polset_name_denied(q.name))
		return answer_denied(&k, msg, &q);
	if (aaaa_withheld(&q)) {
		size_t n = answer_empty(msg, &q, buf, sizeof(buf));

		if (!n)
			return SLOT_DROP_MALFORMED;
		to_guest(&k, buf, n);
		return SLOT_OK;
	}
	p = new_pending();
	if (!p)
		return SLOT_DROP_NOMEM; /* the guest retries */
	p->guest_id = q.id;
	p->guest = k;
	p->edns_size = q.edns_size;
	p->len = (uint16_t)s->payload_len;
	memcpy(p->query, msg, s->payload_len);
	try_upstream(p);
	return SLOT_OK;
}

static bool is_rebinding(const struct dns_addr_rr *rr)
{
	int g = group_classify(groups, rr->family, rr->addr);

	return g == TG_G_PRIVATE || g == TG_G_LOOPBACK || g == TG_G_LINKLOCAL ||
	       g == TG_G_METADATA || g == TG_G_HOST || g == TG_G_GATEWAY;
}

/* Record the answer's addresses, for the policy's domain rules: under
 * their owner names and under the name the guest asked for (a CNAME chain
 * ends at another owner), for at least PIN_TTL_MIN seconds (stub resolvers
 * keep answers a little past their TTL). */
static void pin_answer(const uint8_t *msg, size_t len, int n, uint64_t now)
{
	struct dns_query q;
	bool asked = !dnsmsg_parse_response(msg, len, &q);

	for (int i = 0; i < n; i++) {
		struct dns_addr_rr rr = rrs[i];

		if (rr.section != DNS_SEC_ANSWER)
			continue; /* glue and referrals are not what the name is */
		if (rr.ttl < PIN_TTL_MIN)
			rr.ttl = PIN_TTL_MIN;
		dnsrec_add(&rr, now);
		if (asked && strcmp(rr.name, q.name)) {
			memcpy(rr.name, q.name, sizeof(rr.name));
			dnsrec_add(&rr, now);
		}
	}
}

/* Record the answer's addresses; or say it must become an error. */
static int check_answer(const uint8_t *msg, size_t len)
{
	int total, n = dnsmsg_parse_addrs(msg, len, rrs, ANSWER_RR_MAX, &total);
	uint64_t now = loop_now_ms();

	/* More records than we can check is as bad as unreadable: fail closed. */
	if (n < 0 || total > ANSWER_RR_MAX)
		return DNS_RCODE_SERVFAIL;
	for (int i = 0; i < n; i++)
		if (cfg->rebind_protection && is_rebinding(&rrs[i]) &&
		    !polset_addr_exempt(rrs[i].family, rrs[i].addr)) {
			st->dns_rebind_blocked++;
			return DNS_RCODE_NXDOMAIN;
		}
	pin_answer(msg, len, n, now);
	return 0;
}

/**
 * dnsfwd_local_answer() - Answer a DNS-over-TCP query here if it is ours
 * @query: one query from the guest's stream (without the length prefix)
 * @len:   its length
 * @out:   where the answer goes
 * @cap:   its size
 *
 * Return: the answer's length when @query asks for --host-name, a name
 * the policy denies or an AAAA --dns-aaaa withholds (it then never goes
 * upstream), else 0
 */
size_t dnsfwd_local_answer(const uint8_t *query, size_t len, uint8_t *out, size_t cap)
{
	struct dns_query q;
	size_t n;

	if (dnsmsg_parse_query(query, len, &q))
		return 0;
	if (polset_name_denied(q.name)) {
		n = dnsmsg_error(query, &q, DNS_RCODE_NXDOMAIN, out, cap);
		st->dns_queries += n != 0;
		st->dns_policy_denied += n != 0;
		return n;
	}
	if (strcmp(q.name, cfg->host_name)) {
		if (!aaaa_withheld(&q))
			return 0;
		n = answer_empty(query, &q, out, cap);
		st->dns_queries += n != 0;
		return n;
	}
	n = host_name_answer(query, &q, out, cap);
	if (n) {
		st->dns_queries++;
		st->dns_local++;
	}
	return n;
}

/**
 * dnsfwd_filter_answer() - Apply the answer rules to one DNS-over-TCP answer
 * @msg: the upstream's answer
 * @len: its length
 * @out: where the answer for the guest goes
 * @cap: its size
 *
 * Return: the length of the answer for the guest (a rebinding answer became
 * NXDOMAIN, an unreadable one SERVFAIL), or 0
 * when nothing may reach the guest
 */
size_t dnsfwd_filter_answer(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	int rcode;

	st->dns_answers++;
	if (len > cap)
		return 0;
	memcpy(out, msg, len);
	rcode = check_answer(out, len);
	return rcode ? dnsmsg_to_error(out, len, rcode) : len;
}

static void answer(struct pending *p, size_t len)
{
	int rcode = check_answer(buf, len);
	size_t n = rcode ? dnsmsg_to_error(buf, len, rcode) : len;

	if (!n) {
		dnsmsg_set_id(p->query, p->len, p->guest_id);
		answer_error(p, DNS_RCODE_SERVFAIL);
		return;
	}
	dnsmsg_set_id(buf, n, p->guest_id);
	if (n > p->edns_size) {
		st->dns_truncated++;
		n = dnsmsg_truncate(buf, n, p->edns_size);
	}
	to_guest(&p->guest, buf, n);
}

/* Does the response in buf (len bytes) answer @p: our id, its question? */
static bool answers(const struct pending *p, size_t len)
{
	struct dns_query q, a;

	if (dnsmsg_parse_query(p->query, p->len, &q) || dnsmsg_parse_response(buf, len, &a))
		return false;
	q.id = p->our_id;
	return dnsmsg_same_question(&a, &q);
}

/* Every query waiting on upstream @u moves on to the next one. */
static void fail_over(unsigned int u)
{
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (pend[i].used && pend[i].upstream == u) {
			pend[i].upstream++;
			try_upstream(&pend[i]);
		}
}

static void on_upstream(struct loop_handler *h, uint32_t events)
{
	int at = dnsup_index(h);
	unsigned int idx = (unsigned int)at;
	struct dnsup *u = at < 0 ? NULL : dnsup_get(idx);

	(void)events;
	for (int i = 0; u && i < 64; i++) {
		ssize_t n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct pending *p;

		if (n < 0) {
			if (errno == ECONNREFUSED)
				fail_over(idx);
			return;
		}
		p = find_pending(dnsmsg_id(buf, (size_t)n));
		if (!p || p->upstream != idx)
			continue; /* late or forged: not ours any more */
		if (!answers(p, (size_t)n)) {
			st->dns_unmatched++;
			continue; /* the right id for another question */
		}
		answer(p, (size_t)n);
		pending_done(p);
	}
}

/**
 * dnsfwd_run_timers() - Fail over queries an upstream left unanswered
 * @now_ms: monotonic milliseconds
 */
void dnsfwd_run_timers(uint64_t now_ms)
{
	if (!npend)
		return;
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (pend[i].used && pend[i].deadline <= now_ms) {
			pend[i].upstream++;
			try_upstream(&pend[i]);
		}
}

/**
 * dnsfwd_timeout_ms() - Time until the next pending query fails over
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when nothing is pending
 */
int dnsfwd_timeout_ms(uint64_t now_ms)
{
	uint64_t due = UINT64_MAX;

	if (!npend)
		return -1;
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (pend[i].used && pend[i].deadline < due)
			due = pend[i].deadline;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}
