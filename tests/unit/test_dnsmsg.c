// SPDX-License-Identifier: MIT
/*
 * test_dnsmsg.c - the DNS wire format module: queries (with and without
 * EDNS), the name rules (case, label and name lengths, characters,
 * compression pointers: loops, forward, out of bounds, into the header, hop
 * count), the builders (answer, NODATA, error) byte for byte and one byte
 * short of room, to_error, truncate, and answer parsing of a compressed
 * CNAME chain. Every parse runs on a heap copy of exactly the message's
 * size, so an ASan build catches a read one byte past the end.
 */
#include <errno.h>
#include <stdlib.h>

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

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	tb_put16(m->b + m->n, v);
	m->n += 2;
}

static void put32(struct msg *m, uint32_t v)
{
	tb_put32(m->b + m->n, v);
	m->n += 4;
}

static void hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
		uint16_t ar)
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
static void labels(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		put8(m, (uint8_t)l);
		put(m, s, l);
		s += l + (dot ? 1 : 0);
	}
}

static void name(struct msg *m, const char *s)
{
	labels(m, s);
	put8(m, 0);
}

static void ptr(struct msg *m, uint16_t to)
{
	put16(m, (uint16_t)(0xc000 | to));
}

static void question(struct msg *m, const char *qname, uint16_t type, uint16_t cls)
{
	name(m, qname);
	put16(m, type);
	put16(m, cls);
}

/* The fixed part of a record, after its owner. */
static void rr(struct msg *m, uint16_t type, uint16_t cls, uint32_t ttl, uint16_t rdlen)
{
	put16(m, type);
	put16(m, cls);
	put32(m, ttl);
	put16(m, rdlen);
}

static void opt(struct msg *m, uint16_t size)
{
	put8(m, 0);
	rr(m, DNS_TYPE_OPT, size, 0, 0);
}

/* A standard query for @qname/@type, RD set, id 0x1234, optional OPT. */
static void query(struct msg *m, const char *qname, uint16_t type, int edns)
{
	hdr(m, 0x1234, F_RD, 1, 0, 0, edns ? 1 : 0);
	question(m, qname, type, IN);
	if (edns)
		opt(m, (uint16_t)edns);
}

/* ---- calls on exact-size heap copies ---------------------------------- */

static int parse_query(const uint8_t *b, size_t n, struct dns_query *q)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	memcpy(c, b, n);
	r = dnsmsg_parse_query(c, n, q);
	free(c);
	return r;
}

static int pq(const struct msg *m, struct dns_query *q)
{
	return parse_query(m->b, m->n, q);
}

static int parse_answers(const uint8_t *b, size_t n, struct dns_addr_rr *out, int max, int *total)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	memcpy(c, b, n);
	r = dnsmsg_parse_answers(c, n, out, max, total);
	free(c);
	return r;
}

static int pa(const struct msg *m, struct dns_addr_rr *out, int max, int *total)
{
	return parse_answers(m->b, m->n, out, max, total);
}

/* Builders write into a heap buffer of exactly @cap bytes; result copied to @r. */
static size_t answer(const struct msg *qm, const struct dns_query *q, const void *addr, size_t alen,
		     size_t cap, uint8_t *r)
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

static size_t error_resp(const struct msg *qm, const struct dns_query *q, int rcode, size_t cap,
			 uint8_t *r)
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

static size_t to_error(struct msg *m, int rcode)
{
	uint8_t *c = malloc(m->n ? m->n : 1);
	size_t n;

	memcpy(c, m->b, m->n);
	n = dnsmsg_to_error(c, m->n, rcode);
	memcpy(m->b, c, m->n);
	free(c);
	return n;
}

static size_t trunc_msg(struct msg *m, size_t limit)
{
	uint8_t *c = malloc(m->n ? m->n : 1);
	size_t n;

	memcpy(c, m->b, m->n);
	n = dnsmsg_truncate(c, m->n, limit);
	memcpy(m->b, c, m->n);
	free(c);
	return n;
}

/* ---- queries ---------------------------------------------------------- */

static void query_plain(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "www.example.com", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(q.id, 0x1234);
	CHECK_EQ(q.flags, F_RD);
	CHECK(!strcmp(q.name, "www.example.com"));
	CHECK_EQ(q.qtype, DNS_TYPE_A);
	CHECK_EQ(q.qclass, IN);
	CHECK_EQ(q.question_end, m.n);
	CHECK_EQ(q.question_end, 12 + 17 + 4);
	CHECK_EQ(q.edns_size, 512);
	CHECK(!q.has_edns);
}

