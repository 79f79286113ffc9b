/* SPDX-License-Identifier: MIT */
/*
 * nd.h - IPv6 neighbour discovery on the guest's link (RFC 4861) as the
 * gateway speaks it: the guest's Neighbour and Router Solicitations read and
 * validated as hostile input (nd_parse()), the gateway's Neighbour and
 * Router Advertisements built (nd_build_na(), nd_build_ra()), and the
 * gateway's two addresses (its configured one and the link-local one made
 * from its MAC). Parsing and building only: proxy/ndp.c decides what to
 * answer and when, and sends it through wire/ip6out.c, which writes the
 * checksum and hop limit 255.
 */
#ifndef TAPGATE_ND_H
#define TAPGATE_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct slot;

/*
 * Router Advertisement timing (RFC 4861 section 6.2.1 and 6.2.4): the first
 * ND_RA_INITIAL advertisements ND_RA_INITIAL_MS apart, then one at a random
 * interval in [ND_RA_MIN_MS, ND_RA_MAX_MS]; an answer to a solicitation at
 * most once per ND_RA_DELAY_MS. Lifetimes are a few intervals long, so that
 * a guest keeps its route and address over a lost advertisement or two, and
 * drops them within the hour once tapgate is gone.
 */
#define ND_RA_INITIAL	 3
#define ND_RA_INITIAL_MS 16000
#define ND_RA_MIN_MS	 60000
#define ND_RA_MAX_MS	 180000
#define ND_RA_DELAY_MS	 3000

#define ND_NA_LEN	 32 /* header, target, target link-layer address option */
#define ND_RA_LEN	 88 /* header, source link-layer address, MTU, prefix, RDNSS */

/* A validated solicitation. */
struct nd_msg {
	uint8_t type;	    /* TG_ND_NEIGHBOR_SOLICIT or TG_ND_ROUTER_SOLICIT */
	bool from_unspec;   /* source ::: a DAD probe, or an RS before any address */
	uint8_t target[16]; /* NS: the address asked about */
};

bool nd_is_nd(uint8_t icmp6_type);
int nd_parse(const struct slot *s, struct nd_msg *m);
void nd_gw_linklocal(const struct config *cfg, uint8_t out[16]);
bool nd_is_gateway(const struct config *cfg, const uint8_t a[16]);
bool nd_link_scope(const uint8_t a[16]);
size_t nd_build_na(const struct config *cfg, const uint8_t target[16], bool solicited, uint8_t *m,
		   size_t cap);
size_t nd_build_ra(const struct config *cfg, uint8_t *m, size_t cap);

#endif
