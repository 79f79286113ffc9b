// SPDX-License-Identifier: MIT
/*
 * test_nd.c - neighbour discovery's wire side (wire/nd.c): the gateway's
 * link-local address, RFC 4861's validation of the guest's messages (each
 * rule broken once, on a heap copy of exactly the frame so that ASan sees
 * any read past it), and every field of the advertisements it builds.
 */
#include <stdlib.h>

#include "check.h"
#include "ndaddrs.h"
#include "lib/frames.h"
#include "control/config.h"
#include "wire/nd.h"
#include "wire/slot.h"

/* ICMPv6 in a frame from the guest's MAC, hop limit @hops; checksum filled. */
static size_t icmp6_frame(uint8_t *b, const uint8_t *src, const uint8_t *dst, const uint8_t *m,
			  size_t len, uint8_t hops)
{
	size_t n = tb_frame6(b, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_ICMPV6, m, len);

	b[14 + 7] = hops;
	return n;
}

/* An NS for @target, with a source link-layer address option when @slla. */
static size_t ns(uint8_t *m, const uint8_t *target, bool slla)
{
	memset(m, 0, 32);
	m[0] = TG_ND_NEIGHBOR_SOLICIT;
	memcpy(m + 8, target, 16);
	if (!slla)
		return 24;
	m[24] = TG_ND_OPT_SOURCE_LINKADDR;
	m[25] = 1;
	memcpy(m + 26, cfg.guest_mac, 6);
	return 32;
}

static size_t rs(uint8_t *m, bool slla)
{
	memset(m, 0, 16);
	m[0] = TG_ND_ROUTER_SOLICIT;
	if (!slla)
		return 8;
	m[8] = TG_ND_OPT_SOURCE_LINKADDR;
	m[9] = 1;
	memcpy(m + 10, cfg.guest_mac, 6);
	return 16;
}

/* nd_parse() of @len bytes of @b staged from a heap copy of exactly them. */
static int parse(const uint8_t *b, size_t len, struct nd_msg *m)
{
	uint8_t *copy = malloc(len);
	struct slot s;
	int r;

	memcpy(copy, b, len);
	r = slot_stage(&s, &cfg, copy, len);
	if (r == SLOT_OK)
		r = nd_parse(&s, m);
	else
		ck_fail(__FILE__, __LINE__, "slot_stage() = %s", slot_drop_name((unsigned int)r));
	free(copy);
	return r;
}

static int parse_msg(const uint8_t *src, const uint8_t *dst, const uint8_t *m, size_t len,
		     uint8_t hops)
{
	uint8_t b[256];
	struct nd_msg nm;

	return parse(b, icmp6_frame(b, src, dst, m, len, hops), &nm);
}

static void gateway_linklocal(void)
{
	uint8_t ll[16];

	nd_gw_linklocal(&cfg, ll);
	CHECK_MEM(ll, gw_ll, 16);
	CHECK(nd_is_gateway(&cfg, gw_ll));
	CHECK(nd_is_gateway(&cfg, gw6));
	CHECK(!nd_is_gateway(&cfg, guest6));
	CHECK(!nd_is_gateway(&cfg, guest_ll));
	CHECK(nd_link_scope(gw_ll));
	CHECK(nd_link_scope(all_nodes));
	CHECK(!nd_link_scope(gw6));
}

static void ns_valid(void)
{
	uint8_t b[256], m[32];
	struct nd_msg nm;

	CHECK_EQ(parse(b, icmp6_frame(b, guest_ll, snm_gw, m, ns(m, gw6, true), 255), &nm),
		 SLOT_OK);
	CHECK_EQ(nm.type, TG_ND_NEIGHBOR_SOLICIT);
	CHECK(!nm.from_unspec);
	CHECK_MEM(nm.target, gw6, 16);
	/* unicast, from the guest's global address, to the gateway's
	 * link-local one: a neighbour unreachability probe */
	CHECK_EQ(parse(b, icmp6_frame(b, guest6, gw_ll, m, ns(m, gw_ll, false), 255), &nm),
		 SLOT_OK);
	CHECK_MEM(nm.target, gw_ll, 16);
	/* DAD: from :: to the solicited-node group of the guest's address */
	CHECK_EQ(parse(b, icmp6_frame(b, unspec, snm_guest, m, ns(m, guest6, false), 255), &nm),
		 SLOT_OK);
	CHECK(nm.from_unspec);
	CHECK_MEM(nm.target, guest6, 16);
}