static void query_edns(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "example.org", DNS_TYPE_AAAA, 1232);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK(q.has_edns);
	CHECK_EQ(q.edns_size, 1232);
	CHECK_EQ(q.qtype, DNS_TYPE_AAAA);
	CHECK_EQ(q.question_end, m.n - 11);

	query(&m, "example.org", DNS_TYPE_A, 65535);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(q.edns_size, 65535);
}

static void query_edns_small(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "example.org", DNS_TYPE_A, 100);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK(q.has_edns);
	CHECK_EQ(q.edns_size, 512);

	/* class 0 too (what a careless client writes) */
	query(&m, "example.org", DNS_TYPE_A, 0);
	m.b[11] = 1;
	opt(&m, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(q.edns_size, 512);
}

/* An OPT with a cookie option and DO set, as dig +dnssec sends. */
static void query_edns_options(void)
{
	static const uint8_t cookie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct msg m;
	struct dns_query q;

	hdr(&m, 7, F_RD | F_AD, 1, 0, 0, 1);
	question(&m, "example.com", DNS_TYPE_A, IN);
	put8(&m, 0);
	rr(&m, DNS_TYPE_OPT, 4096, 0x8000, 12);
	put16(&m, 10);
	put16(&m, 8);
	put(&m, cookie, 8);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(q.edns_size, 4096);

	m.b[m.n - 9] = 9; /* option length one past the rdata */
	CHECK_EQ(pq(&m, &q), -EINVAL);
	m.b[m.n - 9] = 7; /* one short: a byte left over */
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

static void query_uppercase(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "WwW.ExAmPlE-Z.COM", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK(!strcmp(q.name, "www.example-z.com"));
}

static void query_root(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "", 2, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK(!strcmp(q.name, ""));
	CHECK_EQ(q.question_end, 17);
}

static void query_header_rules(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "a.example", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	m.b[5] = 2; /* qdcount 2 (with a second question present) */
	question(&m, "b.example", DNS_TYPE_A, IN);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 0);
	m.b[5] = 0; /* qdcount 0 */
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 0);
	m.b[2] |= 0x80; /* QR=1: a response is not a query */
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 0);
	m.b[2] |= 0x28; /* opcode 5, UPDATE */
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 0);
	m.b[7] = 1; /* ancount 1 */
	m.b[11] = 0;
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 1232);
	m.b[9] = 1; /* the OPT counted as authority */
	m.b[11] = 0;
	CHECK_EQ(pq(&m, &q), -EINVAL);

	query(&m, "a.example", DNS_TYPE_A, 1232);
	m.b[11] = 2; /* arcount 2 */
	opt(&m, 1232);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

