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

/* The IPv4 address embedded in an IPv4-mapped / NAT64 / 6to4 address. */
static bool embedded4(const uint8_t a[16], uint8_t v4[4])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) {
		memcpy(v4, a + 12, 4);
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
	{ "::2", TG_G_PUBLIC },
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

static void table_shape(void)
{
	CHECK(table.n > 0);
	CHECK(table.n <= table.cap);
	for (size_t i = 0; i < table.n; i++) {
		CHECK(table.e[i].family == 4 || table.e[i].family == 6);
		CHECK(table.e[i].len <= (table.e[i].family == 4 ? 32 : 128));
		CHECK(table.e[i].group < TG_G_MAX);
	}
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
	RUN(allowed_public_only);
	RUN(allowed_gateway_needs_host);
	RUN(allowed_all);
	group_free(&table);
	return check_summary();
}
