// SPDX-License-Identifier: MIT
/*
 * test_gtx.c - the guest-tx path (user/io/gtx.c) over the capture backend
 * (txcap.h): the Ethernet header it writes, the counters, a lent frame
 * that is never committed staying free, no room (refused, counted, and
 * "waiting" until gtx_flush() finds frames free again), the reserve
 * gtx_room() keeps, and replies from a builder and for a refused SYN.
 * Over the UMEM backend (no socket: only its free-chunk count), the room
 * at MTU 1500, 9000 and 65520: frames of the MTU beyond a reserve of
 * chunks, always enough for the UDP relay's largest reply (issue 18: at
 * 65520 a reserve counted in such frames left it none).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/config.h"
#include "io/umem.h"
#include "wire/ip4out.h"
#include "wire/reply.h"
#include "wire/slot.h"
#include "check.h"
#include "txcap.h"

static struct config cfg;
static struct tg_ustats stats;

static void begin_commit(void)
{
	size_t cap = 0;
	uint8_t *ip;

	txcap_drain(TXCAP_FRAMES);
	memset(&stats, 0, sizeof(stats));
	ip = gtx_begin(TG_ETH_P_IPV6, &cap);
	CHECK(ip == txcap.frame[0] + 14);
	CHECK_EQ(cap, TXCAP_FRAME_SIZE - 14);
	CHECK_MEM(txcap.frame[0], cfg.guest_mac, 6);
	CHECK_MEM(txcap.frame[0] + 6, cfg.gw_mac, 6);
	CHECK_EQ(tb_get16(txcap.frame[0] + 12), TG_ETH_P_IPV6);
	CHECK_EQ(txcap.n, 0); /* lent, not sent */
	CHECK_EQ(gtx_commit(40), 0);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(txcap.len[0], 54);
	CHECK_EQ(stats.tx_frames, 1);
	CHECK_EQ(stats.tx_bytes, 54);
	CHECK_EQ(gtx_commit(40), -ENOBUFS); /* nothing lent */
}

static void uncommitted_stays_free(void)
{
	static uint8_t big[TXCAP_FRAME_SIZE];
	const uint8_t pkt[20] = { 0x45, 0, 0, 20 };
	size_t cap;

	txcap_drain(TXCAP_FRAMES);
	memset(&stats, 0, sizeof(stats));
	CHECK(gtx_begin(TG_ETH_P_IP, &cap) != NULL); /* and given up */
	CHECK_EQ(gtx_send_ip(big, sizeof(big)), -EMSGSIZE);
	CHECK_EQ(gtx_commit(20), -ENOBUFS); /* given up: not sent by mistake */
	CHECK_EQ(gtx_send_ip(pkt, sizeof(pkt)), 0);
	CHECK_EQ(txcap.n, 1); /* the same frame, lent three times */
	CHECK_MEM(txcap_ip(0), pkt, sizeof(pkt));
	CHECK_EQ(stats.tx_ring_full, 1); /* the stray commit */
}

static void no_room(void)
{
	const uint8_t pkt[20] = { 0x45, 0, 0, 20 };
	size_t cap;

	memset(&stats, 0, sizeof(stats));
	txcap_drain(TXCAP_FRAMES);
	gtx_flush(); /* forget the refusals of the cases before */
	CHECK(!gtx_waiting());
	txcap_drain(0);
	CHECK(gtx_begin(TG_ETH_P_IP, &cap) == NULL);
	CHECK_EQ(gtx_send_ip(pkt, sizeof(pkt)), -ENOBUFS);
	CHECK_EQ(stats.tx_ring_full, 2);
	CHECK(gtx_waiting());
	gtx_flush(); /* still nothing free: still waiting */
	CHECK(gtx_waiting());
	txcap_drain(GTX_RESERVE + 10);
	CHECK_EQ(gtx_room(), 10);
	gtx_flush();
	CHECK(!gtx_waiting());
	txcap_drain(GTX_RESERVE);
	CHECK_EQ(gtx_room(), 0);
}

static void replies(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[128], sip[16], tip[16], l4[32];
	struct slot s;
	size_t len;

	txcap_drain(TXCAP_FRAMES);
	len = tb_arp(f, cfg.guest_mac, 1, tb_addr(sip, "100.96.0.2"), tb_addr(tip, "100.96.0.1"));
	CHECK_EQ(slot_stage(&s, &cfg, f, len), SLOT_OK);
	CHECK_EQ(gtx_reply(reply_arp, &s), 0);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(tb_get16(txcap.frame[0] + 12), TG_ETH_P_ARP);
	CHECK_EQ(tb_get16(txcap.frame[0] + 14 + 6), 2); /* a reply */
	CHECK_EQ(gtx_reply(reply_echo4, &s), -ENODATA);
	CHECK_EQ(txcap.n, 1);

	len = tb_tcp(l4, 40000, 80, 1000, 0, TG_TCP_SYN, NULL, 0);
	len = tb_frame4(f, cfg.guest_mac, bcast, sip, tb_addr(tip, "10.0.0.1"), TG_IPPROTO_TCP, l4,
			len);
	CHECK_EQ(reply_send_rst(f + 14, len - 14, &cfg), 0);
	CHECK_EQ(txcap.n, 2);
	CHECK_EQ(txcap_ip(1)[20 + 13], TG_TCP_RST | TG_TCP_ACK);
}

static void umem_room(void)
{
	static const struct {
		uint32_t chunk, mtu, room;
	} c[] = {
		{ 2048, 1500, 256 - GTX_RESERVE },
		{ 4096, 9000, (256 - GTX_RESERVE) / 3 },   /* 9014 bytes: 3 chunks */
		{ 4096, 65520, (256 - GTX_RESERVE) / 16 }, /* 65534 bytes: 16 chunks */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct umem u = { .frame_size = c[i].chunk, .ring_frames = 256, .tx_nfree = 256 };
		struct gtx_backend be;
		uint32_t per = (c[i].mtu + 14 + c[i].chunk - 1) / c[i].chunk;

		u.tx_max = c[i].mtu + 14;
		be = gtx_umem_backend(&u);
		cfg.mtu = c[i].mtu;
		gtx_init(&cfg, &stats, &be);
		ip4out_init(&cfg);
		CHECK_EQ(gtx_room(), c[i].room);
		CHECK(ip4out_room_for(8 + 65507)); /* the relay reads a reply */
		u.tx_nfree = GTX_RESERVE + per - 1;
		CHECK_EQ(gtx_room(), 0);
		u.tx_nfree = GTX_RESERVE + per;
		CHECK_EQ(gtx_room(), 1);
	}
	config_defaults(&cfg);
	txcap_init(&cfg, &stats);
}

int main(void)
{
	config_defaults(&cfg);
	txcap_init(&cfg, &stats);
	RUN(begin_commit);
	RUN(uncommitted_stays_free);
	RUN(no_room);
	RUN(replies);
	RUN(umem_room);
	return check_summary();
}