static void query_additional_rules(void)
{
	struct msg m;
	struct dns_query q;

	/* the additional record is an A, not an OPT */
	hdr(&m, 1, 0, 1, 0, 0, 1);
	question(&m, "a.example", DNS_TYPE_A, IN);
	put8(&m, 0);
	rr(&m, DNS_TYPE_A, IN, 0, 4);
	put32(&m, 0x01020304);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	/* OPT owned by a name other than the root */
	hdr(&m, 1, 0, 1, 0, 0, 1);
	question(&m, "a.example", DNS_TYPE_A, IN);
	name(&m, "x");
	rr(&m, DNS_TYPE_OPT, 1232, 0, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	/* OPT rdlength past the end */
	query(&m, "a.example", DNS_TYPE_A, 1232);
	m.b[m.n - 1] = 4;
	CHECK_EQ(pq(&m, &q), -EINVAL);

	/* arcount 1 but no record */
	query(&m, "a.example", DNS_TYPE_A, 0);
	m.b[11] = 1;
	CHECK_EQ(pq(&m, &q), -EINVAL);

	/* trailing bytes after the question */
	query(&m, "a.example", DNS_TYPE_A, 0);
	put8(&m, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

/* Every shorter prefix of a good query is refused, and read only in bounds. */
static void query_prefixes(void)
{
	struct msg m;
	struct dns_query q;

	query(&m, "www.example.com", DNS_TYPE_AAAA, 4096);
	for (size_t n = 0; n < m.n; n++)
		if (parse_query(m.b, n, &q) != -EINVAL)
			ck_fail(__FILE__, __LINE__, "prefix of %zu bytes accepted", n);
	CHECK_EQ(parse_query(m.b, m.n, &q), 0);
}

/* ---- the name rules --------------------------------------------------- */

/* Pointers in a query's question could only point into the header. */
static void name_pointer_in_question(void)
{
	struct msg m;
	struct dns_query q;

	hdr(&m, 0x0161, 0, 1, 0, 0, 0); /* id bytes spell the label "a" */
	ptr(&m, 0);
	put16(&m, DNS_TYPE_A);
	put16(&m, IN);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	hdr(&m, 1, 0, 1, 0, 0, 0);
	labels(&m, "www");
	ptr(&m, 12); /* to its own start */
	put16(&m, DNS_TYPE_A);
	put16(&m, IN);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

/* A response with question "example.com" and one A record whose owner is
 * written by @owner; parse_answers() on it. */
static int owner_case(void (*owner)(struct msg *), char *got)
{
	struct dns_addr_rr a[1];
	struct msg m;
	int total, r;

	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, "example.com", DNS_TYPE_A, IN); /* name at 12..24 */
	owner(&m);
	rr(&m, DNS_TYPE_A, IN, 60, 4);
	put32(&m, 0x0a000001);
	r = pa(&m, a, 1, &total);
	if (got && r == 1)
		strcpy(got, a[0].name);
	return r;
}

static void own_ptr_good(struct msg *m)
{
	labels(m, "WWW");
	ptr(m, 12);
}

static void own_ptr_to_com(struct msg *m)
{
	ptr(m, 12 + 8);
}

static void own_ptr_self(struct msg *m)
{
	ptr(m, (uint16_t)m->n);
}

static void own_ptr_forward(struct msg *m)
{
	ptr(m, (uint16_t)(m->n + 2));
}

static void own_ptr_out_of_bounds(struct msg *m)
{
	ptr(m, 0x3fff);
}

static void own_ptr_header(struct msg *m)
{
	ptr(m, 4);
}

static void own_ptr_mid_label(struct msg *m)
{
	ptr(m, 13); /* into "example": 'e' = 0x65 is a 0x40 label type */
}

/* "a" at X, "b" + pointer to X: fine; then a pointer back into a label run
 * that itself points forward to the pointer: a loop. */
static void own_loop(struct msg *m)
{
	size_t x = m->n;

	labels(m, "a");
	ptr(m, (uint16_t)(x + 4)); /* forward, to the next pointer */
	ptr(m, (uint16_t)x);	   /* back to "a": a -> here -> a ... */
}

static void own_label_64(struct msg *m)
{
	put8(m, 64);
	for (int i = 0; i < 64; i++)
		put8(m, 'a');
	put8(m, 0);
}

static void own_label_type_80(struct msg *m)
{
	put8(m, 0x81);
	put8(m, 'a');
	put8(m, 0);
}

static void own_label_63(struct msg *m)
{
	put8(m, 63);
	for (int i = 0; i < 63; i++)
		put8(m, 'a');
	ptr(m, 12);
}

static void own_dot_in_label(struct msg *m)
{
	put8(m, 3);
	put(m, "a.b", 3);
	ptr(m, 12);
}

static void own_space_in_label(struct msg *m)
{
	put8(m, 3);
	put(m, "a b", 3);
	ptr(m, 12);
}

static void own_del_in_label(struct msg *m)
{
	put8(m, 1);
	put8(m, 0x7f);
	ptr(m, 12);
}

static void own_high_in_label(struct msg *m)
{
	put8(m, 2);
	put8(m, 0xc3);
	put8(m, 0xa9);
	ptr(m, 12);
}

static void own_nul_in_label(struct msg *m)
{
	put8(m, 2);
	put8(m, 'a');
	put8(m, 0);
	ptr(m, 12);
}

static void own_odd_chars(struct msg *m)
{
	labels(m, "_srv-x~!");
	ptr(m, 12);
}

/* 0xc0 then the type's high byte 0x00: a pointer to offset 0 */
static void own_ptr_into_type(struct msg *m)
{
	put8(m, 0xc0);
}

static void name_rules(void)
{
	char got[DNS_NAME_MAX + 1] = "";

	CHECK_EQ(owner_case(own_ptr_good, got), 1);
	CHECK(!strcmp(got, "www.example.com"));
	CHECK_EQ(owner_case(own_ptr_to_com, got), 1);
	CHECK(!strcmp(got, "com"));
	CHECK_EQ(owner_case(own_odd_chars, got), 1);
	CHECK(!strcmp(got, "_srv-x~!.example.com"));
	CHECK_EQ(owner_case(own_label_63, NULL), 1);
	CHECK_EQ(owner_case(own_ptr_self, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_forward, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_loop, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_out_of_bounds, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_header, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_mid_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_label_64, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_label_type_80, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_dot_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_space_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_del_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_high_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_nul_in_label, NULL), -EINVAL);
	CHECK_EQ(owner_case(own_ptr_into_type, NULL), -EINVAL);
}

/* A dotted name of @len characters from labels of at most 63. */
static void long_name(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t l = len - i > 63 ? 63 : len - i;

		if (len - i - l == 1) /* never leave a lone dot at the end */
			l--;
		memset(s + i, 'x', l);
		i += l;
		if (i < len)
			s[i++] = '.';
	}
	s[len] = '\0';
}

static void name_length(void)
{
	char s[300];
	struct msg m;
	struct dns_query q;

	long_name(s, 253);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(m.n, 12 + 255 + 4);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(strlen(q.name), 253);
	CHECK(!strcmp(q.name, s));

	long_name(s, 254);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);

	long_name(s, 255);
	query(&m, s, DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), -EINVAL);
}

