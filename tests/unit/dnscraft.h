/* SPDX-License-Identifier: MIT */
/*
 * dnscraft.h - DNS messages for the dnsmsg unit tests (test_dnsmsg_*.c):
 * a builder that writes a message field by field (header, names with or
 * without compression pointers, questions, records, OPT), and the calls of
 * user/dns/dnsmsg.c made on heap copies of exactly the message's size (or
 * into heap buffers of exactly the capacity), so that an ASan build catches
 * a read or a write one byte past the end.
 *
 * Everything is static inline, as in check.h.
 */
#ifndef TAPGATE_TEST_DNSCRAFT_H
#define TAPGATE_TEST_DNSCRAFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/frames.h"
#include "dns/dnsmsg.h"

#define F_QR  0x8000
#define F_AA  0x0400
#define F_TC  0x0200
#define F_RD  0x0100
#define F_RA  0x0080
#define F_AD  0x0020
#define IN    1
#define CH    3
#define CNAME 5

/* ---- message builder -------------------------------------------------- */

struct msg {
	uint8_t b[2048];
	size_t n;
};

static inline void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static inline void put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static inline void put16(struct msg *m, uint16_t v)
{
	tb_put16(m->b + m->n, v);
	m->n += 2;
}

static inline void put32(struct msg *m, uint32_t v)
{
	tb_put32(m->b + m->n, v);
	m->n += 4;
}

static inline void hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		       uint16_t ns, uint16_t ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* The labels of dotted @s, without the terminating zero (a pointer may follow). */
static inline void labels(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		put8(m, (uint8_t)l);
		put(m, s, l);
		s += l + (dot ? 1 : 0);
	}
}

static inline void name(struct msg *m, const char *s)
{
	labels(m, s);
	put8(m, 0);
}

static inline void ptr(struct msg *m, uint16_t to)
{
	put16(m, (uint16_t)(0xc000 | to));
}

static inline void question(struct msg *m, const char *qname, uint16_t type, uint16_t cls)
{
	name(m, qname);
	put16(m, type);
	put16(m, cls);
}

/* The fixed part of a record, after its owner. */
static inline void rr(struct msg *m, uint16_t type, uint16_t cls, uint32_t ttl, uint16_t rdlen)
{
	put16(m, type);
	put16(m, cls);
	put32(m, ttl);
	put16(m, rdlen);
}

static inline void opt(struct msg *m, uint16_t size)
{
	put8(m, 0);
	rr(m, DNS_TYPE_OPT, size, 0, 0);
}

/* A standard query for @qname/@type, RD set, id 0x1234, optional OPT. */
static inline void query(struct msg *m, const char *qname, uint16_t type, int edns)
{
	hdr(m, 0x1234, F_RD, 1, 0, 0, edns ? 1 : 0);
	question(m, qname, type, IN);
	if (edns)
		opt(m, (uint16_t)edns);
}

/* ---- calls on exact-size heap copies ---------------------------------- */

static inline int parse_query(const uint8_t *b, size_t n, struct dns_query *q)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	memcpy(c, b, n);
	r = dnsmsg_parse_query(c, n, q);
	free(c);
	return r;
}

static inline int pq(const struct msg *m, struct dns_query *q)
{
	return parse_query(m->b, m->n, q);
}

static inline int parse_answers(const uint8_t *b, size_t n, struct dns_addr_rr *out, int max,
				int *total)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	memcpy(c, b, n);
	r = dnsmsg_parse_answers(c, n, out, max, total);
	free(c);
	return r;
}

static inline int pa(const struct msg *m, struct dns_addr_rr *out, int max, int *total)
{
	return parse_answers(m->b, m->n, out, max, total);
}

/* Builders write into a heap buffer of exactly @cap bytes; result copied to @r. */
static inline size_t answer(const struct msg *qm, const struct dns_query *q, const void *addr,
			    size_t alen, size_t cap, uint8_t *r)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = dnsmsg_answer_addr(qm->b, q, addr, alen, 300, out, cap);

	if (n > cap)
		ck_fail(__FILE__, __LINE__, "answer of %zu bytes in %zu", n, cap);
	else if (r)
		memcpy(r, out, n);
	free(out);
	return n;
}

static inline size_t error_resp(const struct msg *qm, const struct dns_query *q, int rcode,
				size_t cap, uint8_t *r)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = dnsmsg_error(qm->b, q, rcode, out, cap);

	if (n > cap)
		ck_fail(__FILE__, __LINE__, "error of %zu bytes in %zu", n, cap);
	else if (r)
		memcpy(r, out, n);
	free(out);
	return n;
}

static inline size_t to_error(struct msg *m, int rcode)
{
	uint8_t *c = malloc(m->n ? m->n : 1);
	size_t n;

	memcpy(c, m->b, m->n);
	n = dnsmsg_to_error(c, m->n, rcode);
	memcpy(m->b, c, m->n);
	free(c);
	return n;
}

static inline size_t trunc_msg(struct msg *m, size_t limit)
{
	uint8_t *c = malloc(m->n ? m->n : 1);
	size_t n;

	memcpy(c, m->b, m->n);
	n = dnsmsg_truncate(c, m->n, limit);
	memcpy(m->b, c, m->n);
	free(c);
	return n;
}

/* The addresses the builders are given. */
static const uint8_t v4[4] = { 192, 0, 2, 7 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };

#endif