static void rs_valid(void)
{
	uint8_t b[256], m[16];
	struct nd_msg nm;

	CHECK_EQ(parse(b, icmp6_frame(b, guest_ll, all_routers, m, rs(m, true), 255), &nm),
		 SLOT_OK);
	CHECK_EQ(nm.type, TG_ND_ROUTER_SOLICIT);
	CHECK_EQ(parse(b, icmp6_frame(b, unspec, all_routers, m, rs(m, false), 255), &nm), SLOT_OK);
	CHECK(nm.from_unspec);
}

/* RFC 4861 7.1.1, each rule broken once. */
static void ns_invalid(void)
{
	uint8_t m[64];
	size_t n;

	n = ns(m, gw6, true);
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 64), SLOT_DROP_ND_INVALID); /* hop limit */
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 254), SLOT_DROP_ND_INVALID);
	m[1] = 1;
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 255), SLOT_DROP_ND_INVALID); /* code */
	n = ns(m, gw6, false);
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, 20, 255), SLOT_DROP_ND_INVALID); /* short */
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, 8, 255), SLOT_DROP_ND_INVALID);
	n = ns(m, all_nodes, false);
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 255), SLOT_DROP_ND_INVALID); /* mc target */
	n = ns(m, gw6, true);
	CHECK_EQ(parse_msg(unspec, snm_gw, m, n, 255), SLOT_DROP_ND_INVALID); /* :: + SLLA */
	n = ns(m, guest6, false);
	CHECK_EQ(parse_msg(unspec, all_nodes, m, n, 255), SLOT_DROP_ND_INVALID); /* :: not SNM */
	CHECK_EQ(parse_msg(unspec, gw_ll, m, n, 255), SLOT_DROP_ND_INVALID);
}

static void options_invalid(void)
{
	uint8_t m[64];
	size_t n = ns(m, gw6, true);

	m[25] = 0; /* length 0: a naive walker never ends */
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 255), SLOT_DROP_ND_INVALID);
	m[25] = 2; /* 16 bytes where 8 are */
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n, 255), SLOT_DROP_ND_INVALID);
	m[25] = 1;
	m[32] = 0; /* one stray byte after the last option */
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n + 1, 255), SLOT_DROP_ND_INVALID);
	m[32] = 14; /* an option header cut after its type and length */
	m[33] = 1;
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n + 2, 255), SLOT_DROP_ND_INVALID);
	memset(m + 32, 0, 8); /* a second, unknown but well-formed option */
	m[32] = 14;
	m[33] = 1;
	CHECK_EQ(parse_msg(guest_ll, snm_gw, m, n + 8, 255), SLOT_OK);
	n = rs(m, true);
	m[9] = 0;
	CHECK_EQ(parse_msg(guest_ll, all_routers, m, n, 255), SLOT_DROP_ND_INVALID);
	n = rs(m, true);
	CHECK_EQ(parse_msg(unspec, all_routers, m, n, 255), SLOT_DROP_ND_INVALID); /* :: + SLLA */
}

static void checksum_invalid(void)
{
	uint8_t b[256], m[32];
	struct nd_msg nm;
	size_t n = icmp6_frame(b, guest_ll, snm_gw, m, ns(m, gw6, false), 255);

	b[14 + 40 + 2] ^= 0x01;
	CHECK_EQ(parse(b, n, &nm), SLOT_DROP_ND_INVALID);
}

/* Advertisements and redirects are a router's to send: valid ones dropped
 * as ND, invalid ones as invalid. */
static void not_solicitations(void)
{
	uint8_t m[40] = { 0 };

	m[0] = TG_ND_NEIGHBOR_ADVERT;
	memcpy(m + 8, guest6, 16);
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 24, 255), SLOT_DROP_ND);
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 24, 1), SLOT_DROP_ND_INVALID);
	m[0] = TG_ND_ROUTER_ADVERT;
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 16, 255), SLOT_DROP_ND);
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 15, 255), SLOT_DROP_ND_INVALID);
	m[0] = TG_ND_REDIRECT;
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 40, 255), SLOT_DROP_ND);
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 39, 255), SLOT_DROP_ND_INVALID);
	m[0] = TG_ICMP6_ECHO_REQUEST;
	CHECK_EQ(parse_msg(guest_ll, all_nodes, m, 8, 255), SLOT_DROP_ICMP);
	CHECK(!nd_is_nd(132) && nd_is_nd(133) && nd_is_nd(137) && !nd_is_nd(138));
}