/* Over 253 only once a pointer joins the pieces. */
static void name_length_compressed(void)
{
	struct dns_addr_rr a[1];
	char s[300];
	struct msg m;
	int total;

	long_name(s, 200);
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, s, DNS_TYPE_A, IN);
	long_name(s, 52); /* 52 + 1 + 200 = 253: fits */
	labels(&m, s);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 4);
	put32(&m, 1);
	CHECK_EQ(pa(&m, a, 1, &total), 1);
	CHECK_EQ(strlen(a[0].name), 253);

	long_name(s, 200);
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, s, DNS_TYPE_A, IN);
	long_name(s, 53); /* 254 */
	labels(&m, s);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 4);
	put32(&m, 1);
	CHECK_EQ(pa(&m, a, 1, &total), -EINVAL);
}

/* Question k (k >= 2) is a pointer to question k-1: its name takes k-1 hops. */
static void pointer_chain(struct msg *m, int questions)
{
	size_t prev = 12;

	hdr(m, 1, F_QR, (uint16_t)questions, 0, 0, 0);
	question(m, "a", DNS_TYPE_A, IN);
	for (int k = 2; k <= questions; k++) {
		size_t here = m->n;

		ptr(m, (uint16_t)prev);
		put16(m, DNS_TYPE_A);
		put16(m, IN);
		prev = here;
	}
}

static void name_hops(void)
{
	struct msg m;
	int total;

	pointer_chain(&m, 65); /* the last name: 64 hops */
	CHECK_EQ(pa(&m, NULL, 0, &total), 0);
	pointer_chain(&m, 66); /* 65 hops */
	CHECK_EQ(pa(&m, NULL, 0, &total), -EINVAL);
}

/* ---- builders --------------------------------------------------------- */

static const uint8_t v4[4] = { 192, 0, 2, 7 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };

static void answer_a(void)
{
	uint8_t r[512];
	struct msg m;
	struct dns_query q;
	size_t n;

	query(&m, "Host.Example", DNS_TYPE_A, 4096);
	CHECK_EQ(pq(&m, &q), 0);
	n = answer(&m, &q, v4, 4, sizeof(r), r);
	CHECK_EQ(n, q.question_end + 16);
	CHECK_EQ(tb_get16(r), 0x1234);
	CHECK_EQ(tb_get16(r + 2), F_QR | F_AA | F_RD | F_RA);
	CHECK_EQ(tb_get16(r + 4), 1);
	CHECK_EQ(tb_get16(r + 6), 1);
	CHECK_EQ(tb_get16(r + 8), 0);
	CHECK_EQ(tb_get16(r + 10), 0); /* no OPT echoed */
	CHECK_MEM(r + 12, m.b + 12, q.question_end - 12);
	CHECK_EQ(tb_get16(r + q.question_end), 0xc00c);
	CHECK_EQ(tb_get16(r + q.question_end + 2), DNS_TYPE_A);
	CHECK_EQ(tb_get16(r + q.question_end + 4), IN);
	CHECK_EQ(tb_get32(r + q.question_end + 6), 300);
	CHECK_EQ(tb_get16(r + q.question_end + 10), 4);
	CHECK_MEM(r + q.question_end + 12, v4, 4);
}

static void answer_aaaa(void)
{
	uint8_t r[512];
	struct msg m;
	struct dns_query q;
	size_t n;

	query(&m, "host.example", DNS_TYPE_AAAA, 0);
	m.b[2] = 0; /* RD clear: copied as clear */
	CHECK_EQ(pq(&m, &q), 0);
	n = answer(&m, &q, v6, 16, sizeof(r), r);
	CHECK_EQ(n, q.question_end + 28);
	CHECK_EQ(tb_get16(r + 2), F_QR | F_AA | F_RA);
	CHECK_EQ(tb_get16(r + 6), 1);
	CHECK_EQ(tb_get16(r + q.question_end + 2), DNS_TYPE_AAAA);
	CHECK_EQ(tb_get16(r + q.question_end + 10), 16);
	CHECK_MEM(r + q.question_end + 12, v6, 16);
}

