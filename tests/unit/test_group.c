// SPDX-License-Identifier: MIT
/*
 * test_group.c - destination groups: group_classify() by longest prefix
 * over the table group_build() makes, and group_allowed().
 *
 * group_build() also enters every address this host owns as "host" (read
 * with getifaddrs), so the expected group of a case is "host" whenever the
 * machine running the test happens to own that address (127.0.0.1 and ::1
 * on every Linux host, the machine's own LAN address, ...). The gateway is
 * the gateway whatever the host owns.
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "lib/frames.h"
#include "control/config.h"
#include "control/group.h"
#include "steer.h"

static struct config cfg;
static struct group_table table;

static const char *gname(int g)
{
	return config_group_name((unsigned int)g);
}

/* Whether the host owns @a (4 or 16 bytes), as group_build() sees it. */
static bool host_owns(int family, const uint8_t *a)
{
	struct ifaddrs *ifa, *i;
	bool owns = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i && !owns; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (family == 4 && i->ifa_addr->sa_family == AF_INET)
			owns = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, 4);
		else if (family == 6 && i->ifa_addr->sa_family == AF_INET6)
			owns = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, 16);
	}
	freeifaddrs(ifa);
	return owns;
}

/* The IPv4 address embedded in an IPv4-mapped / -compatible / NAT64 /
 * 6to4 address. */
static bool embedded4(const uint8_t a[16], uint8_t v4[4])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0, 0x64, 0xff, 0x9b, 0, 1 };

	if (!memcmp(a, mapped, 12) || !memcmp(a, compat, 12) || !memcmp(a, nat64, 12)) {
		memcpy(v4, a + 12, 4);
		return true;
	}
	if (!memcmp(a, nat64_local, 6) && !a[8]) {
		memcpy(v4, a + 6, 2);
		memcpy(v4 + 2, a + 9, 2);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(v4, a + 2, 4);
		return true;
	}
	return false;
}

struct gcase {
	const char *addr;
	int want;
};

