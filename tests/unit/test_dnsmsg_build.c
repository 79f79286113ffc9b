// SPDX-License-Identifier: MIT
/*
 * test_dnsmsg_build.c - what tapgate writes itself: the answer (A, AAAA,
 * NODATA), the error response, byte for byte and one byte short of room,
 * also over the query itself; the id accessors; and what it writes, read
 * back: the response's question against its query, and answers parsed.
 */
#include <errno.h>

#include "dnscraft.h"

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

/* What tapgate answers, the guest parses: query -> answer -> addresses. */
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
	RUN(answer_a);
	RUN(answer_aaaa);
	RUN(answer_nodata);
	RUN(answer_cap);
	RUN(answer_in_place);
	RUN(error_response);
	RUN(id_access);
	RUN(response_question);
	RUN(roundtrip);
	return check_summary();
}
