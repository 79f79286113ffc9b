// SPDX-License-Identifier: MIT
/*
 * test_dnsrec.c - the table of address records the guest was given:
 * lookup by address, refresh in place, expiry by TTL, the oldest entry
 * giving way when the table is full.
 */
#include <arpa/inet.h>

#include "check.h"
#include "dns/dnsrec.h"

static struct dns_addr_rr rr4(const char *name, const char *addr, uint32_t ttl)
{
	struct dns_addr_rr r = { .family = 4, .ttl = ttl };

	snprintf(r.name, sizeof(r.name), "%s", name);
	inet_pton(AF_INET, addr, r.addr);
	return r;
}

static const char *look4(const char *addr, uint64_t now)
{
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, addr, a);
	return dnsrec_lookup(4, a, now);
}

/* The name recorded for IPv4 @addr at @now is @want. */
static bool name_is(const char *addr, uint64_t now, const char *want)
{
	const char *n = look4(addr, now);

	return n && !strcmp(n, want);
}

static void lookup_by_address(void)
{
	struct dns_addr_rr a = rr4("a.test", "198.51.100.7", 60);
	struct dns_addr_rr b = rr4("b.test", "198.51.100.8", 60);

	CHECK(dnsrec_init(8) == 0);
	dnsrec_add(&a, 1000);
	dnsrec_add(&b, 1000);
	CHECK(name_is("198.51.100.7", 2000, "a.test"));
	CHECK(name_is("198.51.100.8", 2000, "b.test"));
	CHECK(look4("198.51.100.9", 2000) == NULL);
	dnsrec_fini();
}

static void expiry_and_refresh(void)
{
	struct dns_addr_rr a = rr4("a.test", "198.51.100.7", 10);

	CHECK(dnsrec_init(8) == 0);
	dnsrec_add(&a, 0);
	CHECK(look4("198.51.100.7", 9999) != NULL);
	CHECK(look4("198.51.100.7", 10000) == NULL); /* TTL 10 s is over */
	dnsrec_add(&a, 10000);			     /* the guest asked again */
	CHECK(dnsrec_count() == 1);		     /* refreshed, not added */
	CHECK(look4("198.51.100.7", 15000) != NULL);
	dnsrec_fini();
}

static void oldest_gives_way(void)
{
	char name[32], addr[32];

	CHECK(dnsrec_init(4) == 0);
	for (int i = 0; i < 6; i++) {
		struct dns_addr_rr r;

		snprintf(name, sizeof(name), "n%d.test", i);
		snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
		r = rr4(name, addr, 300);
		dnsrec_add(&r, 0);
	}
	CHECK(dnsrec_count() == 4);
	CHECK(look4("203.0.113.1", 1) == NULL);
	CHECK(look4("203.0.113.2", 1) == NULL);
	CHECK(look4("203.0.113.3", 1) != NULL);
	CHECK(look4("203.0.113.6", 1) != NULL);
	dnsrec_fini();
}

static void newest_name_wins(void)
{
	struct dns_addr_rr a = rr4("old.test", "198.51.100.7", 60);
	struct dns_addr_rr b = rr4("new.test", "198.51.100.7", 60);

	CHECK(dnsrec_init(8) == 0);
	dnsrec_add(&a, 0);
	dnsrec_add(&b, 0);
	CHECK(name_is("198.51.100.7", 1, "new.test"));
	dnsrec_fini();
}

static void ipv6_kept_apart(void)
{
	struct dns_addr_rr r = { .family = 6, .ttl = 60 };
	uint8_t a4[16] = { 0 };

	snprintf(r.name, sizeof(r.name), "six.test");
	inet_pton(AF_INET6, "2001:db8::7", r.addr);
	CHECK(dnsrec_init(8) == 0);
	dnsrec_add(&r, 0);
	CHECK(dnsrec_lookup(6, r.addr, 1) != NULL);
	memcpy(a4, r.addr, 4); /* same first bytes, other family */
	CHECK(dnsrec_lookup(4, a4, 1) == NULL);
	dnsrec_fini();
}

static void empty_table(void)
{
	struct dns_addr_rr a = rr4("a.test", "198.51.100.7", 60);

	dnsrec_add(&a, 0); /* before init: ignored, no crash */
	CHECK(look4("198.51.100.7", 1) == NULL);
}

int main(void)
{
	RUN(lookup_by_address);
	RUN(expiry_and_refresh);
	RUN(oldest_gives_way);
	RUN(newest_name_wins);
	RUN(ipv6_kept_apart);
	RUN(empty_table);
	return check_summary();
}