static const struct gcase cases[] = {
	{ "8.8.8.8", TG_G_PUBLIC },
	{ "1.1.1.1", TG_G_PUBLIC },
	{ "10.0.0.1", TG_G_PRIVATE },
	{ "10.255.255.254", TG_G_PRIVATE },
	{ "11.0.0.1", TG_G_PUBLIC },
	{ "172.15.255.255", TG_G_PUBLIC },
	{ "172.16.0.1", TG_G_PRIVATE },
	{ "172.24.5.6", TG_G_PRIVATE },
	{ "172.31.255.254", TG_G_PRIVATE },
	{ "172.32.0.1", TG_G_PUBLIC },
	{ "192.168.1.1", TG_G_PRIVATE },
	{ "192.169.0.1", TG_G_PUBLIC },
	{ "100.64.0.1", TG_G_PRIVATE },
	{ "100.127.255.254", TG_G_PRIVATE },
	{ "100.128.0.1", TG_G_PUBLIC },
	{ "100.63.255.255", TG_G_PUBLIC },
	{ "127.0.0.1", TG_G_LOOPBACK }, /* "host" on any host with lo up */
	{ "127.1.2.3", TG_G_LOOPBACK },
	{ "127.255.255.255", TG_G_LOOPBACK },
	{ "0.0.0.0", TG_G_LOOPBACK },
	{ "0.1.2.3", TG_G_LOOPBACK },
	{ "169.254.169.254", TG_G_METADATA },
	{ "169.254.170.2", TG_G_METADATA },
	{ "168.63.129.16", TG_G_METADATA }, /* Azure */
	{ "168.63.129.17", TG_G_PUBLIC },
	{ "100.100.100.200", TG_G_METADATA }, /* Alibaba: the /32 beats 100.64/10 */
	{ "100.100.100.201", TG_G_PRIVATE },
	{ "169.254.1.1", TG_G_LINKLOCAL },
	{ "169.254.169.253", TG_G_LINKLOCAL },
	{ "224.0.0.1", TG_G_MULTICAST },
	{ "239.255.255.250", TG_G_MULTICAST },
	{ "240.0.0.1", TG_G_MULTICAST },
	{ "255.255.255.255", TG_G_MULTICAST },
	{ "100.96.0.1", TG_G_GATEWAY },
	{ "100.96.0.2", TG_G_PRIVATE }, /* the guest itself: in 100.64/10 */
	{ "::1", TG_G_LOOPBACK },	/* "host" when lo has ::1 */
	{ "::", TG_G_LOOPBACK },
	{ "::2", TG_G_LOOPBACK }, /* IPv4-compatible 0.0.0.2, in 0/8 */
	{ "fe80::1", TG_G_LINKLOCAL },
	{ "febf:ffff::1", TG_G_LINKLOCAL },
	{ "fec0::1", TG_G_PUBLIC },
	{ "fd00::1", TG_G_PRIVATE },
	{ "fc00::1", TG_G_PRIVATE },
	{ "fe00::1", TG_G_PUBLIC },
	{ "ff02::1", TG_G_MULTICAST },
	{ "ff05::1:3", TG_G_MULTICAST },
	{ "fd00:ec2::254", TG_G_METADATA },
	{ "fd00:ec2::253", TG_G_PRIVATE },
	{ "2001:4860:4860::8888", TG_G_PUBLIC },
	{ "::ffff:10.0.0.1", TG_G_PRIVATE },
	{ "::ffff:8.8.8.8", TG_G_PUBLIC },
	{ "::ffff:127.0.0.1", TG_G_LOOPBACK },
	{ "::ffff:127.9.9.9", TG_G_LOOPBACK },
	{ "::ffff:0.0.0.0", TG_G_LOOPBACK },
	{ "::ffff:169.254.169.254", TG_G_METADATA },
	{ "::ffff:100.96.0.1", TG_G_GATEWAY },
	{ "64:ff9b::a9fe:a9fe", TG_G_METADATA },
	{ "64:ff9b::808:808", TG_G_PUBLIC },
	{ "64:ff9b::c0a8:101", TG_G_PRIVATE },
	{ "64:ff9b::7f00:1", TG_G_LOOPBACK },
	{ "2002:0a00:0001::", TG_G_PRIVATE },
	{ "2002:a9fe:a9fe::1", TG_G_METADATA },
	{ "2002:7f00:1::", TG_G_LOOPBACK },
	{ "2002:0808:0808::1", TG_G_PUBLIC },
	{ "2002:e000:0001::", TG_G_MULTICAST },
	/* IPv4-compatible ::/96 */
	{ "::8.8.8.8", TG_G_PUBLIC },
	{ "::10.0.0.1", TG_G_PRIVATE },
	{ "::127.0.0.1", TG_G_LOOPBACK },
	{ "::169.254.169.254", TG_G_METADATA },
	{ "::168.63.129.16", TG_G_METADATA },
	{ "::100.96.0.1", TG_G_GATEWAY },
	{ "::1:0:0:0", TG_G_PUBLIC }, /* outside ::/96 */
	/* local-use NAT64 64:ff9b:1::/48: IPv4 bytes 0-1 in bytes 6-7, byte 8
	 * (the u octet) zero, bytes 2-3 in bytes 9-10 */
	{ "64:ff9b:1:a00:0:100::", TG_G_PRIVATE },	  /* 10.0.0.1 */
	{ "64:ff9b:1:a9fe:a9:fe00::", TG_G_METADATA },	  /* 169.254.169.254 */
	{ "64:ff9b:1:a9fe:a9:fe00:0:1", TG_G_METADATA },  /* a suffix after it */
	{ "64:ff9b:1:a9fe:a9:fd00::", TG_G_LINKLOCAL },	  /* 169.254.169.253 */
	{ "64:ff9b:1:808:8:800::", TG_G_PUBLIC },	  /* 8.8.8.8 */
	{ "64:ff9b:1:7f00:0:100::", TG_G_LOOPBACK },	  /* 127.0.0.1 */
	{ "64:ff9b:1:6460:0:100::", TG_G_GATEWAY },	  /* 100.96.0.1 */
	{ "64:ff9b:1:ac10:5:600::", TG_G_PRIVATE },	  /* 172.16.5.6 (a /12 inside byte 7) */
	{ "64:ff9b:1:ac20:5:600::", TG_G_PUBLIC },	  /* 172.32.5.6 */
	{ "64:ff9b:1:a9fe:ffa9:fe00::", TG_G_LINKLOCAL }, /* u octet set: the /32 misses */
	{ "64:ff9b:2:a00:0:100::", TG_G_PUBLIC },	  /* another /48 */
	/* Teredo 2001:0::/32: server IPv4 in bits 32-63, client IPv4 inverted
	 * in bits 96-127; the more restricted of the two */
	{ "2001:0:4136:e378:8000:63bf:fefd:fcfb", TG_G_PUBLIC },  /* 65.54.227.120, 1.2.3.4 */
	{ "2001:0:4136:e378:8000:63bf:f5ff:fffe", TG_G_PRIVATE }, /* client 10.0.0.1 */
	{ "2001:0:a00:1:8000:63bf:fefd:fcfb", TG_G_PRIVATE },	  /* server 10.0.0.1 */
	{ "2001:0:7f01:203:8000:63bf:fefd:fcfb", TG_G_LOOPBACK }, /* server 127.1.2.3 */
	{ "2001:0:a00:1:8000:63bf:80fe:fdfc", TG_G_LOOPBACK },	  /* 10.0.0.1, 127.1.2.3 */
	{ "2001:0:a9fe:a9fe::f5ff:fffe", TG_G_METADATA },	  /* metadata, 10.0.0.1 */
	{ "2001:0:4136:e378::57c0:7eef", TG_G_METADATA },	  /* client 168.63.129.16 */
	{ "2001:0:4136:e378:8000:63bf:9b9f:fffe", TG_G_GATEWAY }, /* client 100.96.0.1 */
	{ "2001:0:4136:e378:8000:63bf:1f:ffff", TG_G_MULTICAST }, /* client 224.0.0.0 */
	{ "2001:db8::1", TG_G_PUBLIC },				  /* not Teredo */
	{ "2001:1::f5ff:fffe", TG_G_PUBLIC },			  /* not Teredo either */
	{ "fd42:6d73:62::1", TG_G_GATEWAY },
	{ "fd42:6d73:62::2", TG_G_PRIVATE },
};

