// SPDX-License-Identifier: MIT
/*
 * poleval.c - what one policy layer says about a flow (policy.h).
 *
 * The same predicates serve the compiler (polcompile.c), which asks them
 * per address region instead of per address: a rule's traffic part
 * (direction, protocol, port) is pol_rule_traffic() on both sides, so the
 * XDP program and user space cannot disagree about it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"

uint8_t pol_proto_bit(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return TG_PP_TCP;
	case IPPROTO_UDP:
		return TG_PP_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return TG_PP_ICMP;
	default:
		return 0;
	}
}

/**
 * pol_rule_traffic() - Whether a rule's direction, protocols and ports match
 * @r:    the rule
 * @dir:  POL_EGRESS or POL_INGRESS
 * @pbit: the flow's TG_PP_* bit
 * @port: its destination port, -1 for none (ICMP)
 *
 * A rule with ports never matches traffic without one.
 */
bool pol_rule_traffic(const struct pol_rule *r, uint8_t dir, uint8_t pbit, int port)
{
	if (!(r->dir & dir) || !(r->protos & pbit))
		return false;
	if (!r->nports)
		return true;
	for (unsigned int i = 0; port >= 0 && i < r->nports; i++)
		if (port >= r->ports[i].lo && port <= r->ports[i].hi)
			return true;
	return false;
}

/* "host" covers the gateway, which stands for the host. */
bool pol_group_matches(uint8_t rule_group, uint8_t group)
{
	if (group == TG_G_GATEWAY)
		group = TG_G_HOST;
	return rule_group == group;
}

bool pol_prefix_has(const uint8_t *p, unsigned int len, const uint8_t *a)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, p, bytes))
		return false;
	return !bits || !((a[bytes] ^ p[bytes]) & (uint8_t)(0xff << (8 - bits)));
}

static bool dest_matches(const struct pol_rule *r, const struct pol_flow *f, pol_pinned_fn pinned)
{
	switch (r->dest) {
	case POL_D_ANY:
		return true;
	case POL_D_CIDR:
		return r->family == f->family && pol_prefix_has(r->addr, r->len, f->addr);
	case POL_D_GROUP:
		return pol_group_matches(r->group, f->group);
	case POL_D_DOMAIN:
	case POL_D_SUFFIX:
		return pinned && pinned(f->family, f->addr, r->name, r->dest == POL_D_SUFFIX);
	default:
		return false;
	}
}

/**
 * policy_eval() - The first rule of @p matching a flow
 * @p:      one layer
 * @f:      the flow
 * @pinned: the DNS pins, for domain rules (NULL: they match nothing)
 * @action: set to the rule's action, or the direction's default
 *
 * Return: the rule's index, or -1 when the default decided
 */
int policy_eval(const struct policy *p, const struct pol_flow *f, pol_pinned_fn pinned,
		uint8_t *action)
{
	int port = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP ? f->port : -1;
	uint8_t pbit = pol_proto_bit(f->proto);

	for (unsigned int i = 0; i < p->n; i++) {
		const struct pol_rule *r = &p->rule[i];

		if (pol_rule_traffic(r, f->dir, pbit, port) && dest_matches(r, f, pinned)) {
			*action = r->action;
			return (int)i;
		}
	}
	*action = f->dir == POL_INGRESS ? p->def_ingress : p->def_egress;
	return -1;
}

bool pol_name_under(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n == s)
		return !strcasecmp(name, suffix);
	return n > s && name[n - s - 1] == '.' && !strcasecmp(name + n - s, suffix);
}

/**
 * policy_name_denied() - Whether DNS for @name is refused (NXDOMAIN)
 * @p:    one layer
 * @name: the queried name, no trailing dot
 *
 * A name is denied when the first domain or suffix rule (egress) naming it
 * denies: asking for it could only lead to a flow that rule refuses.
 */
bool policy_name_denied(const struct policy *p, const char *name)
{
	for (unsigned int i = 0; i < p->n; i++) {
		const struct pol_rule *r = &p->rule[i];
		bool hit = r->dest == POL_D_DOMAIN   ? !strcasecmp(name, r->name)
			   : r->dest == POL_D_SUFFIX ? pol_name_under(name, r->name)
						     : false;

		if (hit && (r->dir & POL_EGRESS))
			return r->action == TG_ACT_DENY;
	}
	return false;
}

/* Published ports under --allow take peers on this host only: its
 * loopback and its own addresses. A policy file's ingress rules say more. */
static unsigned int ingress_from_host(struct pol_rule *r)
{
	static const uint8_t groups[] = { TG_G_LOOPBACK, TG_G_HOST };

	for (unsigned int i = 0; i < sizeof(groups); i++)
		r[i] = (struct pol_rule){ .dir = POL_INGRESS,
					  .dest = POL_D_GROUP,
					  .group = groups[i],
					  .protos = TG_PP_ALL,
					  .action = TG_ACT_ALLOW };
	return sizeof(groups);
}

/**
 * policy_from_allow() - The policy `--allow GROUPS` stands for
 * @p:     set
 * @allow: bit per enum tg_group
 *
 * Egress to the groups allowed, ingress (published ports) from this host.
 *
 * Return: 0 or -ENOMEM
 */
int policy_from_allow(struct policy *p, uint32_t allow)
{
	unsigned int n = 0;

	memset(p, 0, sizeof(*p));
	p->rule = calloc(TG_G_MAX + 2, sizeof(*p->rule));
	if (!p->rule)
		return -ENOMEM;
	for (unsigned int g = 0; g < TG_G_MAX; g++) {
		struct pol_rule *r = &p->rule[n];

		if (g == TG_G_GATEWAY || !(allow & (1u << g)))
			continue;
		r->dir = POL_EGRESS;
		r->dest = POL_D_GROUP;
		r->group = (uint8_t)g;
		r->protos = TG_PP_ALL;
		r->action = TG_ACT_ALLOW;
		n++;
	}
	n += ingress_from_host(&p->rule[n]);
	p->n = n;
	p->def_egress = TG_ACT_DENY;
	p->def_ingress = TG_ACT_DENY;
	snprintf(p->origin, sizeof(p->origin), "--allow");
	return 0;
}
