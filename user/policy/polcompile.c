// SPDX-License-Identifier: MIT
/*
 * polcompile.c - compile the policy's address, protocol and port part for
 * the XDP program (the layout is in include/steer.h).
 *
 * Regions: every prefix a group or a CIDR rule names, plus /0. Prefixes
 * nest or are disjoint, so an address's longest match P is its region, and
 * everything a rule's destination asks of an address is the same across
 * P's region: a CIDR rule contains all of it or none (a longer rule prefix
 * inside P is a region of its own), and its group is that of the longest
 * group prefix containing P. So each region gets one chain per layer, built
 * with the same predicates user space decides by (poleval.c). A domain
 * rule may match any address, so in a chain it becomes "user space
 * decides" (TG_ACT_USER) for its protocols and ports; the XDP program only
 * drops what is surely denied.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/group.h"
#include "policy/polcompile.h"

struct pfx {
	uint8_t addr[16];
	uint8_t len;
};

struct chains {
	struct tg_pentry e[TG_PCHAIN_MAX];
	uint32_t n;
	uint32_t start[TG_PCHAIN_MAX], len[TG_PCHAIN_MAX]; /* distinct chains */
	uint32_t nchains;
};

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;

	return x->len != y->len ? x->len - y->len : memcmp(x->addr, y->addr, 16);
}

/* The prefixes of @family: /0, the groups', the layers' CIDR rules. */
static struct pfx *collect(const struct group_table *g, const struct policy *layer, int family,
			   size_t *count)
{
	size_t cap = 1 + g->n, n = 0;
	struct pfx *p;

	for (int l = 0; l < TG_L_MAX; l++)
		cap += layer[l].n;
	p = calloc(cap, sizeof(*p));
	if (!p)
		return NULL;
	n++; /* /0 */
	for (size_t i = 0; i < g->n; i++)
		if (g->e[i].family == family) {
			memcpy(p[n].addr, g->e[i].addr, 16);
			p[n++].len = g->e[i].len;
		}
	for (int l = 0; l < TG_L_MAX; l++)
		for (unsigned int i = 0; i < layer[l].n; i++) {
			const struct pol_rule *r = &layer[l].rule[i];

			if (r->dest == POL_D_CIDR && r->family == family) {
				memcpy(p[n].addr, r->addr, 16);
				p[n++].len = r->len;
			}
		}
	qsort(p, n, sizeof(*p), pfx_cmp);
	*count = 0;
	for (size_t i = 0; i < n; i++)
		if (!*count || pfx_cmp(&p[*count - 1], &p[i]))
			p[(*count)++] = p[i];
	return p;
}

/* The group of a region: its longest containing group prefix; on equal
 * prefixes the later entry wins, as in group_classify(). */
static uint8_t region_group(const struct group_table *g, int family, const struct pfx *p)
{
	int best = -1;
	uint8_t group = TG_G_PUBLIC;

	/* A full-length region is one address: its group is the lookup's,
	 * which bisects the host addresses instead of scanning them all. */
	if (p->len == (family == 4 ? 32 : 128))
		return (uint8_t)group_classify(g, family, p->addr);
	for (size_t i = 0; i < g->n; i++) {
		const struct group_entry *e = &g->e[i];

		if (e->family == family && e->len <= p->len && e->len >= best &&
		    pol_prefix_has(e->addr, e->len, p->addr)) {
			best = e->len;
			group = e->group;
		}
	}
	return group;
}

/* Whether rule @r's destination matches all of the region (1), none (0),
 * or it is for user space to say (2: a domain rule). */
static int dest_on_region(const struct pol_rule *r, int family, const struct pfx *p, uint8_t group)
{
	switch (r->dest) {
	case POL_D_ANY:
		return 1;
	case POL_D_CIDR:
		return r->family == family && r->len <= p->len &&
		       pol_prefix_has(r->addr, r->len, p->addr);
	case POL_D_GROUP:
		return pol_group_matches(r->group, group);
	default:
		return 2;
	}
}

