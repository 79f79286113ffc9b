// SPDX-License-Identifier: MIT
/*
 * group.c - classify destinations into groups (see group.h).
 *
 * Special addresses that reach the host itself are the dangerous ones:
 * 0.0.0.0/8 and :: connect to the local host on Linux, so they are
 * loopback; every address the host owns is "host" (otherwise a guest
 * reaches host services through the host's external address), as the
 * kernel reports them now (hostaddr.c; group_refresh() follows changes).
 * IPv6 forms that embed IPv4 (mapped, compatible, NAT64, 6to4) are
 * classified by the IPv4 inside: each IPv4 prefix is entered again in
 * each embedded form.
 * Teredo cannot be: its client address sits inverted behind 32 bits of
 * flags and port, so no prefix holds it; its one entry is classified by
 * code (group_classify()), from both IPv4 addresses it carries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/group.h"
#include "control/hostaddr.h"
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
	{ "168.63.129.16", 32, TG_G_METADATA },	  /* Azure (wire server, DNS) */
	{ "100.100.100.200", 32, TG_G_METADATA }, /* Alibaba Cloud */
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

/*
 * IPv6 prefixes that carry an IPv4 address: @at says where each of its four
 * bytes goes. RFC 6052's /48 layout skips byte 8 (the "u" octet, zero), so
 * an IPv4 /L becomes a /(48 + L) up to L = 16, then a /(56 + L).
 */
static const struct {
	const char *prefix;
	uint8_t at[4];
} embeds[] = {
	{ "::ffff:0:0", { 12, 13, 14, 15 } }, /* IPv4-mapped */
	{ "::", { 12, 13, 14, 15 } },	      /* IPv4-compatible (deprecated, still routed) */
	{ "64:ff9b::", { 12, 13, 14, 15 } },  /* NAT64, well-known prefix */
	{ "64:ff9b:1::", { 6, 7, 9, 10 } },   /* NAT64, local-use prefix (RFC 8215), as a /48 */
	{ "2002::", { 2, 3, 4, 5 } },	      /* 6to4 */
};

/* Teredo (RFC 4380): 2001:0::/32, server IPv4 in bits 32-63, the client's
 * inverted in bits 96-127. */
#define TEREDO_PREFIX "2001::"
#define TEREDO_LEN    32

static int add(struct group_table *t, int family, const void *addr, unsigned int len, int group,
	       bool by_code)
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
	e->by_code = by_code;
	memcpy(e->addr, addr, len / 8 + (len % 8 != 0));
	if (len % 8)
		e->addr[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	return 0;
}

