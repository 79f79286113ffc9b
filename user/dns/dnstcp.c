// SPDX-License-Identifier: MIT
/*
 * dnstcp.c - DNS over TCP from the guest (dnstcp.h).
 *
 * Theory of operation. A guest's TCP connection to port 53, whatever the
 * address, is connected to the first upstream resolver instead (the next
 * ones on refusal: dnstcp_upstream()) and spliced to it through this
 * filter. Both directions carry RFC 1035 framing (a 16-bit length, then
 * the message). Guest side: each whole message at the head of the stream
 * is held to the rules of a UDP query (dnsmsg_parse_query(): QR=0, opcode
 * QUERY, one question, at most QUERY_MAX bytes); anything else resets the
 * connection, counted (dns_tcp_rejected), and not one byte of it reaches
 * the upstream, which may trust the host's address. A query for
 * --host-name is answered here and taken out of the stream (RFC 7766 lets
 * answers come in any order); any other is cleared to go upstream and
 * remembered (id and question, up to PIPELINE at once; more wait).
 * Upstream side: answers are read whole; one that answers no remembered
 * query is dropped (dns_unmatched), the others are filtered like UDP ones
 * (rebinding -> NXDOMAIN, records kept: dnsfwd_filter_answer()) and framed
 * again for the guest; one that cannot be read fails closed (the guest
 * gets a reset). Runs on the event-loop thread, inside the splice's
 * callbacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsfwd.h"
#include "dns/dnsmsg.h"
#include "dns/dnstcp.h"
#include "wire/frame.h"
#include "wire/bytes.h"

#define BUF_SIZE  (2 + 65535)
#define QUERY_MAX 4096 /* larger is no real query (the UDP path's limit too) */
#define QUERY_MIN 12   /* a DNS header */

static struct tg_ustats *st, dummy_stats;

/**
 * dnstcp_init() - Where to count
 * @stats: counters, or NULL
 */
void dnstcp_init(struct tg_ustats *stats)
{
	st = stats ? stats : &dummy_stats;
}

/* FNV-1a of a (lower-cased) name: what is remembered of a question. */
static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	while (*name)
		h = (h ^ (uint8_t)*name++) * 16777619u;
	return h;
}

static void remember(struct dnstcp *d, const struct dns_query *q)
{
	struct dnstcp_asked *a = &d->asked[d->nasked++];

	a->id = q->id;
	a->qtype = q->qtype;
	a->qclass = q->qclass;
	a->name = name_hash(q->name);
}

/* Forget the query @r answers; false if no remembered query matches. */
static bool forget(struct dnstcp *d, const struct dns_query *r)
{
	uint32_t h = name_hash(r->name);

	for (unsigned int i = 0; i < d->nasked; i++) {
		const struct dnstcp_asked *a = &d->asked[i];

		if (a->id == r->id && a->qtype == r->qtype && a->qclass == r->qclass &&
		    a->name == h) {
			d->asked[i] = d->asked[--d->nasked];
			return true;
		}
	}
	return false;
}

/**
 * dnstcp_upstream() - Where a guest's DNS over TCP goes
 * @attempt: 0 for the first try, then one more after each refusal
 * @addr:    set to the upstream's address
 * @port:    set to its port
 *
 * The guest's destination does not matter: the upstream speaks RFC 1035
 * framing itself. Every attempt after the first counts as a failover.
 *
 * Return: 0, or -ENOENT when no upstream is left
 */
int dnstcp_upstream(unsigned int attempt, struct tg_addr *addr, uint16_t *port)
{
	return dnsfwd_tcp_upstream(attempt, addr, port);
}

/* Not a query: the connection is reset, nothing of it goes upstream. */
static long reject(void)
{
	st->dns_tcp_rejected++;
	return -EPROTO;
}

/*
 * Guest side: deal with the whole queries at the head of the stream.
 * Return: bytes cleared to go upstream, 0 to hold, or a negative errno.
 */
static long from_guest(void *ctx, struct splice *sp)
{
	static uint8_t q[2 + QUERY_MAX], a[2 + QUERY_MAX];
	struct dnstcp *d = ctx;
	struct dns_query dq;
	uint32_t have, len;
	size_t n;
	int r;

	for (;;) {
		if (splice_guest_blocked(sp))
			return 0; /* an answer of ours waits for room: so does the next */
		have = splice_guest_len(sp);
		if (have < 2)
			break;
		splice_guest_peek(sp, q, 2);
		len = rd16(q);
		if (len < QUERY_MIN || len > QUERY_MAX)
			return reject();
		if (have < 2 + len)
			break;
		splice_guest_peek(sp, q, 2 + len);
		if (dnsmsg_parse_query(q + 2, len, &dq))
			return reject();
		n = dnsfwd_local_answer(q + 2, len, a + 2, sizeof(a) - 2);
		if (!n) {
			if (d->nasked == DNSTCP_PIPELINE)
				return 0; /* wait for an answer to free a place */
			remember(d, &dq);
			return 2 + (long)len;
		}
		wr16(a, (uint16_t)n);
		splice_guest_take(sp, 2 + len);
		r = splice_to_guest(sp, a, n + 2);
		if (r < 0)
			return r;
	}
	/* After the guest's FIN a partial query never completes. */
	if (splice_guest_ended(sp) && have)
		splice_guest_take(sp, have);
	return 0;
}

/* Pass on the whole answers held, until lwIP has no room for one. */
static int emit(struct dnstcp *d, struct splice *sp)
{
	static uint8_t out[0xffff]; /* what splice_to_guest() takes at once */

	while (d->have >= 2 && !splice_guest_blocked(sp)) {
		uint32_t len = rd16(d->buf), m;
		struct dns_query r;
		int err;

		if (d->have < 2 + len)
			return 0;
		if (dnsmsg_parse_response(d->buf + 2, len, &r) || !forget(d, &r)) {
			st->dns_unmatched++;
			d->have -= 2 + len;
			memmove(d->buf, d->buf + 2 + len, d->have);
			continue;
		}
		m = (uint32_t)dnsfwd_filter_answer(d->buf + 2, len, out + 2, sizeof(out) - 2);
		if (!m)
			return -EPROTO; /* fail closed: the guest gets a reset */
		wr16(out, (uint16_t)m);
		d->have -= 2 + len;
		memmove(d->buf, d->buf + 2 + len, d->have);
		err = splice_to_guest(sp, out, m + 2);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Upstream side: keep the bytes, pass on whole (filtered) answers. */
static int from_host(void *ctx, struct splice *sp, const uint8_t *buf, size_t n)
{
	struct dnstcp *d = ctx;

	if (!d->buf && !(d->buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	if (n) {
		memcpy(d->buf + d->have, buf, n); /* n <= host_room() */
		d->have += (uint32_t)n;
	}
	return emit(d, sp);
}

static size_t host_room(void *ctx)
{
	const struct dnstcp *d = ctx;

	return d->buf ? BUF_SIZE - d->have : 0;
}

static void end(void *ctx)
{
	struct dnstcp *d = ctx;

	free(d->buf);
	d->buf = NULL;
	d->have = 0;
}

const struct splice_filter dnstcp_filter = {
	.from_guest = from_guest,
	.from_host = from_host,
	.host_room = host_room,
	.end = end,
};
