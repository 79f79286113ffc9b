// SPDX-License-Identifier: MIT
/*
 * test_group.c - destination groups: group_classify() by longest prefix
 * over the table group_build() makes, from the ranges and a host address
 * set made here (so the cases do not depend on the machine), and
 * group_allowed(). Host addresses a non-public group covers get entries
 * only where --allow tells that group from "host"; the machine's own
 * addresses (the real netlink dump) are all refused as host would be; a
 * table of 10 000 host addresses is built and searched; group_refresh()
 * rebuilds the table and says whether it changed; under a policy file
 * every host address keeps its entry.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lib/frames.h"
#include "control/config.h"
#include "control/group.h"
#include "control/hostaddr.h"
#include "steer.h"

static struct config cfg;
static struct group_table table;
static struct hostaddr hosts;

static const char *gname(int g)
{
	return config_group_name((unsigned int)g);
}

/* Add @addr on device @ifindex to @h; hostaddr_parse() of nothing sorts
 * it in, as after a datagram. */
static void host(struct hostaddr *h, const char *addr, uint32_t ifindex)
{
	struct hostaddr_entry *e;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->a = realloc(h->a, h->cap * sizeof(*h->a));
	}
	e = &h->a[h->n++];
	memset(e, 0, sizeof(*e));
	e->family = strchr(addr, ':') ? 6 : 4;
	e->prefixlen = e->family == 4 ? 24 : 64;
	e->ifindex = ifindex;
	tb_addr(e->addr, addr);
}

static void settle(struct hostaddr *h)
{
	static const uint32_t none;

	hostaddr_parse(h, &none, 0);
}

/* The host of the cases: public addresses (host entries), covered ones (no
 * entries under the default --allow), one on two devices, the gateway's,
 * a Teredo address, and the fe80:: of 1000 veths. */
static void make_hosts(struct hostaddr *h)
{
	char text[64];

	hostaddr_init(h);
	host(h, "127.0.0.1", 1);
	host(h, "::1", 1);
	host(h, "203.0.113.7", 2);
	host(h, "203.0.113.7", 3);
	host(h, "2001:db8::7", 2);
	host(h, "10.20.30.40", 2);
	host(h, "169.254.7.7", 2);
	host(h, "100.96.0.1", 4); /* a device with the gateway's address */
	host(h, "2001:0:4136:e378:8000:63bf:3fff:fdd2", 5);
	for (unsigned int i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "fe80::%x:ff:fe00:1", i + 1);
		host(h, text, 10 + i);
	}
	settle(h);
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
	{ "127.0.0.1", TG_G_LOOPBACK }, /* the host's too: loopback says as much */
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
	{ "::1", TG_G_LOOPBACK },
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
	/* the host's addresses (make_hosts()) in every form */
	{ "203.0.113.7", TG_G_HOST },
	{ "203.0.113.8", TG_G_PUBLIC },
	{ "::ffff:203.0.113.7", TG_G_HOST },
	{ "::203.0.113.7", TG_G_HOST },
	{ "64:ff9b::cb00:7107", TG_G_HOST },
	{ "64:ff9b:1:cb00:71:700::", TG_G_HOST },
	{ "2002:cb00:7107::1", TG_G_HOST },
	{ "2001:0:4136:e378:8000:63bf:34ff:8ef8", TG_G_HOST }, /* Teredo client 203.0.113.7 */
	{ "2001:0:cb00:7107:8000:63bf:fefd:fcfb", TG_G_HOST }, /* Teredo server 203.0.113.7 */
	{ "2001:db8::7", TG_G_HOST },
	{ "2001:db8::8", TG_G_PUBLIC },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", TG_G_HOST }, /* a Teredo address of its own */
	{ "10.20.30.40", TG_G_PRIVATE },		       /* covered: denied as host is */
	{ "169.254.7.7", TG_G_LINKLOCAL },		       /* covered */
	{ "fe80::1f4:ff:fe00:1", TG_G_LINKLOCAL },
	{ "fd42:6d73:62::1", TG_G_GATEWAY },
	{ "fd42:6d73:62::2", TG_G_PRIVATE },
};

static void run_cases(void)
{
	char name[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16];
		int family = strchr(cases[i].addr, ':') ? 6 : 4;
		int got;

		tb_addr(a, cases[i].addr);
		snprintf(name, sizeof(name), "classify %s -> %s", cases[i].addr,
			 gname(cases[i].want));
		case_begin(name);
		got = group_classify(&table, family, a);
		if (got != cases[i].want)
			ck_fail(__FILE__, __LINE__, "got %s", gname(got));
		case_end();
	}
}