/* Expected group of @a, given what the host owns. */
static int expected(int family, const uint8_t *a, int want)
{
	uint8_t v4[4];

	if (want == TG_G_GATEWAY)
		return want;
	if (host_owns(family, a))
		return TG_G_HOST;
	if (family == 6 && embedded4(a, v4) && host_owns(4, v4))
		return TG_G_HOST;
	return want;
}

static void run_cases(void)
{
	char name[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16];
		int family = strchr(cases[i].addr, ':') ? 6 : 4;
		int want, got;

		tb_addr(a, cases[i].addr);
		want = expected(family, a, cases[i].want);
		snprintf(name, sizeof(name), "classify %s -> %s%s", cases[i].addr, gname(want),
			 want != cases[i].want ? " (owned by this host)" : "");
		case_begin(name);
		got = group_classify(&table, family, a);
		if (got != want)
			ck_fail(__FILE__, __LINE__, "got %s", gname(got));
		case_end();
	}
}

/* Every address this host owns is "host" (unless it is the gateway). */
static void host_addresses_are_host(void)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0) {
		ck_fail(__FILE__, __LINE__, "getifaddrs failed");
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		const uint8_t *a;
		int family, got;
		char text[64];

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			family = 4;
			a = (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			if (!memcmp(a, &cfg.gw_ip4, 4))
				continue;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			family = 6;
			a = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (!memcmp(a, cfg.gw_ip6, 16))
				continue;
		} else {
			continue;
		}
		got = group_classify(&table, family, a);
		if (got != TG_G_HOST) {
			inet_ntop(family == 4 ? AF_INET : AF_INET6, a, text, sizeof(text));
			ck_fail(__FILE__, __LINE__, "%s (%s) is %s", text, i->ifa_name, gname(got));
		}
		if (family == 4) {
			uint8_t m[16] = { [10] = 0xff, [11] = 0xff };

			memcpy(m + 12, a, 4);
			got = group_classify(&table, 6, m);
			if (got != TG_G_HOST)
				ck_fail(__FILE__, __LINE__, "::ffff:%u.%u.%u.%u is %s", a[0], a[1],
					a[2], a[3], gname(got));
		}
	}
	freeifaddrs(ifa);
}

/* A gateway elsewhere is classified as the gateway, its neighbours not. */
static void custom_gateway(void)
{
	struct config c;
	struct group_table t = { 0 };
	uint8_t a[16];

	config_defaults(&c);
	tb_addr(a, "10.1.2.1");
	memcpy(&c.gw_ip4, a, 4);
	tb_addr(c.gw_ip6, "fd99::1");
	CHECK_EQ(group_build(&t, &c), 0);
	CHECK_EQ(group_classify(&t, 4, a), TG_G_GATEWAY);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "100.96.0.1")), expected(4, a, TG_G_PRIVATE));
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "10.1.2.2")), expected(4, a, TG_G_PRIVATE));
	CHECK_EQ(group_classify(&t, 6, tb_addr(a, "fd99::1")), TG_G_GATEWAY);
	CHECK_EQ(group_classify(&t, 6, tb_addr(a, "::ffff:10.1.2.1")), TG_G_GATEWAY);
	group_free(&t);
	CHECK(t.e == NULL && t.n == 0);
}