static void push1(struct tg_pentry *c, unsigned int *n, uint16_t lo, uint16_t hi, uint16_t hit,
		  uint8_t protos, uint8_t action)
{
	if (protos && *n < TG_PCHAIN_WALK + 2 * POL_PORTS_MAX)
		c[(*n)++] = (struct tg_pentry){
			.port_lo = lo, .port_hi = hi, .hit = hit, .protos = protos, .action = action
		};
}

/* A deny under icmp_prohibited: TCP still dies in XDP (user space resets
 * the SYNs it is shown), UDP and ICMP go up for their ICMP error. */
static void push(const struct policy *p, struct tg_pentry *c, unsigned int *n, uint16_t lo,
		 uint16_t hi, uint16_t hit, uint8_t protos, uint8_t action)
{
	if (action != TG_ACT_DENY || !p->icmp_prohibited) {
		push1(c, n, lo, hi, hit, protos, action);
		return;
	}
	push1(c, n, lo, hi, hit, protos & TG_PP_TCP, TG_ACT_DENY);
	push1(c, n, lo, hi, hit, protos & (TG_PP_UDP | TG_PP_ICMP), TG_ACT_USER);
}

/* One layer's chain for a region, into @c; returns its length. */
static unsigned int chain_for(const struct policy *p, int layer, uint32_t gen, int family,
			      const struct pfx *pf, uint8_t group, struct tg_pentry *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->n && n < TG_PCHAIN_WALK; i++) {
		const struct pol_rule *r = &p->rule[i];
		uint16_t hit = (uint16_t)TG_PHIT(gen, layer, i);
		int m = dest_on_region(r, family, pf, group);
		uint8_t act = m == 2 ? TG_ACT_USER : r->action;

		if (!(r->dir & POL_EGRESS) || !m)
			continue;
		if (!r->nports && r->protos == TG_PP_ALL && act != TG_ACT_USER) {
			push(p, c, &n, 0, 0xffff, hit, TG_PP_ALL, act);
			return n; /* nothing below it is reached */
		}
		for (unsigned int k = 0; k < (r->nports ? r->nports : 1); k++)
			push(p, c, &n, r->nports ? r->ports[k].lo : 0,
			     r->nports ? r->ports[k].hi : 0xffff, hit, r->protos, act);
	}
	if (n >= TG_PCHAIN_WALK) {
		n = TG_PCHAIN_WALK - 1; /* the rest is for user space to walk */
		push1(c, &n, 0, 0xffff, (uint16_t)TG_PHIT(gen, layer, TG_PRULES_MAX), TG_PP_ALL,
		      TG_ACT_USER);
		return n;
	}
	push(p, c, &n, 0, 0xffff, (uint16_t)TG_PHIT(gen, layer, TG_PRULES_MAX), TG_PP_ALL,
	     p->def_egress);
	return n;
}

/* The index of @c (length @n) in @ch, added when new; -ENOSPC when full. */
static int64_t intern(struct chains *ch, const struct tg_pentry *c, unsigned int n)
{
	for (uint32_t i = 0; i < ch->nchains; i++)
		if (ch->len[i] == n && !memcmp(&ch->e[ch->start[i]], c, n * sizeof(*c)))
			return ch->start[i];
	if (ch->n + n > TG_PCHAIN_MAX || ch->nchains == TG_PCHAIN_MAX)
		return -ENOSPC;
	memcpy(&ch->e[ch->n], c, n * sizeof(*c));
	ch->start[ch->nchains] = ch->n;
	ch->len[ch->nchains++] = n;
	ch->n += n;
	return ch->start[ch->nchains - 1];
}