static void na_fields(void)
{
	uint8_t *m = malloc(ND_NA_LEN);

	CHECK_EQ(nd_build_na(&cfg, gw6, true, m, ND_NA_LEN - 1), 0);
	CHECK_EQ(nd_build_na(&cfg, gw6, true, m, ND_NA_LEN), ND_NA_LEN);
	CHECK_EQ(m[0], TG_ND_NEIGHBOR_ADVERT);
	CHECK_EQ(m[1], 0);
	CHECK_EQ(m[4], 0x80 | 0x40 | 0x20); /* router, solicited, override */
	CHECK_MEM(m + 8, gw6, 16);
	CHECK_EQ(m[24], TG_ND_OPT_TARGET_LINKADDR);
	CHECK_EQ(m[25], 1);
	CHECK_MEM(m + 26, cfg.gw_mac, 6);
	CHECK_EQ(nd_build_na(&cfg, gw_ll, false, m, ND_NA_LEN), ND_NA_LEN);
	CHECK_EQ(m[4], 0x80 | 0x20);
	CHECK_MEM(m + 8, gw_ll, 16);
	free(m);
}

/* Walk a built RA's options; each one's offset by type (0: absent). */
static void ra_options(const uint8_t *m, size_t len, size_t off[256])
{
	memset(off, 0, 256 * sizeof(off[0]));
	for (size_t i = 16; i + 2 <= len && m[i + 1];) {
		off[m[i]] = i;
		i += (size_t)m[i + 1] * 8;
		CHECK(i <= len);
	}
}

static void ra_fields(void)
{
	uint8_t *m = malloc(ND_RA_LEN);
	size_t off[256], n;
	const uint8_t *o;

	CHECK_EQ(nd_build_ra(&cfg, m, ND_RA_LEN - 1), 0);
	n = nd_build_ra(&cfg, m, ND_RA_LEN);
	CHECK_EQ(n, ND_RA_LEN);
	CHECK_EQ(m[0], TG_ND_ROUTER_ADVERT);
	CHECK_EQ(m[1], 0);
	CHECK(m[4] > 0);	       /* hop limit */
	CHECK_EQ(m[5], 0);	       /* no DHCPv6 */
	CHECK(tb_get16(m + 6) >= 540); /* router lifetime: 3 x the longest interval */
	ra_options(m, n, off);
	o = m + off[TG_ND_OPT_SOURCE_LINKADDR];
	CHECK(off[TG_ND_OPT_SOURCE_LINKADDR] && o[1] == 1);
	CHECK_MEM(o + 2, cfg.gw_mac, 6);
	o = m + off[TG_ND_OPT_MTU];
	CHECK(off[TG_ND_OPT_MTU] && o[1] == 1);
	CHECK_EQ(tb_get32(o + 4), cfg.mtu);
	o = m + off[TG_ND_OPT_PREFIX_INFO];
	CHECK(off[TG_ND_OPT_PREFIX_INFO] && o[1] == 4);
	CHECK_EQ(o[2], 64);
	CHECK_EQ(o[3], 0xc0); /* on-link, autonomous */
	CHECK(tb_get32(o + 8) > 0 && tb_get32(o + 8) <= tb_get32(o + 4));
	CHECK_MEM(o + 16, guest6, 8);
	CHECK_MEM(o + 24, unspec, 8);
	o = m + off[TG_ND_OPT_RDNSS];
	CHECK(off[TG_ND_OPT_RDNSS] && o[1] == 3);
	CHECK(tb_get32(o + 4) >= 540);
	CHECK_MEM(o + 8, gw6, 16);
	/* Below IPv6's minimum MTU the option is left out. */
	cfg.mtu = 1000;
	n = nd_build_ra(&cfg, m, ND_RA_LEN);
	cfg.mtu = 1500;
	CHECK_EQ(n, ND_RA_LEN - 8);
	ra_options(m, n, off);
	CHECK(!off[TG_ND_OPT_MTU] && off[TG_ND_OPT_RDNSS]);
	free(m);
}

int main(void)
{
	nd_addrs_init();
	RUN(gateway_linklocal);
	RUN(ns_valid);
	RUN(rs_valid);
	RUN(ns_invalid);
	RUN(options_invalid);
	RUN(checksum_invalid);
	RUN(not_solicitations);
	RUN(na_fields);
	RUN(ra_fields);
	return check_summary();
}