static void answer_nodata(void)
{
	uint8_t r[512];
	struct msg m;
	struct dns_query q;

	query(&m, "host.example", DNS_TYPE_AAAA, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, sizeof(r), r), q.question_end);
	CHECK_EQ(tb_get16(r + 2), F_QR | F_AA | F_RD | F_RA); /* NOERROR */
	CHECK_EQ(tb_get16(r + 6), 0);
	CHECK_MEM(r + 12, m.b + 12, q.question_end - 12);

	query(&m, "host.example", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(answer(&m, &q, v6, 16, sizeof(r), r), q.question_end);

	query(&m, "host.example", 16, 0); /* TXT */
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, sizeof(r), r), q.question_end);

	hdr(&m, 9, 0, 1, 0, 0, 0); /* class CH */
	question(&m, "host.example", DNS_TYPE_A, CH);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, sizeof(r), r), q.question_end);
	CHECK_EQ(tb_get16(r + 6), 0);
}

static void answer_cap(void)
{
	struct msg m;
	struct dns_query q;
	size_t full;

	query(&m, "host.example", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	full = q.question_end + 16;
	CHECK_EQ(answer(&m, &q, v4, 4, full, NULL), full);
	CHECK_EQ(answer(&m, &q, v4, 4, full - 1, NULL), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, 12, NULL), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, 0, NULL), 0);
	CHECK_EQ(answer(&m, &q, v4, 5, 512, NULL), 0); /* neither 4 nor 16 */

	query(&m, "host.example", DNS_TYPE_AAAA, 0); /* NODATA needs less */
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(answer(&m, &q, v4, 4, q.question_end, NULL), q.question_end);
	CHECK_EQ(answer(&m, &q, v4, 4, q.question_end - 1, NULL), 0);
}

/* The answer may be written over the query itself. */
static void answer_in_place(void)
{
	struct msg m, copy;
	struct dns_query q;
	size_t n;

	query(&m, "host.example", DNS_TYPE_A, 1232);
	copy = m;
	CHECK_EQ(pq(&m, &q), 0);
	n = dnsmsg_answer_addr(m.b, &q, v4, 4, 300, m.b, sizeof(m.b));
	CHECK_EQ(n, q.question_end + 16);
	CHECK_MEM(m.b + 12, copy.b + 12, q.question_end - 12);
	CHECK_MEM(m.b + q.question_end + 12, v4, 4);
}

static void error_response(void)
{
	uint8_t r[512];
	struct msg m;
	struct dns_query q;

	query(&m, "blocked.example", DNS_TYPE_A, 4096);
	CHECK_EQ(pq(&m, &q), 0);
	CHECK_EQ(error_resp(&m, &q, DNS_RCODE_REFUSED, sizeof(r), r), q.question_end);
	CHECK_EQ(tb_get16(r), 0x1234);
	CHECK_EQ(tb_get16(r + 2), F_QR | F_RD | F_RA | DNS_RCODE_REFUSED);
	CHECK_EQ(tb_get16(r + 4), 1);
	CHECK_EQ(tb_get16(r + 6), 0);
	CHECK_EQ(tb_get16(r + 8), 0);
	CHECK_EQ(tb_get16(r + 10), 0);
	CHECK_MEM(r + 12, m.b + 12, q.question_end - 12);

	CHECK_EQ(error_resp(&m, &q, DNS_RCODE_SERVFAIL, sizeof(r), r), q.question_end);
	CHECK_EQ(r[3] & 0x0f, DNS_RCODE_SERVFAIL);
	CHECK_EQ(error_resp(&m, &q, DNS_RCODE_SERVFAIL, q.question_end, NULL), q.question_end);
	CHECK_EQ(error_resp(&m, &q, DNS_RCODE_SERVFAIL, q.question_end - 1, NULL), 0);
	CHECK_EQ(error_resp(&m, &q, 16, sizeof(r), NULL), 0);
	CHECK_EQ(error_resp(&m, &q, -1, sizeof(r), NULL), 0);
}

/* ---- responses -------------------------------------------------------- */

/*
 * www.example.com CNAME cdn.example.com, cdn.example.com CNAME
 * edge.example.com, edge A 203.0.113.5, edge AAAA 2001:db8::42; every name
 * after the question compressed against an earlier one (edge's suffix is a
 * pointer to a pointer).
 */
static void cname_chain(struct msg *m, uint16_t flags)
{
	size_t cdn, edge;

	hdr(m, 0xbeef, F_QR | F_RD | F_RA | flags, 1, 4, 0, 0);
	question(m, "www.example.com", DNS_TYPE_A, IN); /* example at 16, com at 24 */
	ptr(m, 12);
	rr(m, CNAME, IN, 3600, 6);
	cdn = m->n;
	labels(m, "cdn");
	ptr(m, 16);
	ptr(m, (uint16_t)cdn);
	rr(m, CNAME, IN, 60, 7);
	edge = m->n;
	labels(m, "edge");
	ptr(m, (uint16_t)(cdn + 4)); /* example.com */
	ptr(m, (uint16_t)edge);
	rr(m, DNS_TYPE_A, IN, 30, 4);
	put32(m, 0xcb007105);
	ptr(m, (uint16_t)edge);
	rr(m, DNS_TYPE_AAAA, IN, 0x80000000u, 16);
	put(m, v6, 16);
}