/* Whether @t holds exactly the prefix @addr/@len of @group. */
static bool has_entry(const struct group_table *t, const char *addr, unsigned int len, int group)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? 6 : 4;

	tb_addr(a, addr);
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].family == family && t->e[i].len == len && t->e[i].group == group &&
		    !memcmp(t->e[i].addr, a, family == 4 ? 4 : 16))
			return true;
	return false;
}

/* Longest prefix by a plain scan, as the XDP maps would find it. */
static int reference(const struct group_table *t, int family, const uint8_t *a)
{
	const struct group_entry *best = NULL;

	for (size_t i = 0; i < t->n; i++) {
		const struct group_entry *e = &t->e[i];
		unsigned int bits = e->len, k;

		if (e->family != family || (best && e->len <= best->len))
			continue;
		for (k = 0; k < bits; k++)
			if ((a[k / 8] ^ e->addr[k / 8]) & (0x80 >> (k % 8)))
				break;
		if (k == bits)
			best = e;
	}
	return best && !best->by_code ? best->group : best ? -1 : TG_G_PUBLIC;
}

/* The bisection and the scan find what a plain longest-prefix scan finds,
 * for addresses in, next to and around every prefix of the table. */
static void classify_matches_scan(void)
{
	unsigned int seed = 1;

	for (size_t i = 0; i < table.n; i++) {
		const struct group_entry *e = &table.e[i];
		unsigned int alen = e->family == 4 ? 4 : 16, bits = alen * 8;

		for (unsigned int j = 0; j < 8; j++) {
			/* j 1-6: one bit flipped at or around the prefix's end;
			 * j 7: random bits after the prefix */
			unsigned int k = (e->len + bits + j - 4) % bits;
			uint8_t a[16] = { 0 };
			int want, got;

			memcpy(a, e->addr, alen);
			if (j > 0 && j < 7)
				a[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
			for (unsigned int b = e->len / 8; j == 7 && b < alen; b++)
				a[b] ^= (uint8_t)rand_r(&seed);
			want = reference(&table, e->family, a);
			got = group_classify(&table, e->family, a);
			if (want >= 0 && got != want) {
				char text[64];

				inet_ntop(e->family == 4 ? AF_INET : AF_INET6, a, text,
					  sizeof(text));
				ck_fail(__FILE__, __LINE__, "%s: got %s, want %s", text, gname(got),
					gname(want));
			}
		}
	}
}

/* RFC 6052's /48 layout: an IPv4 /L is a /(48 + L) up to 16, then the u
 * octet is skipped: /(56 + L). The other forms put IPv4 in one piece. */
static void embed_lengths(void)
{
	CHECK(has_entry(&table, "64:ff9b:1:a00::", 56, TG_G_PRIVATE));	  /* 10/8 */
	CHECK(has_entry(&table, "64:ff9b:1:6440::", 58, TG_G_PRIVATE));	  /* 100.64/10 */
	CHECK(has_entry(&table, "64:ff9b:1:ac10::", 60, TG_G_PRIVATE));	  /* 172.16/12 */
	CHECK(has_entry(&table, "64:ff9b:1:a9fe::", 64, TG_G_LINKLOCAL)); /* 169.254/16 */
	CHECK(has_entry(&table, "64:ff9b:1:a9fe:a9:fe00::", 88, TG_G_METADATA));
	CHECK(has_entry(&table, "64:ff9b:1:e000::", 52, TG_G_MULTICAST)); /* 224/4 */
	CHECK(has_entry(&table, "::a9fe:a9fe", 128, TG_G_METADATA));
	CHECK(has_entry(&table, "::a00:0", 104, TG_G_PRIVATE));
	CHECK(has_entry(&table, "::ffff:a00:0", 104, TG_G_PRIVATE));
	CHECK(has_entry(&table, "64:ff9b::a00:0", 104, TG_G_PRIVATE));
	CHECK(has_entry(&table, "2002:a00::", 24, TG_G_PRIVATE));
	CHECK(has_entry(&table, "2002:a9fe:a9fe::", 48, TG_G_METADATA));
}

/* One Teredo entry, classified by code; the maps hold it as public. */
static void teredo_entry(void)
{
	size_t n = 0;

	for (size_t i = 0; i < table.n; i++)
		if (table.e[i].by_code) {
			n++;
			CHECK(table.e[i].family == 6 && table.e[i].len == 32);
			CHECK_EQ(table.e[i].group, TG_G_PUBLIC);
			CHECK_MEM(table.e[i].addr, tb_addr((uint8_t[16]){ 0 }, "2001::"), 16);
		}
	CHECK_EQ(n, 1);
}

/* Of a Teredo address's two non-public groups, the one --allow denies; of
 * two it treats alike, the one nearer the host. */
static void teredo_by_allow(void)
{
	static const struct {
		uint32_t allow;
		int want;
	} rows[] = {
		{ 0, TG_G_LINKLOCAL },
		{ 1u << TG_G_PRIVATE, TG_G_LINKLOCAL },
		{ 1u << TG_G_LINKLOCAL, TG_G_PRIVATE },
		{ 1u << TG_G_PRIVATE | 1u << TG_G_LINKLOCAL, TG_G_LINKLOCAL },
	};
	uint8_t a[16];

	/* server 10.0.0.1, client 169.254.1.1 */
	tb_addr(a, "2001:0:a00:1::5601:fefe");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;
		struct group_table t = { 0 };

		config_defaults(&c);
		c.allow |= rows[i].allow;
		CHECK_EQ(group_build(&t, &c), 0);
		CHECK_EQ(group_classify(&t, 6, a), rows[i].want);
		group_free(&t);
	}
}

