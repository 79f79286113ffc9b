// SPDX-License-Identifier: MIT
/*
 * route.c - where a guest flow may go (route.h).
 *
 * The rules, in the order they apply: DNS (TCP or UDP to port 53) is the
 * interceptor's, since it goes to the configured upstreams and never to
 * the address: to the gateway always, to another resolver where the policy
 * lets the guest reach it; an echo request to the gateway is answered by
 * tapgate; everything else needs
 * both policy layers to allow it (policy/polset.c, with the destination's
 * group from group.c), and UDP to the local-only ports needs
 * --allow-udp-local as well. The gateway stands for the host, so its
 * target is the host's loopback on the same port. Runs on the event-loop
 * thread; reads only the configuration and the groups.
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "control/config.h"
#include "control/group.h"
#include "control/route.h"
#include "policy/polset.h"
#include "steer.h"
#include "wire/slot.h"

/**
 * route_init() - Set up a caller's router
 * @r:      the caller's router
 * @cfg:    configuration (--allow, gateway addresses, --allow-udp-local)
 * @groups: destination groups
 */
void route_init(struct router *r, const struct config *cfg, const struct group_table *groups)
{
	r->cfg = cfg;
	r->groups = groups;
	r->pinned = NULL;
}

static bool is_gateway(const struct config *cfg, const struct tg_addr *a)
{
	if (a->family == 4)
		return !memcmp(a->a, &cfg->gw_ip4, 4);
	return a->family == 6 && !memcmp(a->a, cfg->gw_ip6, 16);
}

/**
 * route_handler() - Which handler serves a flow, before any policy
 * @r: router
 * @k: the flow (ICMP: only echo requests are asked about)
 *
 * Cheap (no group lookup): the poller dispatches every UDP datagram and
 * echo request with it. route_decide() says whether the flow may go.
 *
 * Return: an enum route_handler
 */
enum route_handler route_handler(const struct router *r, const struct flow_key *k)
{
	switch (k->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (k->dport == TG_DNS_PORT)
			return ROUTE_DNS;
		return k->proto == IPPROTO_TCP ? ROUTE_TCP_SPLICE : ROUTE_UDP_RELAY;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return is_gateway(r->cfg, &k->dst) ? ROUTE_GATEWAY : ROUTE_ICMP_RELAY;
	default:
		return ROUTE_NONE;
	}
}

static void pol_flow_of(struct pol_flow *f, const struct flow_key *k, int group)
{
	*f = (struct pol_flow){ .dir = POL_EGRESS,
				.proto = k->proto,
				.family = k->dst.family,
				.group = (uint8_t)group,
				.port = k->dport };
	memcpy(f->addr, k->dst.a, sizeof(f->addr));
}

/* The policy's word on a new flow (counted and, when denied, logged). */
static bool route_allows(const struct router *r, const struct flow_key *k, int group,
			 struct pol_verdict *v)
{
	struct pol_flow f;

	pol_flow_of(&f, k, group);
	return polset_check(&f, r->pinned, v);
}

static void loopback(struct tg_addr *a, int family)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };

	tg_addr_set(a, family, family == 4 ? lo4 : lo6);
}

/**
 * route_decide() - Where a guest flow may go
 * @r:   router
 * @k:   the flow, as the guest sent it
 * @out: set to the handler, the destination's group and the host-side
 *       target (also when the flow is refused, for the caller's message)
 *
 * Return: SLOT_OK when the flow may go; SLOT_DROP_POLICY when the policy
 * refuses it; SLOT_DROP_UNHANDLED when nobody serves it yet
 */
int route_decide(const struct router *r, const struct flow_key *k, struct route *out)
{
	memset(out, 0, sizeof(*out));
	out->handler = route_handler(r, k);
	out->target = k->dst;
	out->port = k->dport;
	out->group = TG_G_PUBLIC;
	if (out->handler == ROUTE_NONE)
		return SLOT_DROP_UNHANDLED;
	if (out->handler == ROUTE_GATEWAY ||
	    (out->handler == ROUTE_DNS && is_gateway(r->cfg, &k->dst)))
		return SLOT_OK; /* served here */
	if (out->handler == ROUTE_DNS) {
		/* Answered here too, but asked of another resolver: only where
		 * the policy lets the guest reach that resolver, or a denied
		 * resolver's address would still carry queries out. */
		out->group = group_classify(r->groups, k->dst.family, k->dst.a);
		return route_allows(r, k, out->group, &out->verdict) ? SLOT_OK : SLOT_DROP_POLICY;
	}
	out->group = group_classify(r->groups, k->dst.family, k->dst.a);
	if (out->group == TG_G_GATEWAY)
		loopback(&out->target, k->dst.family);
	if (!route_allows(r, k, out->group, &out->verdict))
		return SLOT_DROP_POLICY;
	/* Checked here too: reassembled datagrams never met the XDP policy
	 * (nor its ports rule, bpf/steer.bpf.c l4_udp). */
	if (k->proto == IPPROTO_UDP && !r->cfg->udp_local_ports && TG_UDP_LOCAL_PORT(k->dport))
		return SLOT_DROP_POLICY;
	return SLOT_OK;
}