static void answers_cname_chain(void)
{
	struct dns_addr_rr a[4];
	struct msg m;
	int total = -1;

	cname_chain(&m, 0);
	CHECK_EQ(pa(&m, a, 4, &total), 2);
	CHECK_EQ(total, 2);
	CHECK(!strcmp(a[0].name, "edge.example.com"));
	CHECK_EQ(a[0].family, 4);
	CHECK_EQ(tb_get32(a[0].addr), 0xcb007105);
	CHECK_EQ(a[0].ttl, 30);
	CHECK(!strcmp(a[1].name, "edge.example.com"));
	CHECK_EQ(a[1].family, 6);
	CHECK_MEM(a[1].addr, v6, 16);
	CHECK_EQ(a[1].ttl, 0); /* top bit set */
}

static void answers_max(void)
{
	struct dns_addr_rr a[2];
	struct msg m;
	int total = -1;

	cname_chain(&m, 0);
	memset(a, 0x55, sizeof(a));
	CHECK_EQ(pa(&m, a, 1, &total), 1);
	CHECK_EQ(total, 2);
	CHECK_EQ(a[0].family, 4);
	CHECK_EQ(a[1].family, 0x55); /* untouched */
	CHECK_EQ(pa(&m, NULL, 0, &total), 0);
	CHECK_EQ(total, 2);
	CHECK_EQ(pa(&m, NULL, -3, NULL), 0);
}

static void answers_prefixes(void)
{
	struct dns_addr_rr a[4];
	struct msg m;
	int total;

	cname_chain(&m, 0);
	for (size_t n = 0; n < m.n; n++)
		if (parse_answers(m.b, n, a, 4, &total) != -EINVAL)
			ck_fail(__FILE__, __LINE__, "prefix of %zu bytes accepted", n);
	CHECK_EQ(parse_answers(m.b, m.n, a, 4, &total), 2);
}

static void answers_malformed(void)
{
	struct dns_addr_rr a[4];
	struct msg m;
	int total = 5;

	cname_chain(&m, 0);
	m.b[2] &= 0x7f; /* QR=0 */
	CHECK_EQ(pa(&m, a, 4, &total), -EINVAL);
	CHECK_EQ(total, 0);

	/* rdlength lying beyond the end */
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, "x.example", DNS_TYPE_A, IN);
	ptr(&m, 12);
	rr(&m, 16, IN, 1, 40); /* a TXT claiming 40 bytes */
	put32(&m, 0);
	CHECK_EQ(pa(&m, a, 4, &total), -EINVAL);

	/* an A with rdlength 5, AAAA with 4 */
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, "x.example", DNS_TYPE_A, IN);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 5);
	put32(&m, 0);
	put8(&m, 0);
	CHECK_EQ(pa(&m, a, 4, &total), -EINVAL);
	hdr(&m, 1, F_QR, 1, 1, 0, 0);
	question(&m, "x.example", DNS_TYPE_AAAA, IN);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_AAAA, IN, 1, 4);
	put32(&m, 0);
	CHECK_EQ(pa(&m, a, 4, &total), -EINVAL);

	/* ancount larger than what is there */
	cname_chain(&m, 0);
	m.b[7] = 5;
	CHECK_EQ(pa(&m, a, 4, &total), -EINVAL);

	/* truncated header */
	CHECK_EQ(parse_answers(m.b, 11, a, 4, &total), -EINVAL);
}

static void answers_other_class(void)
{
	struct dns_addr_rr a[4];
	struct msg m;
	int total;

	/* a CH-class "A" of 5 bytes is not ours to judge: skipped */
	hdr(&m, 1, F_QR, 1, 2, 0, 0);
	question(&m, "x.example", DNS_TYPE_A, IN);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, CH, 1, 5);
	put32(&m, 0);
	put8(&m, 0);
	ptr(&m, 12);
	rr(&m, DNS_TYPE_A, IN, 1, 4);
	put32(&m, 0x7f000001);
	CHECK_EQ(pa(&m, a, 4, &total), 1);
	CHECK_EQ(total, 1);
	CHECK_EQ(tb_get32(a[0].addr), 0x7f000001);
}

