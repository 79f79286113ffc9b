// SPDX-License-Identifier: MIT
/*
 * nd.c - read the guest's neighbour discovery messages and build the
 * gateway's (see nd.h).
 *
 * Every ND message is validated as RFC 4861 sections 6.1.1 and 7.1.1 ask
 * before anything is answered: hop limit 255 (a message from off the link
 * has been forwarded and had it lowered), code 0, a correct checksum, at
 * least the fixed part of its type, and options that each have a nonzero
 * length and end inside the message (a zero length would loop a naive
 * walker forever, a long one read past the packet). A message failing any
 * of these is SLOT_DROP_ND_INVALID. Bytes are read only through
 * frame_get().
 */
#include <string.h>

#include "control/config.h"
#include "wire.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/nd.h"
#include "wire/slot.h"

/* What the advertisements promise (seconds): the route and the prefix
 * outlive a few lost advertisements; the prefix's valid lifetime is the
 * longest, so an address never outlives its route by much. */
#define ROUTER_LIFETIME_S 1800
#define PREFIX_VALID_S	  3600
#define PREFIX_PREF_S	  1800
#define RDNSS_LIFETIME_S  1800

/* RFC 4861 6.2.1: AdvDefaultLifetime at least MaxRtrAdvInterval; RFC 8106
 * 5.1: the RDNSS lifetime at least 3 x MaxRtrAdvInterval is recommended. */
_Static_assert(ROUTER_LIFETIME_S * 1000 >= 3 * ND_RA_MAX_MS, "router lifetime too short");
_Static_assert(RDNSS_LIFETIME_S * 1000 >= 3 * ND_RA_MAX_MS, "RDNSS lifetime too short");
_Static_assert(PREFIX_PREF_S <= PREFIX_VALID_S, "preferred lifetime beyond the valid one");

#define NA_FLAG_ROUTER	  0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE  0x20
#define PIO_FLAG_ONLINK	  0x80
#define PIO_FLAG_AUTO	  0x40
#define RA_HOP_LIMIT	  64
#define IP6_MIN_MTU	  1280

static const uint8_t all_zero[16];

/**
 * nd_is_nd() - Whether an ICMPv6 type is a neighbour discovery message
 * @icmp6_type: the message's first byte
 *
 * Return: true for router and neighbour solicitations and advertisements
 * and redirects (133-137)
 */
bool nd_is_nd(uint8_t icmp6_type)
{
	return icmp6_type >= TG_ND_ROUTER_SOLICIT && icmp6_type <= TG_ND_REDIRECT;
}

/* The fixed part of each ND message, before its options (RFC 4861 4.1-4.5). */
static size_t fixed_len(uint8_t type)
{
	switch (type) {
	case TG_ND_ROUTER_SOLICIT:
		return 8;
	case TG_ND_ROUTER_ADVERT:
		return 16;
	case TG_ND_NEIGHBOR_SOLICIT:
	case TG_ND_NEIGHBOR_ADVERT:
		return 24;
	default:
		return 40; /* redirect */
	}
}

/* Each option's length (in 8-byte units) nonzero and inside the @n bytes;
 * *@slla set when a source link-layer address option is among them. */
static bool options_ok(const uint8_t *o, size_t n, bool *slla)
{
	size_t i = 0;

	*slla = false;
	while (i < n) {
		size_t len;

		if (n - i < 2)
			return false;
		len = (size_t)o[i + 1] * 8;
		if (!len || len > n - i)
			return false;
		if (o[i] == TG_ND_OPT_SOURCE_LINKADDR)
			*slla = true;
		i += len;
	}
	return true;
}

static bool sum_ok(const struct slot *s, const uint8_t *msg)
{
	uint32_t sum = csum_pseudo6(s->src, s->dst, TG_IPPROTO_ICMPV6, (uint32_t)s->l4_len);

	return csum_fold(csum_add(sum, msg, s->l4_len)) == 0;
}

/* ff02::1:ffXX:XXXX, where a solicitation for an address goes. */
static bool solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	return !memcmp(a, pfx, sizeof(pfx));
}

/* RFC 4861 7.1.1's rules that are the NS's own. */
static int parse_ns(const struct slot *s, const uint8_t *msg, struct nd_msg *m)
{
	if (msg[8] == 0xff) /* a multicast target */
		return SLOT_DROP_ND_INVALID;
	if (m->from_unspec && !solicited_node(s->dst))
		return SLOT_DROP_ND_INVALID;
	memcpy(m->target, msg + 8, 16);
	return SLOT_OK;
}

/**
 * nd_parse() - Validate a guest ND message; decode a solicitation
 * @s: staged SLOT_ICMP IPv6 frame whose type nd_is_nd() accepts
 * @m: set to the solicitation
 *
 * Return: SLOT_OK for a valid neighbour or router solicitation;
 * SLOT_DROP_ND for a valid advertisement or redirect (a router's messages,
 * not the guest's to send); SLOT_DROP_ND_INVALID for a message that fails
 * RFC 4861's validation; SLOT_DROP_ICMP when @s is no ND message at all
 */
