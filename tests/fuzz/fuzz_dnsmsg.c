// SPDX-License-Identifier: MIT
/*
 * fuzz_dnsmsg.c - libFuzzer target: hostile bytes through every parser of
 * dnsmsg.c, and the builders on whatever parsed.
 *
 * Input: byte 0 picks a size (the builders' capacity, truncate's limit, an
 * rcode from its low bits), the rest is the DNS message. The message and
 * every output buffer are heap blocks of exactly their size, so ASan
 * catches a read past the message or a write past the capacity.
 *
 * Checked: a parsed query is self-consistent and its name printable and
 * lower-case; an answer or error built from it has exactly the predicted
 * length (or 0 only when the capacity is short), parses back with
 * dnsmsg_parse_answers() to the address given, in place as out of place;
 * dnsmsg_parse_answers() stores min(total, max) records whatever max is;
 * dnsmsg_to_error() and dnsmsg_truncate() leave the promised header and
 * question, or the message untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsmsg.h"
#include "lib/frames.h"

#define F_QR 0x8000
#define F_TC 0x0200
#define F_AD 0x0020

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_dnsmsg: %s:%d: assertion failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const uint8_t v4[4] = { 192, 0, 2, 1 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* 0..199 byte for byte (every header, question and answer edge), then
 * coarse steps to 632, and 255 for room for anything. */
static size_t pick(uint8_t b)
{
	if (b < 200)
		return b;
	if (b == 255)
		return 65535;
	return 200 + (size_t)(b - 200) * 8;
}

static uint8_t *dup_buf(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (n)
		memcpy(c, p, n);
	return c;
}

/* Printable, lower-case, dotted: no empty label, no leading or trailing dot. */
static void check_name(const char *s)
{
	size_t n = strlen(s);

	FUZZ_ASSERT(n <= 253);
	if (!n)
		return;
	FUZZ_ASSERT(s[0] != '.' && s[n - 1] != '.' && !strstr(s, ".."));
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(s[i] >= 0x21 && s[i] <= 0x7e && !(s[i] >= 'A' && s[i] <= 'Z'));
}

static void check_query(const struct dns_query *q, size_t len)
{
	check_name(q->name);
	FUZZ_ASSERT(q->question_end >= 17 && q->question_end <= len);
	FUZZ_ASSERT(q->question_end <= 12 + 255 + 4);
	FUZZ_ASSERT(!(q->flags & F_QR));
	FUZZ_ASSERT(q->edns_size >= 512);
	/* nothing may follow the question but the OPT */
	FUZZ_ASSERT(q->has_edns == (q->question_end < len));
	if (!q->has_edns)
		FUZZ_ASSERT(q->edns_size == 512);
}

/* Header and question of a response built for @q from @query. */
static void check_reply_head(const uint8_t *r, const uint8_t *query, const struct dns_query *q,
			     uint16_t an)
{
	FUZZ_ASSERT(tb_get16(r) == q->id);
	FUZZ_ASSERT(tb_get16(r + 2) & F_QR);
	FUZZ_ASSERT((tb_get16(r + 2) & 0x0100) == (q->flags & 0x0100));
	FUZZ_ASSERT(tb_get16(r + 4) == 1 && tb_get16(r + 6) == an && !tb_get16(r + 8) &&
		    !tb_get16(r + 10));
	FUZZ_ASSERT(!memcmp(r + 12, query + 12, q->question_end - 12));
}

/* The response of @n bytes parses as answers: @want addresses, the first @addr. */
static void check_parses_back(const uint8_t *r, size_t n, const struct dns_query *q,
			      const uint8_t *addr, size_t alen, int want)
{
	struct dns_addr_rr rr[2];
	struct dns_query back;
	int total;

	FUZZ_ASSERT(dnsmsg_parse_answers(r, n, rr, 2, &total) == want);
	FUZZ_ASSERT(total == want);
	if (want) {
		FUZZ_ASSERT(!strcmp(rr[0].name, q->name));
		FUZZ_ASSERT(rr[0].family == (alen == 4 ? 4 : 6));
		FUZZ_ASSERT(!memcmp(rr[0].addr, addr, alen));
	}
	FUZZ_ASSERT(dnsmsg_parse_query(r, n, &back) == -EINVAL); /* QR=1 */
}