/* Whether --allow @allow lets @g through exactly as it does "host". */
static bool like_host(uint32_t allow, int g)
{
	return g != TG_G_PUBLIC && group_allowed(allow, g) == group_allowed(allow, TG_G_HOST);
}

/* Every address this machine owns (the real netlink dump) is refused as
 * "host" would be, in each embedded form too. */
static void live_host_addresses(void)
{
	struct hostaddr h;
	struct group_table t = { 0 };
	char text[64];

	CHECK_EQ(hostaddr_open(&h), 0);
	CHECK_EQ(group_build(&t, &cfg, &h), 0);
	CHECK(h.n > 0);
	for (size_t i = 0; i < h.n; i++) {
		const struct hostaddr_entry *e = &h.a[i];
		uint8_t m[16] = { [10] = 0xff, [11] = 0xff };
		int got = group_classify(&t, e->family, e->addr);

		inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, text, sizeof(text));
		if (got != TG_G_HOST && got != TG_G_GATEWAY && !like_host(t.allow, got))
			ck_fail(__FILE__, __LINE__, "%s is %s", text, gname(got));
		memcpy(m + 12, e->addr, 4);
		got = e->family == 4 ? group_classify(&t, 6, m) : TG_G_HOST;
		if (got != TG_G_HOST && got != TG_G_GATEWAY && !like_host(t.allow, got))
			ck_fail(__FILE__, __LINE__, "::ffff:%s is %s", text, gname(got));
	}
	group_free(&t);
	hostaddr_close(&h);
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
	CHECK_EQ(group_build(&t, &c, &hosts), 0);
	CHECK_EQ(group_classify(&t, 4, a), TG_G_GATEWAY);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "100.96.0.1")), TG_G_PRIVATE);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "10.1.2.2")), TG_G_PRIVATE);
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
		CHECK_EQ(group_build(&t, &c, NULL), 0);
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

/* Host entries only for the public addresses: 203.0.113.7 in its six
 * forms, 2001:db8::7, the Teredo one; none for the 1000 fe80::. */
static void covered_hosts_no_entries(void)
{
	size_t host_entries = 0, fe80 = 0;

	for (size_t i = 0; i < table.n; i++) {
		host_entries += table.e[i].group == TG_G_HOST;
		fe80 += table.e[i].family == 6 && table.e[i].len == 128 &&
			table.e[i].addr[0] == 0xfe && (table.e[i].addr[1] & 0xc0) == 0x80;
	}
	CHECK_EQ(host_entries, 8);
	CHECK_EQ(fe80, 0);
}

/* Where --allow tells a covering group from "host", the host's addresses
 * in it get entries (and are host); where it does not, they need none. */
