// SPDX-License-Identifier: MIT
/*
 * test_ndp.c - the gateway's side of neighbour discovery (proxy/ndp.c), its
 * frames captured on the way to the guest (txcap.h): a solicitation for
 * either gateway address gets an advertisement (to the asker, or to all
 * nodes from ::), DAD probes and solicitations for other addresses none;
 * Router Advertisements at start, on solicitation at most once per delay
 * (a sooner one moves the next up), then on the timer; --no-ra sends none;
 * advertisements use the tx frames kept for replies, RAs do not.
 */
#include "check.h"
#include "ndaddrs.h"
#include "txcap.h"
#include "control/config.h"
#include "io/loop.h"
#include "proxy/ndp.h"
#include "wire/ip6out.h"
#include "wire/nd.h"
#include "wire/slot.h"

static struct tg_ustats st;
static uint8_t frame[256];

static int input(const uint8_t *src, const uint8_t *dst, uint8_t type, const uint8_t *target)
{
	uint8_t m[24] = { type };
	struct slot s;
	size_t n;
	int r;

	if (target)
		memcpy(m + 8, target, 16);
	n = tb_frame6(frame, cfg.guest_mac, cfg.gw_mac, src, dst, TG_IPPROTO_ICMPV6, m,
		      target ? 24 : 8);
	frame[14 + 7] = 255;
	r = slot_stage(&s, &cfg, frame, n);
	if (r != SLOT_OK)
		return r;
	return ndp_input(&s);
}

/* Captured frame @i: ICMPv6 of @type from @src to @dst, hop limit 255,
 * checksum right; its message. */
static const uint8_t *captured(unsigned int i, uint8_t type, const uint8_t *src, const uint8_t *dst)
{
	const uint8_t *ip = txcap_ip(i), *m = ip + 40;
	size_t len = txcap_ip_len(i) - 40;

	CHECK(i < txcap.n);
	CHECK_EQ(tb_get16(txcap.frame[i] + 12), TG_ETH_P_IPV6);
	CHECK_EQ(ip[6], TG_IPPROTO_ICMPV6);
	CHECK_EQ(ip[7], 255);
	CHECK_EQ(tb_get16(ip + 4), len);
	CHECK_MEM(ip + 8, src, 16);
	CHECK_MEM(ip + 24, dst, 16);
	CHECK_EQ(m[0], type);
	CHECK_EQ(tb_fold(tb_sum(tb_pseudo(src, dst, 16, TG_IPPROTO_ICMPV6, (uint32_t)len), m, len)),
		 0);
	return m;
}

static void start(bool ra)
{
	cfg.ra = ra;
	memset(&st, 0, sizeof(st));
	txcap_init(&cfg, &st);
	ip6out_init(&cfg);
	ndp_init(&cfg, &st);
}

static void ns_for_gateway(void)
{
	const uint8_t *m;

	start(false);
	CHECK_EQ(input(guest_ll, snm_gw, TG_ND_NEIGHBOR_SOLICIT, gw6), SLOT_OK);
	CHECK_EQ(txcap.n, 1);
	m = captured(0, TG_ND_NEIGHBOR_ADVERT, gw6, guest_ll);
	CHECK_EQ(m[4], 0x80 | 0x40 | 0x20);
	CHECK_MEM(m + 8, gw6, 16);
	CHECK_MEM(m + 26, cfg.gw_mac, 6);
	/* the link-local address, asked by a guest address of the /64 */
	CHECK_EQ(input(guest6, gw_ll, TG_ND_NEIGHBOR_SOLICIT, gw_ll), SLOT_OK);
	CHECK_EQ(txcap.n, 2);
	m = captured(1, TG_ND_NEIGHBOR_ADVERT, gw_ll, guest6);
	CHECK_MEM(m + 8, gw_ll, 16);
	/* from :: (the guest checking the gateway's address is free):
	 * unsolicited, to all nodes */
	CHECK_EQ(input(unspec, snm_gw, TG_ND_NEIGHBOR_SOLICIT, gw6), SLOT_OK);
	m = captured(2, TG_ND_NEIGHBOR_ADVERT, gw6, all_nodes);
	CHECK_EQ(m[4], 0x80 | 0x20);
	CHECK_EQ(st.nd_advertised, 3);
}

/* The guest's DAD must find nobody. */
static void ns_not_for_gateway(void)
{
	start(false);
	CHECK_EQ(input(unspec, snm_guest, TG_ND_NEIGHBOR_SOLICIT, guest6), SLOT_DROP_ND);
	CHECK_EQ(input(guest_ll, snm_guest, TG_ND_NEIGHBOR_SOLICIT, guest6), SLOT_DROP_ND);
	CHECK_EQ(input(guest_ll, guest_ll, TG_ND_NEIGHBOR_SOLICIT, guest_ll), SLOT_DROP_ND);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.nd_advertised, 0);
}