int nd_parse(const struct slot *s, struct nd_msg *m)
{
	const uint8_t *ih = frame_get(&s->f, s->l3_off, TG_IP6_HLEN);
	const uint8_t *msg = frame_get(&s->f, s->l4_off, s->l4_len);
	size_t fixed;
	bool slla;

	memset(m, 0, sizeof(*m));
	if (s->family != 6 || s->proto != TG_IPPROTO_ICMPV6 || !ih || !msg ||
	    s->l4_len < TG_ICMP_HLEN || !nd_is_nd(msg[0]))
		return SLOT_DROP_ICMP;
	fixed = fixed_len(msg[0]);
	if (ih[7] != TG_ND_HOP_LIMIT || msg[1] != 0 || s->l4_len < fixed || !sum_ok(s, msg) ||
	    !options_ok(msg + fixed, s->l4_len - fixed, &slla))
		return SLOT_DROP_ND_INVALID;
	m->type = msg[0];
	m->from_unspec = !memcmp(s->src, all_zero, 16);
	if (m->type != TG_ND_NEIGHBOR_SOLICIT && m->type != TG_ND_ROUTER_SOLICIT)
		return SLOT_DROP_ND;
	/* From :: nobody can be told a link-layer address (6.1.1, 7.1.1). */
	if (m->from_unspec && slla)
		return SLOT_DROP_ND_INVALID;
	return m->type == TG_ND_NEIGHBOR_SOLICIT ? parse_ns(s, msg, m) : SLOT_OK;
}

/**
 * nd_gw_linklocal() - The gateway's link-local address
 * @cfg: the gateway's MAC
 * @out: set to fe80:: and the MAC's modified EUI-64 (RFC 4291 appendix A):
 *       fe80::6d:73ff:fe00:1 for 02:6d:73:00:00:01
 */
void nd_gw_linklocal(const struct config *cfg, uint8_t out[16])
{
	const uint8_t *mac = cfg->gw_mac;

	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

/**
 * nd_is_gateway() - Whether an IPv6 address is one of the gateway's
 * @cfg: addresses
 * @a:   the address
 *
 * Return: true for cfg->gw_ip6 and the gateway's link-local address
 */
bool nd_is_gateway(const struct config *cfg, const uint8_t a[16])
{
	uint8_t ll[16];

	if (!memcmp(a, cfg->gw_ip6, 16))
		return true;
	nd_gw_linklocal(cfg, ll);
	return !memcmp(a, ll, 16);
}

/**
 * nd_link_scope() - Whether an address cannot be reached beyond the link
 * @a: the address
 *
 * Return: true for link-local unicast (fe80::/10) and every multicast
 * address (ff00::/8): tapgate answers for the gateway there or drops, and
 * never relays
 */
bool nd_link_scope(const uint8_t a[16])
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* An option of @units x 8 bytes of @type at @o, zeroed behind its header. */
static uint8_t *option(uint8_t *o, uint8_t type, uint8_t units)
{
	memset(o, 0, (size_t)units * 8);
	o[0] = type;
	o[1] = units;
	return o + 2;
}

/**
 * nd_build_na() - The gateway's Neighbour Advertisement for @target
 * @cfg:       the gateway's MAC
 * @target:    the address asked about (one of the gateway's)
 * @solicited: false when answering a solicitation from :: (sent to all
 *             nodes, RFC 4861 7.2.4)
 * @m:         the ICMPv6 message (checksum left to ip6out_icmp())
 * @cap:       its room
 *
 * The router flag stays set: a guest that saw it clear would drop the
 * gateway from its default routers (RFC 4861 7.2.5).
 *
 * Return: ND_NA_LEN, or 0 when it does not fit
 */
size_t nd_build_na(const struct config *cfg, const uint8_t target[16], bool solicited, uint8_t *m,
		   size_t cap)
{
	if (cap < ND_NA_LEN)
		return 0;
	memset(m, 0, 24);
	m[0] = TG_ND_NEIGHBOR_ADVERT;
	m[4] = NA_FLAG_ROUTER | NA_FLAG_OVERRIDE | (solicited ? NA_FLAG_SOLICITED : 0);
	memcpy(m + 8, target, 16);
	memcpy(option(m + 24, TG_ND_OPT_TARGET_LINKADDR, 1), cfg->gw_mac, 6);
	return ND_NA_LEN;
}

/* Prefix information: the guest's /64, on-link, for autoconfiguration. */
static void prefix_option(const struct config *cfg, uint8_t *o)
{
	option(o, TG_ND_OPT_PREFIX_INFO, 4);
	o[2] = 64; /* prefix length */
	o[3] = PIO_FLAG_ONLINK | PIO_FLAG_AUTO;
	wr32(o + 4, PREFIX_VALID_S);
	wr32(o + 8, PREFIX_PREF_S);
	memcpy(o + 16, cfg->guest_ip6, 8);
}

/**
 * nd_build_ra() - The gateway's Router Advertisement
 * @cfg: the gateway's MAC and address, the guest's prefix, the MTU
 * @m:   the ICMPv6 message (checksum left to ip6out_icmp())
 * @cap: its room
 *
 * A default route, the guest's /64 for SLAAC (RFC 4862), the link's MTU
 * (left out below IPv6's 1280, which a guest would ignore) and the gateway
 * as DNS server (RFC 8106), where the interceptor answers.
 *
 * Return: its length (at most ND_RA_LEN), or 0 when it does not fit
 */
size_t nd_build_ra(const struct config *cfg, uint8_t *m, size_t cap)
{
	uint8_t *o = m + 16;

	if (cap < ND_RA_LEN)
		return 0;
	memset(m, 0, 16);
	m[0] = TG_ND_ROUTER_ADVERT;
	m[4] = RA_HOP_LIMIT;
	wr16(m + 6, ROUTER_LIFETIME_S);
	memcpy(option(o, TG_ND_OPT_SOURCE_LINKADDR, 1), cfg->gw_mac, 6);
	o += 8;
	prefix_option(cfg, o);
	o += 32;
	memcpy(option(o, TG_ND_OPT_RDNSS, 3) + 6, cfg->gw_ip6, 16);
	wr32(o + 4, RDNSS_LIFETIME_S);
	o += 24;
	if (cfg->mtu >= IP6_MIN_MTU) {
		wr32(option(o, TG_ND_OPT_MTU, 1) + 2, cfg->mtu);
		o += 8;
	}
	return (size_t)(o - m);
}
