// SPDX-License-Identifier: MIT
/*
 * polshadow.c - warn at load about rules no flow can reach (policy.h).
 *
 * First match wins, so a rule below a broader one is dead: almost always a
 * mistake in the order (a deny under an allow that covers it). Found by
 * containment, rule against each earlier rule; conservative: a rule is
 * called shadowed only when one earlier rule covers all of it.
 */
#include "control/log.h"
#include "policy/policy.h"

static bool ports_within(const struct pol_rule *in, const struct pol_rule *out)
{
	if (!out->nports)
		return true;
	if (!in->nports)
		return false;
	for (unsigned int i = 0; i < in->nports; i++) {
		bool inside = false;

		for (unsigned int o = 0; o < out->nports && !inside; o++)
			inside = in->ports[i].lo >= out->ports[o].lo &&
				 in->ports[i].hi <= out->ports[o].hi;
		if (!inside)
			return false;
	}
	return true;
}

static bool dest_within(const struct pol_rule *in, const struct pol_rule *out)
{
	switch (out->dest) {
	case POL_D_ANY:
		return true;
	case POL_D_CIDR:
		return in->dest == POL_D_CIDR && in->family == out->family && in->len >= out->len &&
		       pol_prefix_has(out->addr, out->len, in->addr);
	case POL_D_GROUP:
		return in->dest == POL_D_GROUP && in->group == out->group;
	case POL_D_DOMAIN:
		return in->dest == POL_D_DOMAIN && pol_name_under(in->name, out->name) &&
		       pol_name_under(out->name, in->name);
	case POL_D_SUFFIX:
		return (in->dest == POL_D_DOMAIN || in->dest == POL_D_SUFFIX) &&
		       pol_name_under(in->name, out->name);
	default:
		return false;
	}
}

/* Whether every flow @in matches is matched by @out. */
static bool covers(const struct pol_rule *out, const struct pol_rule *in)
{
	return (in->dir & out->dir) == in->dir && (in->protos & out->protos) == in->protos &&
	       ports_within(in, out) && dest_within(in, out);
}

/**
 * policy_warn_shadowed() - Log each rule an earlier rule hides
 * @p: a policy
 *
 * Return: the number of shadowed rules
 */
unsigned int policy_warn_shadowed(const struct policy *p)
{
	unsigned int n = 0;

	for (unsigned int j = 1; j < p->n; j++)
		for (unsigned int i = 0; i < j; i++)
			if (covers(&p->rule[i], &p->rule[j])) {
				log_warn("%s:%u: rule %u is never reached: rule %u (line %u) "
					 "matches everything it does; move it up or drop it",
					 p->origin, p->rule[j].line, j, i, p->rule[i].line);
				n++;
				break;
			}
	return n;
}
