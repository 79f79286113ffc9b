// SPDX-License-Identifier: MIT
/*
 * test_dnsmsg_response.c - responses from upstream: the addresses of a
 * compressed CNAME chain, the cap on what is returned, every prefix
 * refused, malformed records, other classes and sections; then what
 * tapgate does to a response before the guest sees it: to_error
 * (rebinding) and truncate.
 */
#include <errno.h>

#include "dnscraft.h"

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

int main(void)
{
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
	return check_summary();
}