/* Authority and additional sections are not read; empty answers are fine. */
static void answers_sections(void)
{
	struct dns_addr_rr a[4];
	struct msg m;
	int total;

	hdr(&m, 1, F_QR | 3, 1, 0, 1, 1); /* NXDOMAIN with SOA and OPT */
	question(&m, "nx.example", DNS_TYPE_A, IN);
	ptr(&m, 15);
	rr(&m, 6, IN, 1, 2);
	put16(&m, 0);
	opt(&m, 1232);
	CHECK_EQ(pa(&m, a, 4, &total), 0);
	CHECK_EQ(total, 0);
}

static void to_error_rebinding(void)
{
	struct msg m;
	size_t qend = 12 + 17 + 4;
	struct dns_addr_rr a[4];
	int total;

	cname_chain(&m, F_AA | F_TC | F_AD);
	CHECK_EQ(to_error(&m, DNS_RCODE_NXDOMAIN), qend);
	CHECK_EQ(tb_get16(m.b), 0xbeef);
	CHECK_EQ(tb_get16(m.b + 2), F_QR | F_AA | F_RD | F_RA | DNS_RCODE_NXDOMAIN);
	CHECK_EQ(tb_get16(m.b + 4), 1);
	CHECK_EQ(tb_get16(m.b + 6), 0);
	CHECK_EQ(tb_get16(m.b + 8), 0);
	CHECK_EQ(tb_get16(m.b + 10), 0);
	CHECK_EQ(parse_answers(m.b, qend, a, 4, &total), 0);
}

static void to_error_refused(void)
{
	struct msg m, copy;

	query(&m, "a.example", DNS_TYPE_A, 0); /* a query, not a response */
	copy = m;
	CHECK_EQ(to_error(&m, DNS_RCODE_NXDOMAIN), 0);
	CHECK_MEM(m.b, copy.b, m.n);

	cname_chain(&m, 0);
	m.b[5] = 2; /* qdcount 2 */
	copy = m;
	CHECK_EQ(to_error(&m, DNS_RCODE_NXDOMAIN), 0);
	CHECK_MEM(m.b, copy.b, m.n);

	cname_chain(&m, 0);
	CHECK_EQ(to_error(&m, 16), 0);

	cname_chain(&m, 0);
	m.n = 20; /* question cut */
	CHECK_EQ(to_error(&m, DNS_RCODE_NXDOMAIN), 0);
	m.n = 11;
	CHECK_EQ(to_error(&m, DNS_RCODE_NXDOMAIN), 0);
}

static void truncate_fits(void)
{
	struct msg m, copy;

	cname_chain(&m, 0);
	copy = m;
	CHECK_EQ(trunc_msg(&m, m.n), m.n);
	CHECK_EQ(trunc_msg(&m, 512), m.n);
	CHECK_MEM(m.b, copy.b, m.n);
}

static void truncate_to_question(void)
{
	struct msg m;
	size_t qend = 12 + 17 + 4;

	cname_chain(&m, 0);
	CHECK_EQ(trunc_msg(&m, m.n - 1), qend);
	CHECK_EQ(tb_get16(m.b), 0xbeef);
	CHECK_EQ(tb_get16(m.b + 2), F_QR | F_TC | F_RD | F_RA);
	CHECK_EQ(tb_get16(m.b + 4), 1);
	CHECK_EQ(tb_get16(m.b + 6), 0);
	CHECK_EQ(tb_get16(m.b + 8), 0);
	CHECK_EQ(tb_get16(m.b + 10), 0);

	cname_chain(&m, 0);
	CHECK_EQ(trunc_msg(&m, qend), qend);
}

static void truncate_to_header(void)
{
	struct msg m;
	size_t qend = 12 + 17 + 4;

	cname_chain(&m, 0);
	CHECK_EQ(trunc_msg(&m, qend - 1), 12);
	CHECK_EQ(tb_get16(m.b + 2), F_QR | F_TC | F_RD | F_RA);
	CHECK_EQ(tb_get16(m.b + 4), 0);
	CHECK_EQ(tb_get16(m.b + 6), 0);
	CHECK_EQ(tb_get16(m.b + 10), 0);

	cname_chain(&m, 0);
	CHECK_EQ(trunc_msg(&m, 0), 12);

	cname_chain(&m, 0); /* two questions: header only */
	m.b[5] = 2;
	CHECK_EQ(trunc_msg(&m, 100), 12);

	cname_chain(&m, 0); /* malformed question: header only */
	m.b[12] = 0x40;
	CHECK_EQ(trunc_msg(&m, 100), 12);
	CHECK_EQ(tb_get16(m.b + 4), 0);

	cname_chain(&m, 0);
	m.n = 11;
	CHECK_EQ(trunc_msg(&m, 0), 0);
	m.n = 0;
	CHECK_EQ(trunc_msg(&m, 0), 0);
}

