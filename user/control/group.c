// SPDX-License-Identifier: MIT
/*
 * group.c - classify destinations into groups (see group.h).
 *
 * Special addresses that reach the host itself are the dangerous ones:
 * 0.0.0.0/8 and :: connect to the local host on Linux, so they are
 * loopback; every address the host owns is "host" (otherwise a guest
 * reaches host services through the host's external address). IPv6 forms
 * that embed IPv4 (mapped, NAT64, 6to4) are classified by the IPv4 inside:
 * each IPv4 prefix is entered a second time in each embedded form.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/group.h"
#include "control/log.h"
#include "steer.h"

struct range {
	const char *prefix;
	uint8_t len;
	uint8_t group;
};

static const struct range ranges4[] = {
	{ "0.0.0.0", 8, TG_G_LOOPBACK }, /* connect(0.0.0.0) reaches the host */
	{ "127.0.0.0", 8, TG_G_LOOPBACK },
	{ "10.0.0.0", 8, TG_G_PRIVATE },
	{ "172.16.0.0", 12, TG_G_PRIVATE },
	{ "192.168.0.0", 16, TG_G_PRIVATE },
	{ "100.64.0.0", 10, TG_G_PRIVATE },
	{ "169.254.0.0", 16, TG_G_LINKLOCAL },
	{ "169.254.169.254", 32, TG_G_METADATA },
	{ "169.254.170.2", 32, TG_G_METADATA },
	{ "224.0.0.0", 4, TG_G_MULTICAST },
	{ "240.0.0.0", 4, TG_G_MULTICAST }, /* class E and broadcast: never unicast */
};

static const struct range ranges6[] = {
	{ "::", 128, TG_G_LOOPBACK },
	{ "::1", 128, TG_G_LOOPBACK },
	{ "fc00::", 7, TG_G_PRIVATE },
	{ "fe80::", 10, TG_G_LINKLOCAL },
	{ "fd00:ec2::254", 128, TG_G_METADATA },
	{ "ff00::", 8, TG_G_MULTICAST },
};

/* IPv6 prefixes that carry an IPv4 address at a fixed bit offset. */
static const struct {
	const char *prefix;
	uint8_t len; /* bits before the IPv4 address */
} embeds[] = { { "::ffff:0:0", 96 }, { "64:ff9b::", 96 }, { "2002::", 16 } };

static int add(struct group_table *t, int family, const void *addr, unsigned int len, int group)
{
	struct group_entry *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->e, cap * sizeof(*t->e));

		if (!p)
			return -ENOMEM;
		t->e = p;
		t->cap = cap;
	}
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->family = (uint8_t)family;
	e->len = (uint8_t)len;
	e->group = (uint8_t)group;
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	return 0;
}

/* Put @v4 into the IPv6 @base at bit @off (a multiple of 8). */
static void embed4(uint8_t out[16], const uint8_t base[16], unsigned int off, const uint8_t v4[4])
{
	memcpy(out, base, 16);
	memcpy(out + off / 8, v4, 4);
}

static int add4(struct group_table *t, const uint8_t a[4], unsigned int len, int group)
{
	int err = add(t, 4, a, len, group);

	for (size_t i = 0; !err && i < sizeof(embeds) / sizeof(embeds[0]); i++) {
		uint8_t base[16], v6[16];

		inet_pton(AF_INET6, embeds[i].prefix, base);
		embed4(v6, base, embeds[i].len, a);
		err = add(t, 6, v6, embeds[i].len + len, group);
	}
	return err;
}

static int add_host_addrs(struct group_table *t)
{
	struct ifaddrs *ifa, *i;
	int err = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && !err; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			err = add4(t, (uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr, 32,
				   TG_G_HOST);
		else if (i->ifa_addr->sa_family == AF_INET6)
			err = add(t, 6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 128,
				  TG_G_HOST);
	}
	freeifaddrs(ifa);
	return err;
}

/**
 * group_build() - Build the prefix table for a sandbox
 * @t:   zeroed table
 * @cfg: configuration (gateway addresses)
 *
 * Return: 0 or -ENOMEM
 */
int group_build(struct group_table *t, const struct config *cfg)
{
	uint8_t a[16];
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(ranges4) / sizeof(ranges4[0]); i++) {
		inet_pton(AF_INET, ranges4[i].prefix, a);
		err = add4(t, a, ranges4[i].len, ranges4[i].group);
	}
	for (size_t i = 0; !err && i < sizeof(ranges6) / sizeof(ranges6[0]); i++) {
		inet_pton(AF_INET6, ranges6[i].prefix, a);
		err = add(t, 6, a, ranges6[i].len, ranges6[i].group);
	}
	if (!err)
		err = add_host_addrs(t);
	if (!err)
		err = add4(t, (const uint8_t *)&cfg->gw_ip4, 32, TG_G_GATEWAY);
	if (!err)
		err = add(t, 6, cfg->gw_ip6, 128, TG_G_GATEWAY);
	return err;
}

void group_free(struct group_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes))
		return false;
	if (!bits)
		return true;
	return ((a[bytes] ^ p[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

/**
 * group_classify() - Group of an address, by longest matching prefix
 * @t:      table from group_build()
 * @family: 4 or 6
 * @addr:   4 or 16 bytes, network order
 *
 * On equal prefixes the later entry wins, so the gateway (added last)
 * stays the gateway even when a host device happens to own its address.
 *
 * Return: an enum tg_group (TG_G_PUBLIC when nothing matches)
 */
int group_classify(const struct group_table *t, int family, const uint8_t *addr)
{
	int best = -1, group = TG_G_PUBLIC;

	for (size_t i = 0; i < t->n; i++) {
		const struct group_entry *e = &t->e[i];

		if (e->family == family && e->len >= best && prefix_match(addr, e->addr, e->len)) {
			best = e->len;
			group = e->group;
		}
	}
	return group;
}

/**
 * group_allowed() - Whether traffic to @group may pass
 * @allow: the --allow bit set
 * @group: enum tg_group
 *
 * The gateway stands for the host: reaching it needs "host".
 */
bool group_allowed(uint32_t allow, int group)
{
	if (group == TG_G_GATEWAY)
		group = TG_G_HOST;
	return allow & (1u << group);
}