static void fuzz_answer(const uint8_t *msg, size_t len, const struct dns_query *q,
			const uint8_t *addr, size_t alen, size_t cap)
{
	uint16_t type = alen == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA;
	int match = q->qtype == type && q->qclass == 1;
	size_t full = q->question_end + (match ? 12 + alen : 0), n, m;
	uint8_t *out = malloc(cap ? cap : 1), *in_place;

	n = dnsmsg_answer_addr(msg, q, addr, alen, 60, out, cap);
	FUZZ_ASSERT(n == (cap >= full ? full : 0));
	if (n) {
		check_reply_head(out, msg, q, (uint16_t)match);
		check_parses_back(out, n, q, addr, alen, match);
	}
	/* the same written over the query itself */
	in_place = malloc(full > len ? full : len);
	memcpy(in_place, msg, len);
	m = dnsmsg_answer_addr(in_place, q, addr, alen, 60, in_place, full);
	FUZZ_ASSERT(m == full);
	FUZZ_ASSERT(!n || !memcmp(in_place, out, n));
	free(in_place);
	free(out);
}

static void fuzz_error(const uint8_t *msg, const struct dns_query *q, int rcode, size_t cap)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = dnsmsg_error(msg, q, rcode, out, cap);

	FUZZ_ASSERT(n == (cap >= q->question_end ? q->question_end : 0));
	if (n) {
		check_reply_head(out, msg, q, 0);
		FUZZ_ASSERT((out[3] & 0x0f) == rcode);
		check_parses_back(out, n, q, NULL, 0, 0);
		FUZZ_ASSERT(dnsmsg_to_error(out, n, DNS_RCODE_SERVFAIL) == n);
	}
	free(out);
}

static void fuzz_query(const uint8_t *msg, size_t len, size_t cap)
{
	struct dns_query q;

	if (dnsmsg_parse_query(msg, len, &q))
		return;
	check_query(&q, len);
	fuzz_answer(msg, len, &q, v4, 4, cap);
	fuzz_answer(msg, len, &q, v6, 16, cap);
	fuzz_error(msg, &q, (int)(cap & 0x0f), cap);
	FUZZ_ASSERT(dnsmsg_error(msg, &q, 16, NULL, 0) == 0);
}

/* The answers of @msg with room for @max; returns the count, checks each. */
static int answers(const uint8_t *msg, size_t len, struct dns_addr_rr *rr, int max, int *total)
{
	int r = dnsmsg_parse_answers(msg, len, rr, max, total);

	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL && *total == 0);
		return r;
	}
	FUZZ_ASSERT(r == (*total < max ? *total : (max > 0 ? max : 0)));
	for (int i = 0; i < r; i++) {
		check_name(rr[i].name);
		FUZZ_ASSERT(rr[i].family == 4 || rr[i].family == 6);
		FUZZ_ASSERT(rr[i].ttl <= 0x7fffffff);
	}
	return r;
}

static void fuzz_answers(const uint8_t *msg, size_t len)
{
	struct dns_addr_rr all[8], one[1];
	int total, total1, r;

	r = answers(msg, len, all, 8, &total);
	FUZZ_ASSERT(answers(msg, len, one, 1, &total1) == (r < 0 ? r : (total ? 1 : 0)));
	FUZZ_ASSERT(total1 == total);
	if (r > 0) { /* field by field: the bytes after a name's NUL are not defined */
		FUZZ_ASSERT(!strcmp(one[0].name, all[0].name) && one[0].family == all[0].family);
		FUZZ_ASSERT(!memcmp(one[0].addr, all[0].addr, 16) && one[0].ttl == all[0].ttl);
	}
	FUZZ_ASSERT(dnsmsg_parse_answers(msg, len, NULL, 0, NULL) == (r < 0 ? r : 0));
}

