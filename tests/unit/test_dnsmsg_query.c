// SPDX-License-Identifier: MIT
/*
 * test_dnsmsg_query.c - dnsmsg_parse_query() on the guest's queries: plain
 * and with EDNS (small sizes, options), names in any case, the root, the
 * header's and the additional section's rules, and every prefix of a good
 * query refused (parsed from exact-size heap copies: tests/unit/dnscraft.h).
 */
#include <errno.h>

#include "dnscraft.h"

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
	return check_summary();
}