static void ns_no_tx_room(void)
{
	start(false);
	txcap_drain(0);
	CHECK_EQ(input(guest_ll, snm_gw, TG_ND_NEIGHBOR_SOLICIT, gw6), SLOT_DROP_NOMEM);
	CHECK_EQ(st.nd_advertised, 0);
}

/* Advertisements may use the tx frames kept for replies (as ARP replies);
 * RAs, unasked, may not: they wait for room and try again. */
static void na_in_reserve_ra_not(void)
{
	uint64_t now;

	start(true);
	now = loop_now_ms();
	txcap_drain(GTX_RESERVE / 2);
	CHECK_EQ(input(guest_ll, snm_gw, TG_ND_NEIGHBOR_SOLICIT, gw6), SLOT_OK);
	CHECK_EQ(txcap.n, 1);
	ndp_run_timers(now);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(st.ra_sent, 0);
	CHECK(ndp_timeout_ms(now) > 0 && ndp_timeout_ms(now) <= 1000);
	txcap_drain(TXCAP_FRAMES);
	ndp_run_timers(now + 1000);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(st.ra_sent, 1);
}

static void ra_at_start_and_on_solicitation(void)
{
	uint64_t now;
	int t;

	start(true);
	now = loop_now_ms();		  /* not before: the first RA is due at start */
	CHECK_EQ(ndp_timeout_ms(now), 0); /* one at start */
	ndp_run_timers(now);
	CHECK_EQ(txcap.n, 1);
	captured(0, TG_ND_ROUTER_ADVERT, gw_ll, all_nodes);
	CHECK_EQ(txcap.len[0], 14 + 40 + ND_RA_LEN);
	t = ndp_timeout_ms(now);
	CHECK(t > ND_RA_INITIAL_MS - 100 && t <= ND_RA_INITIAL_MS);
	/* right after it: none now, one at the end of the delay */
	CHECK_EQ(input(guest_ll, all_routers, TG_ND_ROUTER_SOLICIT, NULL), SLOT_OK);
	CHECK_EQ(txcap.n, 1);
	t = ndp_timeout_ms(loop_now_ms());
	CHECK(t >= 0 && t <= ND_RA_DELAY_MS);
	ndp_run_timers(loop_now_ms() + ND_RA_DELAY_MS);
	CHECK_EQ(txcap.n, 2);
	captured(1, TG_ND_ROUTER_ADVERT, gw_ll, all_nodes);
	CHECK_EQ(st.ra_sent, 2);
}

/* Before any RA went out, a solicitation is answered at once. */
static void ra_solicited_first(void)
{
	start(true);
	CHECK_EQ(input(unspec, all_routers, TG_ND_ROUTER_SOLICIT, NULL), SLOT_OK);
	CHECK_EQ(txcap.n, 1);
	captured(0, TG_ND_ROUTER_ADVERT, gw_ll, all_nodes);
	CHECK_EQ(st.ra_sent, 1);
}

static void ra_periodic_intervals(void)
{
	uint64_t now;
	int t;

	start(true);
	now = loop_now_ms(); /* not before: the first RA is due at start */
	for (int i = 0; i < ND_RA_INITIAL; i++) {
		ndp_run_timers(now);
		now += (uint64_t)ndp_timeout_ms(now);
	}
	for (int i = 0; i < 20; i++) {
		ndp_run_timers(now);
		t = ndp_timeout_ms(now);
		CHECK(t >= ND_RA_MIN_MS && t <= ND_RA_MAX_MS);
		now += (uint64_t)t;
	}
	CHECK_EQ(st.ra_sent, ND_RA_INITIAL + 20);
}

static void no_ra(void)
{
	uint64_t now = loop_now_ms();

	start(false);
	CHECK_EQ(ndp_timeout_ms(now), -1);
	ndp_run_timers(now + 1000000);
	CHECK_EQ(input(guest_ll, all_routers, TG_ND_ROUTER_SOLICIT, NULL), SLOT_DROP_ND);
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(st.ra_sent, 0);
}

int main(void)
{
	nd_addrs_init();
	RUN(ns_for_gateway);
	RUN(ns_not_for_gateway);
	RUN(ns_no_tx_room);
	RUN(na_in_reserve_ra_not);
	RUN(ra_at_start_and_on_solicitation);
	RUN(ra_solicited_first);
	RUN(ra_periodic_intervals);
	RUN(no_ra);
	return check_summary();
}