static int put_region(int fd, int family, uint32_t gen, const struct pfx *p,
		      const struct tg_region *v)
{
	if (family == 4) {
		struct tg_lpm4 k = { .prefixlen = TG_LPM_GEN_BITS + p->len, .gen = (uint8_t)gen };

		memcpy(k.addr, p->addr, 4);
		return bpf_map_update_elem(fd, &k, v, BPF_ANY) ? -errno : 0;
	}
	struct tg_lpm6 k = { .prefixlen = TG_LPM_GEN_BITS + p->len, .gen = (uint8_t)gen };

	memcpy(k.addr, p->addr, 16);
	return bpf_map_update_elem(fd, &k, v, BPF_ANY) ? -errno : 0;
}

static int family_regions(const struct polcompile_in *in, int family, int fd, struct chains *ch,
			  size_t *regions)
{
	struct tg_pentry c[TG_PCHAIN_WALK + 2 * POL_PORTS_MAX];
	size_t n = 0;
	struct pfx *p = collect(in->groups, in->layer, family, &n);
	int err = p ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++) {
		struct tg_region v = { .group = region_group(in->groups, family, &p[i]) };

		for (int l = 0; !err && l < TG_L_MAX; l++) {
			unsigned int len =
				chain_for(&in->layer[l], l, in->gen, family, &p[i], v.group, c);
			int64_t at = intern(ch, c, len);

			if (at < 0)
				err = (int)at;
			else
				v.chain[l] = in->gen * TG_PCHAIN_MAX + (uint32_t)at;
		}
		if (!err)
			err = put_region(fd, family, in->gen, &p[i], &v);
	}
	*regions += n;
	free(p);
	return err;
}

/**
 * polcompile_write() - Write a policy into generation @in->gen of the maps
 * @in:  the layers, the groups, the generation (0 or 1)
 * @fd:  the maps: TG_MAP_POLICY4, TG_MAP_POLICY6, TG_MAP_PCHAIN
 * @out: set to what was written (regions, entries)
 *
 * The program does not read that generation until the caller flips
 * tg_pol_gen; the caller then sweeps the other one (polcompile_sweep()).
 *
 * Return: 0, -ENOMEM, -ENOSPC (the policy does not fit the kernel tables)
 * or a bpf errno
 */
int polcompile_write(const struct polcompile_in *in, const struct polcompile_fds *fd,
		     struct polcompile_out *out)
{
	struct chains *ch = calloc(1, sizeof(*ch));
	int err = ch ? 0 : -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!err)
		err = family_regions(in, 4, fd->pol4, ch, &out->regions);
	if (!err)
		err = family_regions(in, 6, fd->pol6, ch, &out->regions);
	for (uint32_t i = 0; !err && i < ch->n; i++) {
		uint32_t k = in->gen * TG_PCHAIN_MAX + i;

		if (bpf_map_update_elem(fd->chain, &k, &ch->e[i], BPF_ANY))
			err = -errno;
	}
	if (ch)
		out->entries = ch->n;
	free(ch);
	return err;
}

/* Delete every key of @fd whose generation is not @keep. */
static int sweep_map(int fd, size_t ksize, uint32_t keep)
{
	uint8_t key[sizeof(struct tg_lpm6)], next[sizeof(struct tg_lpm6)];
	uint8_t *stale = NULL;
	size_t n = 0, cap = 0;
	int err = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksize);
		prev = key;
		if (key[offsetof(struct tg_lpm4, gen)] == keep)
			continue;
		if (n == cap) {
			void *p = realloc(stale, (cap = cap ? cap * 2 : 256) * ksize);

			if (!p) {
				free(stale);
				return -ENOMEM;
			}
			stale = p;
		}
		memcpy(stale + n++ * ksize, key, ksize);
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, stale + i * ksize) && errno != ENOENT)
			err = -errno;
	free(stale);
	return err;
}

/**
 * polcompile_sweep() - Remove the regions of every generation but @keep
 * @fd:   the maps
 * @keep: the generation in force
 *
 * Return: 0 or a negative errno
 */
int polcompile_sweep(const struct polcompile_fds *fd, uint32_t keep)
{
	int err = sweep_map(fd->pol4, sizeof(struct tg_lpm4), keep);

	return err ?: sweep_map(fd->pol6, sizeof(struct tg_lpm6), keep);
}