static void allow_decides_host_entries(void)
{
	static const struct {
		uint32_t allow; /* besides public */
		const char *addr;
		int want;
	} rows[] = {
		{ 1u << TG_G_PRIVATE, "10.20.30.40", TG_G_HOST },
		{ 1u << TG_G_PRIVATE, "::ffff:10.20.30.40", TG_G_HOST },
		{ 1u << TG_G_PRIVATE, "10.20.30.41", TG_G_PRIVATE },
		{ 1u << TG_G_HOST, "10.20.30.40", TG_G_HOST },
		{ 1u << TG_G_HOST, "127.0.0.1", TG_G_HOST },
		{ 1u << TG_G_LINKLOCAL, "169.254.7.7", TG_G_HOST },
		{ 1u << TG_G_LINKLOCAL, "fe80::3e8:ff:fe00:1", TG_G_HOST },
		{ 1u << TG_G_LINKLOCAL, "fe80::3e9:ff:fe00:1", TG_G_LINKLOCAL },
		{ 1u << TG_G_PRIVATE | 1u << TG_G_HOST, "10.20.30.40", TG_G_PRIVATE },
		{ 1u << TG_G_PRIVATE, "127.0.0.1", TG_G_LOOPBACK },
	};
	char name[96];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;
		struct group_table t = { 0 };
		uint8_t a[16];
		int family = strchr(rows[i].addr, ':') ? 6 : 4;

		snprintf(name, sizeof(name), "allow +%#x: %s -> %s", rows[i].allow, rows[i].addr,
			 gname(rows[i].want));
		case_begin(name);
		config_defaults(&c);
		c.allow |= rows[i].allow;
		CHECK_EQ(group_build(&t, &c, &hosts), 0);
		CHECK_EQ(group_classify(&t, family, tb_addr(a, rows[i].addr)), rows[i].want);
		group_free(&t);
		case_end();
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 10 000 public host addresses (and 10 000 fe80::): each is host, its
 * neighbour is not; how long building and looking up take is printed. */
static void ten_thousand_hosts(void)
{
	struct hostaddr h;
	struct group_table t = { 0 };
	char text[64];
	double t0, t1, t2;
	size_t wrong = 0;

	hostaddr_init(&h);
	for (unsigned int i = 0; i < 10000; i++) {
		snprintf(text, sizeof(text), "198.18.%u.%u", i / 100, 2 * (i % 100) + 1);
		host(&h, text, 10 + i);
		snprintf(text, sizeof(text), "fe80::%x", i + 1);
		host(&h, text, 10 + i);
	}
	settle(&h);
	t0 = now_s();
	CHECK_EQ(group_build(&t, &cfg, &h), 0);
	t1 = now_s();
	for (unsigned int i = 0; i < 10000; i++) {
		uint8_t a[16] = { 198, 18, (uint8_t)(i / 100), (uint8_t)(2 * (i % 100) + 1) };

		wrong += group_classify(&t, 4, a) != TG_G_HOST;
		a[3]++;
		wrong += group_classify(&t, 4, a) != TG_G_PUBLIC;
	}
	t2 = now_s();
	CHECK_EQ(wrong, 0);
	for (size_t i = t.span[0].full; i < t.span[0].end; i++)
		wrong += t.e[i].group != TG_G_HOST;
	CHECK_EQ(wrong, 1 + 4); /* the gateway, the metadata /32s */
	CHECK_EQ(t.span[0].end - t.span[0].full, 10000 + 1 + 4);
	printf("  .. 10 000 host addresses: %zu entries, built in %.1f ms, "
	       "%.2f us per lookup\n",
	       t.n, (t1 - t0) * 1e3, (t2 - t1) * 1e6 / 20000);
	group_free(&t);
	hostaddr_close(&h);
}

/* group_refresh() rebuilds the table in place and says whether it
 * changed (the caller then recompiles the policy, polset_regroup()). */
static void refresh_table(void)
{
	struct group_table t = { 0 };
	struct hostaddr h;
	uint8_t a[16];

	make_hosts(&h);
	CHECK_EQ(group_build(&t, &cfg, &h), 0);
	CHECK_EQ(group_refresh(&t, &cfg, &h), 0); /* nothing changed */
	for (size_t i = 0; i < h.n; i++)
		if (!memcmp(h.a[i].addr, tb_addr(a, "203.0.113.7"), 16))
			memset(h.a[i].addr, 0, 16); /* 0.0.0.0: covered by loopback */
	host(&h, "198.51.100.77", 7);
	settle(&h);
	CHECK_EQ(group_refresh(&t, &cfg, &h), 1);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "198.51.100.77")), TG_G_HOST);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "203.0.113.7")), TG_G_PUBLIC);
	group_free(&t);
	hostaddr_close(&h);
}

/* Under a policy file every host address gets its entry: the file may
 * allow group:private and not the host, and the host's 10.x address must
 * stay the host's. */
static void policy_file_keeps_host_entries(void)
{
	struct config c = cfg;
	struct group_table t = { 0 };
	struct hostaddr h;
	uint8_t a[16];

	make_hosts(&h);
	host(&h, "10.9.8.7", 7);
	settle(&h);
	CHECK_EQ(group_build(&t, &c, &h), 0);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "10.9.8.7")), TG_G_PRIVATE); /* --allow public */
	group_free(&t);
	snprintf(c.policy_path, sizeof(c.policy_path), "%s", "p.json");
	CHECK_EQ(group_build(&t, &c, &h), 0);
	CHECK_EQ(group_classify(&t, 4, tb_addr(a, "10.9.8.7")), TG_G_HOST);
	group_free(&t);
	hostaddr_close(&h);
}

int main(void)
{
	int err;

	config_defaults(&cfg);
	make_hosts(&hosts);
	err = group_build(&table, &cfg, &hosts);
	case_begin("group_build");
	CHECK_EQ(err, 0);
	case_end();
	if (err)
		return check_summary();

	run_cases();
	RUN(live_host_addresses);
	RUN(custom_gateway);
	RUN(table_shape);
	RUN(classify_matches_scan);
	RUN(embed_lengths);
	RUN(teredo_entry);
	RUN(teredo_by_allow);
	RUN(covered_hosts_no_entries);
	allow_decides_host_entries();
	RUN(ten_thousand_hosts);
	RUN(refresh_table);
	RUN(policy_file_keeps_host_entries);
	RUN(allowed_public_only);
	RUN(allowed_gateway_needs_host);
	RUN(allowed_all);
	group_free(&table);
	hostaddr_close(&hosts);
	return check_summary();
}