static void fuzz_to_error(const uint8_t *msg, size_t len, int rcode)
{
	uint8_t *c = dup_buf(msg, len);
	size_t n = dnsmsg_to_error(c, len, rcode);
	int total;

	if (!n) {
		FUZZ_ASSERT(!len || !memcmp(c, msg, len));
		/* a response good enough to parse, with one question, converts */
		FUZZ_ASSERT(len < 12 || tb_get16(msg + 4) != 1 ||
			    dnsmsg_parse_answers(msg, len, NULL, 0, NULL) < 0);
	} else {
		FUZZ_ASSERT(n >= 17 && n <= len);
		FUZZ_ASSERT(tb_get16(c) == tb_get16(msg));
		FUZZ_ASSERT((tb_get16(c + 2) & ~(0x000f | F_TC | F_AD)) ==
			    (tb_get16(msg + 2) & ~(0x000f | F_TC | F_AD)));
		FUZZ_ASSERT((c[3] & 0x0f) == rcode && !(tb_get16(c + 2) & (F_TC | F_AD)));
		FUZZ_ASSERT(tb_get16(c + 4) == 1 && !tb_get16(c + 6) && !tb_get16(c + 8) &&
			    !tb_get16(c + 10));
		FUZZ_ASSERT(!memcmp(c + 12, msg + 12, n - 12));
		FUZZ_ASSERT(dnsmsg_parse_answers(c, n, NULL, 0, &total) == 0 && total == 0);
	}
	free(c);
}

static void fuzz_truncate(const uint8_t *msg, size_t len, size_t limit)
{
	uint8_t *c = dup_buf(msg, len);
	size_t n = dnsmsg_truncate(c, len, limit);

	if (len < 12) {
		FUZZ_ASSERT(n == 0);
	} else if (len <= limit) {
		FUZZ_ASSERT(n == len && !memcmp(c, msg, len));
	} else {
		FUZZ_ASSERT(n >= 12 && n <= len);
		FUZZ_ASSERT(n == 12 || n <= limit);
		FUZZ_ASSERT(tb_get16(c) == tb_get16(msg));
		FUZZ_ASSERT(tb_get16(c + 2) == (tb_get16(msg + 2) | F_TC));
		FUZZ_ASSERT(tb_get16(c + 4) == (n > 12) && !tb_get16(c + 6) && !tb_get16(c + 8) &&
			    !tb_get16(c + 10));
		FUZZ_ASSERT(!memcmp(c + 12, msg + 12, n - 12));
		if (tb_get16(c + 2) & F_QR)
			FUZZ_ASSERT(dnsmsg_parse_answers(c, n, NULL, 0, NULL) == 0);
	}
	free(c);
}

static void fuzz_id(const uint8_t *msg, size_t len)
{
	uint8_t *c = dup_buf(msg, len);

	FUZZ_ASSERT(dnsmsg_id(msg, len) == (len < 2 ? 0 : tb_get16(msg)));
	dnsmsg_set_id(c, len, 0xa55a);
	FUZZ_ASSERT(dnsmsg_id(c, len) == (len < 2 ? 0 : 0xa55a));
	FUZZ_ASSERT(len < 3 || !memcmp(c + 2, msg + 2, len - 2));
	free(c);
}

/* A response's question: what parses is a response whose question it is. */
static void fuzz_response(const uint8_t *msg, size_t len)
{
	struct dns_query a;

	if (dnsmsg_parse_response(msg, len, &a))
		return;
	FUZZ_ASSERT(len >= 12 && (msg[2] & 0x80));
	FUZZ_ASSERT(a.question_end <= len);
	FUZZ_ASSERT(strlen(a.name) <= DNS_NAME_MAX);
	FUZZ_ASSERT(dnsmsg_same_question(&a, &a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	size_t len, sz;

	if (size < 1)
		return 0;
	sz = pick(data[0]);
	len = size - 1;
	msg = dup_buf(data + 1, len);
	fuzz_query(msg, len, sz);
	fuzz_answers(msg, len);
	fuzz_to_error(msg, len, (int)(data[0] & 0x0f));
	fuzz_truncate(msg, len, sz);
	fuzz_id(msg, len);
	fuzz_response(msg, len);
	free(msg);
	return 0;
}