/* Entries by prefix: family, length, address. */
static int entry_cmp(const struct group_entry *a, const struct group_entry *b)
{
	if (a->family != b->family)
		return a->family - b->family;
	if (a->len != b->len)
		return a->len - b->len;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Positions in the table, by prefix, then in the order added. */
static int position_cmp(const void *pa, const void *pb, void *arg)
{
	const struct group_entry *e = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int r = entry_cmp(&e[a], &e[b]);

	return r ? r : (a > b) - (a < b);
}

/*
 * Sort the table by prefix, keep the entry added last of each prefix (the
 * XDP maps would keep that one too), and note where each family's short
 * prefixes and its full-length ones (host addresses) lie, so that
 * group_classify() can search the many full-length ones by bisection.
 */
static int group_index(struct group_table *t)
{
	uint32_t *pos = malloc((t->n ? t->n : 1) * sizeof(*pos));
	struct group_entry *e = malloc((t->n ? t->n : 1) * sizeof(*e));
	size_t n = 0;

	if (!pos || !e) {
		free(pos);
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		pos[i] = (uint32_t)i;
	qsort_r(pos, t->n, sizeof(*pos), position_cmp, t->e);
	for (size_t i = 0; i < t->n; i++)
		if (i + 1 == t->n || entry_cmp(&t->e[pos[i]], &t->e[pos[i + 1]]))
			e[n++] = t->e[pos[i]];
	free(pos);
	free(t->e);
	t->e = e;
	t->n = t->cap = n;
	for (int f = 0; f < 2; f++) {
		struct group_span *sp = &t->span[f];
		uint8_t family = f ? 6 : 4, full = f ? 128 : 32;

		sp->first = f ? t->span[0].end : 0;
		for (sp->full = sp->first;
		     sp->full < n && e[sp->full].family == family && e[sp->full].len < full;
		     sp->full++)
			;
		for (sp->end = sp->full; sp->end < n && e[sp->end].family == family; sp->end++)
			;
	}
	return 0;
}

/* The IPv4 prefix @v4/@len in embedded form @i: its address in @out, its
 * length returned. */
static unsigned int embed4(uint8_t out[16], size_t i, const uint8_t v4[4], unsigned int len)
{
	const uint8_t *at = embeds[i].at;

	inet_pton(AF_INET6, embeds[i].prefix, out);
	for (int b = 0; b < 4; b++)
		out[at[b]] = v4[b];
	if (!len)
		return at[0] * 8u;
	return at[(len - 1) / 8] * 8u + (len - 1) % 8 + 1;
}

static int add4(struct group_table *t, const uint8_t a[4], unsigned int len, int group)
{
	int err = add(t, 4, a, len, group, false);

	for (size_t i = 0; !err && i < sizeof(embeds) / sizeof(embeds[0]); i++) {
		uint8_t v6[16];
		unsigned int len6 = embed4(v6, i, a, len);

		err = add(t, 6, v6, len6, group, false);
	}
	return err;
}

/*
 * The host's addresses, as "host". Under --allow (@skip_covered), an
 * address a non-public group already covers gets no entry of its own where
 * --allow decides for that group as for "host" (loopback, the fe80:: of
 * every veth, a 10.x address while neither private nor host is allowed):
 * the verdict is the same, and a host with 1000 veths does not fill the
 * maps with 1000 link-local /128s. A policy file may allow a group and not
 * the host, so then every address gets its entry.
 * Called on an indexed table, whose lookups do not see what this adds.
 */
static int add_hosts(struct group_table *t, const struct hostaddr *h, bool skip_covered)
{
	bool host_allowed = group_allowed(t->allow, TG_G_HOST);
	int err = 0;

	for (size_t i = 0; h && !err && i < h->n; i++) {
		const struct hostaddr_entry *e = &h->a[i];
		int covered;

		if (i && e->family == h->a[i - 1].family && !memcmp(e->addr, h->a[i - 1].addr, 16))
			continue; /* the same address on another device */
		covered = group_classify(t, e->family, e->addr);
		if (skip_covered && covered != TG_G_PUBLIC &&
		    group_allowed(t->allow, covered) == host_allowed)
			continue;
		if (e->family == 4)
			err = add4(t, e->addr, 32, TG_G_HOST);
		else
			err = add(t, 6, e->addr, 128, TG_G_HOST, false);
	}
	return err;
}

/**
 * group_build() - Build the prefix table for a sandbox
 * @t:     zeroed table
 * @cfg:   configuration (gateway addresses; --allow, which decides which
 *         host addresses need entries, and between the two groups a
 *         Teredo address carries)
 * @hosts: the host's addresses (hostaddr.c), or NULL for none
 *
 * On equal prefixes the one added last is kept, so the gateway stays the
 * gateway even when a host device happens to own its address.
 *
 * Return: 0 or -ENOMEM
 */
int group_build(struct group_table *t, const struct config *cfg, const struct hostaddr *hosts)
{
	uint8_t a[16];
	int err = 0;

	t->allow = cfg->allow;
	for (size_t i = 0; !err && i < sizeof(ranges4) / sizeof(ranges4[0]); i++) {
		inet_pton(AF_INET, ranges4[i].prefix, a);
		err = add4(t, a, ranges4[i].len, ranges4[i].group);
	}
	for (size_t i = 0; !err && i < sizeof(ranges6) / sizeof(ranges6[0]); i++) {
		inet_pton(AF_INET6, ranges6[i].prefix, a);
		err = add(t, 6, a, ranges6[i].len, ranges6[i].group, false);
	}
	/* Public is what the XDP maps hold for it: user space narrows it. */
	inet_pton(AF_INET6, TEREDO_PREFIX, a);
	if (!err)
		err = add(t, 6, a, TEREDO_LEN, TG_G_PUBLIC, true);
	if (!err)
		err = group_index(t);
	if (!err)
		err = add_hosts(t, hosts, !cfg->policy_path[0] && !cfg->floor_path[0]);
	if (!err)
		err = add4(t, (const uint8_t *)&cfg->gw_ip4, 32, TG_G_GATEWAY);
	if (!err)
		err = add(t, 6, cfg->gw_ip6, 128, TG_G_GATEWAY, false);
	return err ?: group_index(t);
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

/* How near the host a group leads, for picking the more restricted of two
 * that --allow treats alike. */
static const uint8_t nearness[TG_G_MAX] = {
	[TG_G_PUBLIC] = 0,   [TG_G_MULTICAST] = 1, [TG_G_PRIVATE] = 2, [TG_G_LINKLOCAL] = 3,
	[TG_G_METADATA] = 4, [TG_G_GATEWAY] = 5,   [TG_G_HOST] = 6,    [TG_G_LOOPBACK] = 7,
};

/* The more restricted of @a and @b: public only when both are; else the
 * one --allow denies; else the one nearer the host. */
static int restricted(uint32_t allow, int a, int b)
{
	if (a == TG_G_PUBLIC || b == TG_G_PUBLIC)
		return a == TG_G_PUBLIC ? b : a;
	if (group_allowed(allow, a) != group_allowed(allow, b))
		return group_allowed(allow, a) ? b : a;
	return nearness[a] >= nearness[b] ? a : b;
}

/* A Teredo address: the more restricted group of its server and client. */
static int classify_teredo(const struct group_table *t, const uint8_t a[16])
{
	uint8_t client[4];

	for (int i = 0; i < 4; i++)
		client[i] = (uint8_t)~a[12 + i];
	return restricted(t->allow, group_classify(t, 4, a + 4), group_classify(t, 4, client));
}

static const struct group_entry *lookup(const struct group_table *t, int family,
					const uint8_t *addr)
{
	const struct group_span *sp = &t->span[family == 6];
	size_t lo = sp->full, hi = sp->end, alen = family == 6 ? 16 : 4;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(addr, t->e[mid].addr, alen);

		if (!r)
			return &t->e[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* Shorter prefixes by length: the first match from the end wins. */
	for (size_t i = sp->full; i-- > sp->first;)
		if (prefix_match(addr, t->e[i].addr, t->e[i].len))
			return &t->e[i];
	return NULL;
}

/**
 * group_classify() - Group of an address, by longest matching prefix
 * @t:      table from group_build()
 * @family: 4 or 6
 * @addr:   4 or 16 bytes, network order
 *
 * A full-length prefix (a host address, the gateway) is found by
 * bisection, the few shorter ones by a scan. An entry marked by_code
 * (Teredo) is classified by the addresses inside.
 *
 * Return: an enum tg_group (TG_G_PUBLIC when nothing matches)
 */
int group_classify(const struct group_table *t, int family, const uint8_t *addr)
{
	const struct group_entry *e = family == 4 || family == 6 ? lookup(t, family, addr) : NULL;

	if (!e)
		return TG_G_PUBLIC;
	return e->by_code ? classify_teredo(t, addr) : e->group;
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
/**
 * group_refresh() - Rebuild the table for the host's addresses now
 * @t:     the table in use (its address stays: the routers keep it)
 * @cfg:   configuration, as for group_build()
 * @hosts: the host's addresses
 *
 * The one place that changes the groups after start; the caller then
 * recompiles the policy (polset_regroup()). Event-loop thread.
 *
 * Return: 1 when the table changed, 0 when not, or -ENOMEM with @t as it
 * was
 */
int group_refresh(struct group_table *t, const struct config *cfg, const struct hostaddr *hosts)
{
	struct group_table nt = { 0 };
	int err = group_build(&nt, cfg, hosts);
	bool same;

	if (err) {
		log_err("cannot rebuild the groups for the host's addresses: %s; the previous "
			"table stays",
			strerror(-err));
		group_free(&nt);
		return err;
	}
	same = nt.n == t->n && !memcmp(nt.e, t->e, nt.n * sizeof(*nt.e));
	group_free(t);
	*t = nt;
	return !same;
}