static void table_shape(void)
{
	CHECK(table.n > 0);
	CHECK(table.n <= table.cap);
	for (size_t i = 0; i < table.n; i++) {
		CHECK(table.e[i].family == 4 || table.e[i].family == 6);
		CHECK(table.e[i].len <= (table.e[i].family == 4 ? 32 : 128));
		CHECK(table.e[i].group < TG_G_MAX);
	}
	/* sorted by prefix, each once; the spans cover the table */
	for (size_t i = 1; i < table.n; i++) {
		const struct group_entry *a = &table.e[i - 1], *b = &table.e[i];

		CHECK(a->family < b->family || (a->family == b->family && a->len < b->len) ||
		      (a->family == b->family && a->len == b->len &&
		       memcmp(a->addr, b->addr, 16) < 0));
	}
	CHECK_EQ(table.span[0].first, 0);
	CHECK_EQ(table.span[0].end, table.span[1].first);
	CHECK_EQ(table.span[1].end, table.n);
	/* The XDP side stores the table in LPM maps of this size. */
	CHECK(table.n <= TG_POLICY_MAX);
}

static void allowed_public_only(void)
{
	uint32_t allow = 1u << TG_G_PUBLIC;

	CHECK(group_allowed(allow, TG_G_PUBLIC));
	CHECK(!group_allowed(allow, TG_G_HOST));
	CHECK(!group_allowed(allow, TG_G_GATEWAY));
	CHECK(!group_allowed(allow, TG_G_PRIVATE));
	CHECK(!group_allowed(allow, TG_G_LOOPBACK));
	CHECK(!group_allowed(allow, TG_G_LINKLOCAL));
	CHECK(!group_allowed(allow, TG_G_METADATA));
	CHECK(!group_allowed(allow, TG_G_MULTICAST));
}

static void allowed_gateway_needs_host(void)
{
	CHECK(group_allowed(1u << TG_G_HOST, TG_G_GATEWAY));
	CHECK(group_allowed(1u << TG_G_HOST, TG_G_HOST));
	CHECK(!group_allowed(1u << TG_G_HOST, TG_G_PUBLIC));
	/* the gateway bit alone does not open the gateway: "host" does */
	CHECK(!group_allowed(1u << TG_G_GATEWAY, TG_G_GATEWAY));
	CHECK(!group_allowed(1u << TG_G_LOOPBACK, TG_G_GATEWAY));
}

static void allowed_all(void)
{
	uint32_t all;

	CHECK_EQ(config_parse_groups("all", &all), 0);
	for (int g = 0; g < TG_G_MAX; g++)
		CHECK(group_allowed(all, g));
	CHECK(!group_allowed(0, TG_G_PUBLIC));
}

int main(void)
{
	int err;

	config_defaults(&cfg);
	err = group_build(&table, &cfg);
	case_begin("group_build");
	CHECK_EQ(err, 0);
	case_end();
	if (err)
		return check_summary();

	run_cases();
	RUN(host_addresses_are_host);
	RUN(custom_gateway);
	RUN(table_shape);
	RUN(classify_matches_scan);
	RUN(embed_lengths);
	RUN(teredo_entry);
	RUN(teredo_by_allow);
	RUN(allowed_public_only);
	RUN(allowed_gateway_needs_host);
	RUN(allowed_all);
	group_free(&table);
	return check_summary();
}
