// SPDX-License-Identifier: MIT
/*
 * fuzz_icmp6.c - libFuzzer target: a hostile guest ICMPv6 frame through
 * what the poller does with it: slot_stage(), then for neighbour discovery
 * nd_parse(), ndp_input() (with tx frames captured in memory) and
 * reply_na(), for the rest reply_echo6().
 *
 * Input: byte 0 picks the echo reply buffer's capacity (0..254, 255 for
 * room for anything), byte 1 whether Router Advertisements are on, the
 * rest is the frame. Frame and reply buffer are heap copies of exactly
 * their size, so ASan catches any read past the frame or write past the
 * capacity.
 *
 * Checked: a solicitation nd_parse() accepts is one of the two kinds, its
 * target never multicast, and from :: only to a solicited-node group; the
 * frames ndp_input() sends are ICMPv6 advertisements from a gateway
 * address, hop limit 255, checksum valid, to the asker or to all nodes,
 * and only for solicitations nd_parse() accepted; an echo reply fits and
 * checks out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "io/gtx.h"
#include "lib/frames.h"
#include "proxy/ndp.h"
#include "wire.h"
#include "wire/ip6out.h"
#include "wire/nd.h"
#include "wire/reply.h"
#include "wire/slot.h"

#define CAP_MAX	   (TG_ETH_HLEN + 65535 + 64)
#define TX_FRAMES  8
#define FRAME_SIZE 2048

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_icmp6: %s:%d: assertion failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static struct config cfg;
static struct tg_ustats st;
static uint8_t tx[TX_FRAMES][FRAME_SIZE];
static uint32_t tx_len[TX_FRAMES];
static unsigned int ntx;
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* The tx backend: frames captured in order, room for TX_FRAMES. */
static uint8_t *lend(void *ctx, uint64_t *addr)
{
	(void)ctx;
	if (ntx >= TX_FRAMES)
		return NULL;
	*addr = ntx;
	return tx[ntx];
}

static int send_frame(void *ctx, uint64_t addr, uint32_t len)
{
	(void)ctx;
	FUZZ_ASSERT(addr == ntx && len <= FRAME_SIZE);
	tx_len[ntx++] = len;
	return 0;
}

static void kick(void *ctx)
{
	(void)ctx;
}

/* One chunk per frame here: TX_FRAMES - ntx frames free beyond the
 * reserve gtx_room() keeps. */
static uint32_t room(void *ctx, uint32_t reserve)
{
	uint32_t free = GTX_RESERVE + TX_FRAMES - ntx;

	(void)ctx;
	return free > reserve ? free - reserve : 0;
}

static bool stalled(void *ctx)
{
	(void)ctx;
	return false;
}

static void setup(void)
{
	static const struct gtx_backend be = { .frame_size = FRAME_SIZE,
					       .lend = lend,
					       .send = send_frame,
					       .kick = kick,
					       .room = room,
					       .stalled = stalled };

	config_defaults(&cfg);
	gtx_init(&cfg, &st, &be);
	ip6out_init(&cfg);
}

/* A solicitation nd_parse() accepted. */
static void check_msg(const struct slot *s, const struct nd_msg *m)
{
	static const uint8_t zero[16];

	FUZZ_ASSERT(m->type == TG_ND_NEIGHBOR_SOLICIT || m->type == TG_ND_ROUTER_SOLICIT);
	FUZZ_ASSERT(m->from_unspec == !memcmp(s->src, zero, 16));
	if (m->type == TG_ND_NEIGHBOR_SOLICIT) {
		FUZZ_ASSERT(m->target[0] != 0xff);
		FUZZ_ASSERT(!m->from_unspec || (s->dst[0] == 0xff && s->dst[1] == 0x02));
	}
}