static void id_access(void)
{
	uint8_t b[12] = { 0xab, 0xcd };

	CHECK_EQ(dnsmsg_id(b, 12), 0xabcd);
	CHECK_EQ(dnsmsg_id(b, 2), 0xabcd);
	CHECK_EQ(dnsmsg_id(b, 1), 0);
	CHECK_EQ(dnsmsg_id(NULL, 0), 0);
	dnsmsg_set_id(b, 2, 0x1357);
	CHECK_EQ(tb_get16(b), 0x1357);
	dnsmsg_set_id(b, 1, 0xffff);
	CHECK_EQ(tb_get16(b), 0x1357);
	dnsmsg_set_id(NULL, 0, 1);
}

/* What tapgate answers, the guest parses: query -> answer -> addresses. */
/* A response's question, read back, matches its query's exactly: the id,
 * the name whatever its case, the type and class; a query is no response. */
static void response_question(void)
{
	uint8_t r[512];
	struct msg m;
	struct dns_query q, a, other;
	size_t n;

	query(&m, "GateWay.Internal", DNS_TYPE_A, 0);
	CHECK_EQ(pq(&m, &q), 0);
	n = answer(&m, &q, v4, 4, sizeof(r), r);
	CHECK_EQ(dnsmsg_parse_response(r, n, &a), 0);
	CHECK(!strcmp(a.name, "gateway.internal"));
	CHECK(dnsmsg_same_question(&a, &q));
	CHECK_EQ(dnsmsg_parse_response(m.b, m.n, &a), -EINVAL);
	CHECK_EQ(dnsmsg_parse_response(r, 11, &a), -EINVAL);
	CHECK_EQ(dnsmsg_parse_response(r, n, &a), 0);
	other = q;
	other.id ^= 1;
	CHECK(!dnsmsg_same_question(&a, &other));
	other = q;
	other.qtype = DNS_TYPE_AAAA;
	CHECK(!dnsmsg_same_question(&a, &other));
	other = q;
	other.name[0] = 'x';
	CHECK(!dnsmsg_same_question(&a, &other));
}

static void roundtrip(void)
{
	struct dns_addr_rr a[2];
	uint8_t r[512];
	struct msg m;
	struct dns_query q;
	size_t n;
	int total;

	query(&m, "GateWay.Internal", DNS_TYPE_A, 1232);
	CHECK_EQ(pq(&m, &q), 0);
	n = answer(&m, &q, v4, 4, sizeof(r), r);
	CHECK(n > 0);
	CHECK_EQ(parse_answers(r, n, a, 2, &total), 1);
	CHECK_EQ(total, 1);
	CHECK(!strcmp(a[0].name, "gateway.internal"));
	CHECK_EQ(a[0].family, 4);
	CHECK_MEM(a[0].addr, v4, 4);
	CHECK_EQ(a[0].ttl, 300);
	CHECK_EQ(parse_query(r, n, &q), -EINVAL); /* a response is no query */

	query(&m, "gateway.internal", DNS_TYPE_AAAA, 0);
	CHECK_EQ(pq(&m, &q), 0);
	n = answer(&m, &q, v6, 16, sizeof(r), r);
	CHECK_EQ(parse_answers(r, n, a, 2, &total), 1);
	CHECK_EQ(a[0].family, 6);
	CHECK_MEM(a[0].addr, v6, 16);

	n = error_resp(&m, &q, DNS_RCODE_NXDOMAIN, sizeof(r), r);
	CHECK_EQ(parse_answers(r, n, a, 2, &total), 0);
	CHECK_EQ(dnsmsg_to_error(r, n, DNS_RCODE_SERVFAIL), n);
}

int main(void)
{
	RUN(query_plain);
	RUN(query_edns);
	RUN(query_edns_small);
	RUN(query_edns_options);
	RUN(query_uppercase);
	RUN(query_root);
	RUN(query_header_rules);
	RUN(query_additional_rules);
	RUN(query_prefixes);
	RUN(name_pointer_in_question);
	RUN(name_rules);
	RUN(name_length);
	RUN(name_length_compressed);
	RUN(name_hops);
	RUN(answer_a);
	RUN(answer_aaaa);
	RUN(answer_nodata);
	RUN(answer_cap);
	RUN(answer_in_place);
	RUN(error_response);
	RUN(answers_cname_chain);
	RUN(answers_max);
	RUN(answers_prefixes);
	RUN(answers_malformed);
	RUN(answers_other_class);
	RUN(answers_sections);
	RUN(to_error_rebinding);
	RUN(to_error_refused);
	RUN(truncate_fits);
	RUN(truncate_to_question);
	RUN(truncate_to_header);
	RUN(id_access);
	RUN(response_question);
	RUN(roundtrip);
	return check_summary();
}
