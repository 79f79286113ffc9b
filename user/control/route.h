/* SPDX-License-Identifier: MIT */
/*
 * route.h - the one decision of where a guest flow may go: allowed or not
 * (and why not), which handler serves it, and the real target on the host
 * side. TCP, UDP, ICMP and DNS ask the same function, and the poller asks
 * it which handler a frame goes to; the policy (policy/polset.c) is asked
 * from inside route_decide(), nowhere else.
 */
#ifndef TAPGATE_ROUTE_H
#define TAPGATE_ROUTE_H

#include <stdint.h>

#include "policy/policy.h"
#include "proxy/flow.h"
#include "wire.h"

struct config;
struct group_table;
struct slot;

enum route_handler {
	ROUTE_NONE = 0,	  /* nobody serves it yet (IPv6 TCP/UDP, other protocols) */
	ROUTE_TCP_SPLICE, /* TCP spliced to a host socket (pxtcp.c, splice.c) */
	ROUTE_DNS,	  /* the DNS interceptor: dnsfwd.c (UDP), dnstcp.c (TCP) */
	ROUTE_UDP_RELAY,  /* pxudp.c */
	ROUTE_ICMP_RELAY, /* pxicmp.c */
	ROUTE_GATEWAY,	  /* the gateway answers itself (echo) */
};

struct route {
	enum route_handler handler;
	int group;		    /* enum tg_group of the destination (relays and splice) */
	struct tg_addr target;	    /* the host side: the gateway is the host's loopback */
	uint16_t port;		    /* host order */
	struct pol_verdict verdict; /* the policy's, when it was asked */
};

/* What the decision reads; each caller keeps one (route_init()). */
struct router {
	const struct config *cfg;
	const struct group_table *groups;
	pol_pinned_fn pinned; /* the DNS pins, for domain rules (NULL: none) */
};

void route_init(struct router *r, const struct config *cfg, const struct group_table *groups);
enum route_handler route_handler(const struct router *r, const struct flow_key *k);
int route_decide(const struct router *r, const struct flow_key *k, struct route *out);
bool route_alt_target(const struct route *rt, struct tg_addr *out);
bool route_still_allowed(const struct router *r, const struct flow_key *k);
bool route_sni_allowed(const struct router *r, const struct flow_key *k, const char *sni);
bool route_sni_pinned(const struct flow_key *k, const char *sni);
int route_slot(const struct router *r, const struct slot *s, enum route_handler want, int wrong,
	       struct flow_key *k, struct route *out);

#endif