/**
 * route_slot() - A staged frame's flow key and route, for one handler
 * @r:     the caller's router
 * @s:     the staged frame
 * @want:  the handler the caller is
 * @wrong: the drop reason when the route names another handler
 * @k:     set to the frame's flow key
 * @out:   set to its route
 *
 * Return: SLOT_OK when the flow may go and @want serves it; else the
 * verdict of route_decide() or @wrong
 */
int route_slot(const struct router *r, const struct slot *s, enum route_handler want, int wrong,
	       struct flow_key *k, struct route *out)
{
	int verdict;

	flow_key_from_slot(k, s);
	verdict = route_decide(r, k, out);
	if (verdict != SLOT_OK)
		return verdict;
	return out->handler == want ? SLOT_OK : wrong;
}

/**
 * route_alt_target() - The other family's loopback, for a flow to the host
 * @rt:  a route route_decide() allowed
 * @out: set to ::1 for 127.0.0.1 and the other way round
 *
 * The gateway stands for the host on both families; a host service often
 * listens on one only, so a connect the first refuses tries the other.
 *
 * Return: true when @rt goes to the host and @out is set
 */
bool route_alt_target(const struct route *rt, struct tg_addr *out)
{
	if (rt->handler != ROUTE_TCP_SPLICE || rt->group != TG_G_GATEWAY)
		return false;
	loopback(out, rt->target.family == 4 ? 6 : 4);
	return true;
}

/**
 * route_still_allowed() - Whether an open flow may stay after a reload
 * @r: the caller's router
 * @k: the flow, as the guest sent it
 *
 * Flows to the gateway's own services (DNS, echo) always may.
 */
bool route_still_allowed(const struct router *r, const struct flow_key *k)
{
	struct pol_flow f;

	if (is_gateway(r->cfg, &k->dst) && (k->dport == TG_DNS_PORT || k->proto == IPPROTO_ICMP))
		return true;
	pol_flow_of(&f, k, group_classify(r->groups, k->dst.family, k->dst.a));
	return polset_still_allows(&f);
}

/* The server name a TLS connection asked for (route_sni_allowed()): the
 * event loop is one thread, and a pol_pinned_fn has no context pointer. */
static const char *sni_now;

/* Domain rules, seen through the server name: a rule names the flow only
 * when it names @sni and DNS gave this sandbox the flow's address for
 * @sni. */
static bool sni_pinned(int family, const uint8_t *addr, const char *name, bool suffix)
{
	pol_pinned_fn pins = polset_pins();

	if (suffix ? !pol_name_under(sni_now, name) : strcasecmp(sni_now, name))
		return false;
	return pins && pins(family, addr, sni_now, false);
}

/**
 * route_sni_allowed() - Whether a TCP flow may carry TLS for @sni
 * @r:   the caller's router
 * @k:   the flow, which route_decide() allowed when it began
 * @sni: the server name of its ClientHello (lower case)
 *
 * The policy is asked again with the server name standing for the
 * address: a domain rule matches only when it names @sni and @sni is
 * pinned to the flow's address, so a guest that resolved an allowed name
 * cannot ask that address's server for another one. A name the policy
 * denies outright is refused whatever the address.
 */
bool route_sni_allowed(const struct router *r, const struct flow_key *k, const char *sni)
{
	struct pol_verdict v;
	struct pol_flow f;
	bool ok;

	if (polset_name_denied(sni))
		return false;
	pol_flow_of(&f, k, group_classify(r->groups, k->dst.family, k->dst.a));
	sni_now = sni;
	ok = polset_check(&f, sni_pinned, &v);
	sni_now = NULL;
	return ok;
}

/* Whether DNS gave this sandbox @k's address for @sni. */
bool route_sni_pinned(const struct flow_key *k, const char *sni)
{
	pol_pinned_fn pins = polset_pins();

	return pins && pins(k->dst.family, k->dst.a, sni, false);
}
