// SPDX-License-Identifier: MIT
/*
 * test_ackcoal.c - pure ACKs held and merged during a batch (user/stack/ackcoal.c):
 * the newest per connection goes out at the end; a duplicate ACK goes out
 * with the held one, in order; data, FIN, SYN and RST go at once and
 * drop their connection's held ACK; connections are kept apart; nothing is
 * held outside a batch, when the table is full, or for what is not IPv4 TCP.
 * What ackcoal sends goes through gtx.c into the capture backend (txcap.h).
 */
#include <stdint.h>
#include <string.h>

#include "control/config.h"
#include "stack/ackcoal.h"
#include "check.h"
#include "txcap.h"

static struct config cfg;

/* A 40-byte IPv4 TCP packet from 100.96.0.1:sport to 100.96.0.2:80. */
static size_t tcp_pkt(uint8_t *p, uint16_t sport, uint32_t ack, uint16_t wnd, uint8_t flags)
{
	memset(p, 0, 40);
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = 6;
	p[12] = 100, p[13] = 96, p[15] = 1;
	p[16] = 100, p[17] = 96, p[19] = 2;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[23] = 80;
	p[28] = (uint8_t)(ack >> 24), p[29] = (uint8_t)(ack >> 16);
	p[30] = (uint8_t)(ack >> 8), p[31] = (uint8_t)ack;
	p[32] = 0x50;
	p[33] = flags;
	p[34] = (uint8_t)(wnd >> 8), p[35] = (uint8_t)wnd;
	return 40;
}

static uint32_t ack_of(unsigned int i)
{
	return tb_get32(txcap_ip(i) + 28);
}

static bool offer(uint16_t sport, uint32_t ack, uint16_t wnd, uint8_t flags, size_t payload)
{
	uint8_t p[ACKCOAL_HDR_MAX];
	size_t n = tcp_pkt(p, sport, ack, wnd, flags);

	return ackcoal_offer(p, n, n + payload);
}

static void reset(void)
{
	txcap_drain(TXCAP_FRAMES);
	ackcoal_begin();
}

static void newest_wins(void)
{
	reset();
	CHECK(offer(1000, 100, 500, 0x10, 0));
	CHECK(offer(1000, 200, 500, 0x10, 0));
	CHECK(offer(1000, 300, 900, 0x10, 0));
	CHECK_EQ(txcap.n, 0);
	CHECK_EQ(ackcoal_end(), 2u);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(ack_of(0), 300u);
	CHECK_EQ(txcap_ip_len(0), 40u);
	CHECK_MEM(txcap.frame[0], cfg.guest_mac, 6); /* an Ethernet frame for the guest */
}

static void window_update_replaces(void)
{
	reset();
	CHECK(offer(1000, 100, 500, 0x10, 0));
	CHECK(offer(1000, 100, 800, 0x10, 0)); /* same ack, new window */
	CHECK_EQ(ackcoal_end(), 1u);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(txcap_ip(0)[34] << 8 | txcap_ip(0)[35], 800);
}

static void duplicate_ack_kept(void)
{
	reset();
	CHECK(offer(1000, 100, 500, 0x10, 0));
	CHECK(!offer(1000, 100, 500, 0x10, 0)); /* the caller sends it */
	CHECK_EQ(txcap.n, 1);			/* the held one went first */
	CHECK_EQ(ack_of(0), 100u);
	CHECK_EQ(ackcoal_end(), 0u);
	CHECK_EQ(txcap.n, 1);
}

static void data_and_flags_go_at_once(void)
{
	static const uint8_t flags[] = { 0x18, 0x11, 0x12, 0x04, 0x14 };

	for (size_t i = 0; i < sizeof(flags); i++) {
		reset();
		CHECK(offer(1000, 100, 500, 0x10, 0));
		CHECK(!offer(1000, 150, 500, flags[i], flags[i] == 0x18 ? 100 : 0));
		CHECK_EQ(ackcoal_end(), 1u); /* the held ACK was redundant */
		CHECK_EQ(txcap.n, 0);
	}
	reset();
	CHECK(!offer(1000, 100, 500, 0x10, 1)); /* one byte of data */
	ackcoal_end();
}

static void connections_apart(void)
{
	reset();
	CHECK(offer(1000, 100, 500, 0x10, 0));
	CHECK(offer(2000, 7, 500, 0x10, 0));
	CHECK(offer(1000, 200, 500, 0x10, 0));
	CHECK(!offer(2000, 9, 500, 0x18, 10)); /* drops 2000's, not 1000's */
	CHECK_EQ(ackcoal_end(), 2u);
	CHECK_EQ(txcap.n, 1);
	CHECK_EQ(ack_of(0), 200u);
	CHECK_EQ(txcap_ip(0)[21], 1000 & 0xff);
}

static void limits(void)
{
	uint8_t p[ACKCOAL_HDR_MAX];
	size_t n = tcp_pkt(p, 1, 1, 1, 0x10);
	int held = 0;

	txcap_drain(TXCAP_FRAMES);
	CHECK(!ackcoal_offer(p, n, n)); /* no batch */
	reset();
	for (uint16_t s = 1; s <= 100; s++)
		held += offer(s, 1, 1, 0x10, 0);
	CHECK(held > 0 && held < 100);
	ackcoal_end();
	CHECK_EQ(txcap.n, held);
	reset();
	p[9] = 17; /* UDP */
	CHECK(!ackcoal_offer(p, n, n));
	p[9] = 6;
	p[0] = 0x60; /* not IPv4 */
	CHECK(!ackcoal_offer(p, n, n));
	p[0] = 0x45;
	CHECK(!ackcoal_offer(p, 30, 40)); /* header cut short */
	ackcoal_end();
}

int main(void)
{
	config_defaults(&cfg);
	txcap_init(&cfg, NULL);
	RUN(newest_wins);
	RUN(window_update_replaces);
	RUN(duplicate_ack_kept);
	RUN(data_and_flags_go_at_once);
	RUN(connections_apart);
	RUN(limits);
	return check_summary();
}