/* Captured frame @i: an advertisement from a gateway address, on the link. */
static void check_sent(unsigned int i, const struct slot *s)
{
	const uint8_t *ip = tx[i] + TG_ETH_HLEN, *m = ip + TG_IP6_HLEN;
	size_t len = tx_len[i] - TG_ETH_HLEN - TG_IP6_HLEN;

	FUZZ_ASSERT(tx_len[i] >= TG_ETH_HLEN + TG_IP6_HLEN + 24);
	FUZZ_ASSERT(!memcmp(tx[i], cfg.guest_mac, 6));
	FUZZ_ASSERT(ip[6] == TG_IPPROTO_ICMPV6 && ip[7] == TG_ND_HOP_LIMIT);
	FUZZ_ASSERT(tb_get16(ip + 4) == len);
	FUZZ_ASSERT(nd_is_gateway(&cfg, ip + 8));
	FUZZ_ASSERT(!memcmp(ip + 24, s->src, 16) || !memcmp(ip + 24, all_nodes, 16));
	FUZZ_ASSERT(m[0] == TG_ND_NEIGHBOR_ADVERT || m[0] == TG_ND_ROUTER_ADVERT);
	FUZZ_ASSERT(tb_sum(tb_pseudo(ip + 8, ip + 24, 16, TG_IPPROTO_ICMPV6, (uint32_t)len), m,
			   len) == 0xffff);
}

/* reply_na() answers exactly the valid solicitations for the gateway. */
static void na(const struct slot *s, bool for_gateway)
{
	uint8_t *out = malloc(FRAME_SIZE);
	size_t n = reply_na(s, &cfg, out, FRAME_SIZE);

	FUZZ_ASSERT(!n == !for_gateway);
	FUZZ_ASSERT(!n || n == TG_ETH_HLEN + TG_IP6_HLEN + ND_NA_LEN);
	free(out);
}

static void nd(const struct slot *s, bool ra)
{
	struct nd_msg m;
	int r = nd_parse(s, &m), got;

	FUZZ_ASSERT(r >= 0 && r < SLOT_DROP__MAX);
	if (r == SLOT_OK)
		check_msg(s, &m);
	cfg.ra = ra;
	ndp_init(&cfg, &st);
	ntx = 0;
	got = ndp_input(s);
	FUZZ_ASSERT(got >= 0 && got < SLOT_DROP__MAX);
	FUZZ_ASSERT(ntx <= 1);
	if (ntx) {
		FUZZ_ASSERT(r == SLOT_OK && got == SLOT_OK);
		check_sent(0, s);
	}
	na(s, r == SLOT_OK && m.type == TG_ND_NEIGHBOR_SOLICIT && nd_is_gateway(&cfg, m.target));
}

static void echo(const struct slot *s, size_t cap)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n = reply_echo6(s, &cfg, out, cap);

	FUZZ_ASSERT(n <= cap);
	if (n) {
		const uint8_t *ip = out + TG_ETH_HLEN;

		FUZZ_ASSERT(n == TG_ETH_HLEN + TG_IP6_HLEN + s->l4_len);
		FUZZ_ASSERT(nd_is_gateway(&cfg, ip + 8));
		FUZZ_ASSERT(!memcmp(ip + 24, s->src, 16));
		FUZZ_ASSERT(ip[TG_IP6_HLEN] == TG_ICMP6_ECHO_REPLY);
		FUZZ_ASSERT(tb_sum(tb_pseudo(ip + 8, ip + 24, 16, TG_IPPROTO_ICMPV6,
					     (uint32_t)s->l4_len),
				   ip + TG_IP6_HLEN, s->l4_len) == 0xffff);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *m;
	struct slot s;
	uint8_t *frame;
	size_t len;

	if (!cfg.mtu)
		setup();
	if (size < 2)
		return 0;
	len = size - 2;
	frame = malloc(len ? len : 1);
	memcpy(frame, data + 2, len);
	if (slot_stage(&s, &cfg, frame, len) == SLOT_OK && s.kind == SLOT_ICMP && s.family == 6) {
		m = frame_get(&s.f, s.l4_off, 1);
		FUZZ_ASSERT(m);
		if (nd_is_nd(m[0]))
			nd(&s, data[1] & 1);
		else
			echo(&s, data[0] == 255 ? CAP_MAX : data[0] * 8u);
	}
	free(frame);
	return 0;
}
