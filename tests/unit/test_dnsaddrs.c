// SPDX-License-Identifier: MIT
/*
 * test_dnsaddrs.c - dnsmsg_parse_addrs(): every address a response carries
 * reaches the rebinding filter, whatever section or record holds it: A and
 * AAAA in the answer, authority and additional sections, and the
 * ipv4hint/ipv6hint of HTTPS and SVCB records; malformed hints are refused.
 */
#include <string.h>

#include "check.h"
#include "dns/dnsmsg.h"

/* Builds a response: header, question "a.test" A IN, then records. */
struct msg {
	uint8_t b[512];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

static void begin(struct msg *m, uint16_t an, uint16_t ns, uint16_t ar)
{
	static const uint8_t q[] = { 1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1 };

	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	put(m, q, sizeof(q));
}

/* A record header: owner = the question's name (pointer 0xc00c). */
static void rr(struct msg *m, uint16_t type, uint16_t rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, rdlen);
}

static void sections(void)
{
	struct dns_addr_rr out[8];
	struct msg m;
	int total, n;

	case_begin("A in answer, AAAA in authority, A in additional");
	begin(&m, 1, 1, 1);
	rr(&m, DNS_TYPE_A, 4);
	put(&m, (uint8_t[]){ 93, 184, 216, 34 }, 4);
	rr(&m, DNS_TYPE_AAAA, 16);
	put(&m, (uint8_t[16]){ 0xfd, 0, [15] = 1 }, 16);
	rr(&m, DNS_TYPE_A, 4);
	put(&m, (uint8_t[]){ 10, 0, 0, 7 }, 4);
	n = dnsmsg_parse_addrs(m.b, m.n, out, 8, &total);
	CHECK_EQ(n, 3);
	CHECK_EQ(total, 3);
	CHECK_EQ(out[0].section, DNS_SEC_ANSWER);
	CHECK_EQ(out[1].section, DNS_SEC_AUTHORITY);
	CHECK_EQ(out[1].family, 6);
	CHECK_EQ(out[2].section, DNS_SEC_ADDITIONAL);
	CHECK_EQ(out[2].addr[0], 10);
	CHECK(!strcmp(out[2].name, "a.test"));
	CHECK_EQ(dnsmsg_parse_addrs(m.b, m.n, out, 1, &total), 1);
	CHECK_EQ(total, 3);
	case_end();
}

static void https_hints(void)
{
	struct dns_addr_rr out[8];
	struct msg m;
	int total;

	case_begin("HTTPS ipv4hint and ipv6hint");
	begin(&m, 1, 0, 0);
	/* priority 1, target ".", alpn (1) "h2", ipv4hint (4) two, ipv6hint (6) one */
	rr(&m, DNS_TYPE_HTTPS, 2 + 1 + (4 + 3) + (4 + 8) + (4 + 16));
	put16(&m, 1);
	put(&m, (uint8_t[]){ 0 }, 1);
	put16(&m, 1);
	put16(&m, 3);
	put(&m, (uint8_t[]){ 2, 'h', '2' }, 3);
	put16(&m, SVC_IPV4HINT);
	put16(&m, 8);
	put(&m, (uint8_t[]){ 192, 168, 1, 1, 8, 8, 8, 8 }, 8);
	put16(&m, SVC_IPV6HINT);
	put16(&m, 16);
	put(&m, (uint8_t[16]){ 0xfe, 0x80, [15] = 9 }, 16);
	CHECK_EQ(dnsmsg_parse_addrs(m.b, m.n, out, 8, &total), 3);
	CHECK_EQ(out[0].addr[0], 192);
	CHECK_EQ(out[1].addr[0], 8);
	CHECK_EQ(out[2].family, 6);
	CHECK_EQ(out[2].addr[1], 0x80);
	case_end();

	case_begin("a hint of 5 bytes is refused");
	begin(&m, 1, 0, 0);
	rr(&m, DNS_TYPE_SVCB, 2 + 1 + 4 + 5);
	put16(&m, 1);
	put(&m, (uint8_t[]){ 0 }, 1);
	put16(&m, SVC_IPV4HINT);
	put16(&m, 5);
	put(&m, (uint8_t[]){ 1, 2, 3, 4, 5 }, 5);
	CHECK(dnsmsg_parse_addrs(m.b, m.n, out, 8, &total) < 0);
	case_end();

	case_begin("a parameter past the record is refused");
	begin(&m, 1, 0, 0);
	rr(&m, DNS_TYPE_HTTPS, 2 + 1 + 4);
	put16(&m, 1);
	put(&m, (uint8_t[]){ 0 }, 1);
	put16(&m, SVC_IPV4HINT);
	put16(&m, 4);
	put(&m, (uint8_t[]){ 1, 2, 3, 4 }, 4);
	CHECK(dnsmsg_parse_addrs(m.b, m.n, out, 8, &total) < 0);
	case_end();
}

int main(void)
{
	sections();
	https_hints();
	return check_summary();
}
