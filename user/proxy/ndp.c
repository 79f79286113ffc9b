// SPDX-License-Identifier: MIT
/*
 * ndp.c - the gateway as the IPv6 router on the guest's link: it answers
 * Neighbour Solicitations for its two addresses, and sends Router
 * Advertisements (unless --no-ra) at start, periodically and when the guest
 * solicits one, so that a guest with autoconfiguration takes an address in
 * its /64, a default route via the gateway's link-local address and the
 * gateway as DNS server.
 *
 * Solicitations for any other target are left unanswered: the guest's own
 * DAD probes must find nobody, or its address would fail as a duplicate.
 * The neighbour advertisement itself is reply.c's (reply_na()). Every
 * router advertisement goes to all nodes (ff02::1): one answer serves every
 * solicitation the guest sent meanwhile, and RFC 4861 6.2.6 allows that at
 * most once per ND_RA_DELAY_MS; a solicitation that comes sooner moves the
 * next advertisement to the end of that delay. RAs are the only frames
 * tapgate sends unasked. Event-loop thread only.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "io/gtx.h"
#include "io/loop.h"
#include "proxy/ndp.h"
#include "wire.h"
#include "wire/ip6out.h"
#include "wire/nd.h"
#include "wire/reply.h"
#include "wire/slot.h"

#define RA_RETRY_MS 1000 /* after a failed send (no tx room) */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

static const struct config *cfg;
static struct tg_ustats *st;
static uint64_t next_ra; /* 0: none due (--no-ra) */
static uint64_t last_ra; /* when the last one went; 0: never */
static unsigned int ra_count;
static unsigned int seed;

/**
 * ndp_init() - Start serving neighbour discovery; the first RA is due now
 * @config: addresses, MTU, --no-ra
 * @stats:  counters
 */
void ndp_init(const struct config *config, struct tg_ustats *stats)
{
	cfg = config;
	st = stats;
	last_ra = 0;
	ra_count = 0;
	seed = (unsigned int)getpid() ^ (unsigned int)loop_now_ms();
	next_ra = cfg->ipv6 && cfg->ra ? loop_now_ms() : 0;
}

/* RFC 4861 6.2.4: the first few close together, then a random interval. */
static uint64_t interval_ms(void)
{
	if (ra_count < ND_RA_INITIAL)
		return ND_RA_INITIAL_MS;
	return ND_RA_MIN_MS + (uint64_t)rand_r(&seed) % (ND_RA_MAX_MS - ND_RA_MIN_MS + 1);
}

static int send_ra(uint64_t now)
{
	uint8_t m[ND_RA_LEN], ll[16];
	size_t len = nd_build_ra(cfg, m, sizeof(m));

	nd_gw_linklocal(cfg, ll);
	if (!len || ip6out_icmp(ll, all_nodes, m, len)) {
		next_ra = now + RA_RETRY_MS;
		return SLOT_DROP_NOMEM;
	}
	st->ra_sent++;
	ra_count++;
	last_ra = now;
	next_ra = now + interval_ms();
	return SLOT_OK;
}

/* A router solicitation: an RA now, or at the end of the delay. */
static int solicited_ra(void)
{
	uint64_t now = loop_now_ms(), earliest = last_ra + ND_RA_DELAY_MS;

	if (!next_ra)
		return SLOT_DROP_ND; /* --no-ra: the guest has no router here */
	if (!last_ra || now >= earliest)
		return send_ra(now);
	if (next_ra > earliest)
		next_ra = earliest;
	return SLOT_OK;
}

/*
 * A neighbour solicitation: answered for the gateway's addresses only. As
 * an ARP reply, the advertisement may take the tx frames gtx keeps for
 * replies: under a full ring the guest's neighbour unreachability probes
 * must still be answered, or it would give up on its router.
 */
static int advertise(const struct slot *s, const struct nd_msg *m)
{
	if (!nd_is_gateway(cfg, m->target))
		return SLOT_DROP_ND;
	if (gtx_reply(reply_na, s))
		return SLOT_DROP_NOMEM;
	st->nd_advertised++;
	return SLOT_OK;
}

/**
 * ndp_input() - A neighbour discovery message from the guest
 * @s: staged SLOT_ICMP IPv6 frame whose type nd_is_nd() accepts
 *
 * Return: SLOT_OK when answered (or an answer is scheduled), else the
 * enum slot_drop reason (nd_parse()'s, SLOT_DROP_ND for what is not the
 * gateway's to answer, SLOT_DROP_NOMEM without tx room)
 */
int ndp_input(const struct slot *s)
{
	struct nd_msg m;
	int r = nd_parse(s, &m);

	if (r != SLOT_OK)
		return r;
	if (m.type == TG_ND_ROUTER_SOLICIT)
		return solicited_ra();
	return advertise(s, &m);
}

/**
 * ndp_run_timers() - Send the Router Advertisement that is due
 * @now_ms: monotonic milliseconds
 */
void ndp_run_timers(uint64_t now_ms)
{
	if (next_ra && now_ms >= next_ra)
		send_ra(now_ms);
}

/**
 * ndp_timeout_ms() - Time until the next Router Advertisement
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when none will be sent (--no-ra)
 */
int ndp_timeout_ms(uint64_t now_ms)
{
	if (!next_ra)
		return -1;
	return next_ra <= now_ms ? 0 : (int)(next_ra - now_ms);
}
