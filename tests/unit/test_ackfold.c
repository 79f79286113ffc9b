// SPDX-License-Identifier: MIT
/*
 * test_ackfold.c - the guest's pure ACKs a later one in the same batch
 * supersedes (user/stack/ackfold.c), on frames staged by the real slot_stage():
 * asked last to first, an ACK is left out only when a later pure ACK of
 * the same connection acknowledges strictly more (sequence space wraps);
 * duplicates, data, FIN, RST, ECN bits and options (but a timestamp) are never left out and
 * never supersede; connections are kept apart, and past the table's size
 * nothing is left out.
 */
#include <stdint.h>
#include <string.h>

#include "stack/ackfold.h"
#include "check.h"
#include "lib/frames.h"
#include "control/config.h"
#include "wire/slot.h"

#define NMAX 40

static struct config cfg;
static uint8_t guest4[16], pub4[16];
static uint8_t frames[NMAX][128];
static struct slot slots[NMAX];
static bool out[NMAX];
static int n;

/* Stage one guest TCP frame to pub4:80 from @sport. */
static const uint8_t ts_opts[12] = { 1, 1, 8, 10, 0, 0, 0, 1 }; /* NOP NOP timestamps */
static const uint8_t sack_opts[12] = { 1, 1, 5, 10 };		/* NOP NOP SACK block */
static const uint8_t *opts = ts_opts;

static void add(uint16_t sport, uint32_t ack, uint8_t flags, size_t optlen, size_t paylen)
{
	uint8_t l4[80];
	size_t len = tb_tcp(l4, sport, 80, 1000, ack, flags, opts, optlen);

	memset(l4 + len, 'x', paylen);
	len = tb_frame4(frames[n], cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_TCP, l4,
			len + paylen);
	CHECK_EQ(slot_stage(&slots[n], &cfg, frames[n], len), SLOT_OK);
	n++;
}

/* Ask about the batch last to first, as the poller does. */
static void fold(void)
{
	ackfold_begin();
	for (int i = n; i-- > 0;)
		out[i] = ackfold_superseded(&slots[i]);
}

static int count_out(void)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += out[i];
	return c;
}

static void newest_stays(void)
{
	n = 0;
	add(1000, 100, TG_TCP_ACK, 0, 0);
	add(1000, 200, TG_TCP_ACK, 0, 0);
	add(1000, 300, TG_TCP_ACK, 0, 0);
	fold();
	CHECK(out[0] && out[1] && !out[2]);
}

static void duplicates_kept(void)
{
	n = 0;
	add(1000, 100, TG_TCP_ACK, 0, 0);
	add(1000, 100, TG_TCP_ACK, 0, 0);
	add(1000, 100, TG_TCP_ACK, 0, 0);
	fold();
	CHECK_EQ(count_out(), 0);
	/* ...until a later ACK moves on: then they say nothing more. */
	add(1000, 150, TG_TCP_ACK, 0, 0);
	fold();
	CHECK(out[0] && out[1] && out[2] && !out[3]);
}

static void wraps(void)
{
	n = 0;
	add(1000, 0xfffffff0u, TG_TCP_ACK, 0, 0);
	add(1000, 0x10, TG_TCP_ACK, 0, 0);
	fold();
	CHECK(out[0] && !out[1]);
	n = 0; /* a later ACK that goes backwards supersedes nothing */
	add(1000, 0x10, TG_TCP_ACK, 0, 0);
	add(1000, 0xfffffff0u, TG_TCP_ACK, 0, 0);
	fold();
	CHECK_EQ(count_out(), 0);
}

static void only_pure_acks(void)
{
	static const struct {
		uint8_t flags;
		size_t optlen, paylen;
	} not_pure[] = {
		{ TG_TCP_ACK, 0, 10 },		   /* data */
		{ TG_TCP_ACK | TG_TCP_PSH, 0, 0 }, /* PSH */
		{ TG_TCP_ACK | TG_TCP_FIN, 0, 0 }, /* FIN */
		{ TG_TCP_ACK | TG_TCP_RST, 0, 0 }, /* RST */
		{ TG_TCP_ACK | TG_TCP_ECE, 0, 0 }, /* ECE */
		{ TG_TCP_ACK | TG_TCP_CWR, 0, 0 }, /* CWR */
		{ TG_TCP_ACK, 12, 0 },		   /* options other than a timestamp */
	};

	opts = sack_opts;
	for (size_t k = 0; k < sizeof(not_pure) / sizeof(not_pure[0]); k++) {
		/* Not left out, even with a newer pure ACK after it... */
		n = 0;
		add(1000, 100, not_pure[k].flags, not_pure[k].optlen, not_pure[k].paylen);
		add(1000, 200, TG_TCP_ACK, 0, 0);
		fold();
		CHECK(!out[0] && !out[1]);
		/* ...and it supersedes no pure ACK before it. */
		n = 0;
		add(1000, 100, TG_TCP_ACK, 0, 0);
		add(1000, 200, not_pure[k].flags, not_pure[k].optlen, not_pure[k].paylen);
		fold();
		CHECK(!out[0] && !out[1]);
	}
	opts = ts_opts;
}

/* Timestamps in their usual layout (NOP NOP TS), as every Linux ACK has
 * when they were negotiated: folded like bare ACKs. */
static void timestamps_fold(void)
{
	n = 0;
	add(1000, 100, TG_TCP_ACK, 12, 0);
	add(1000, 200, TG_TCP_ACK, 12, 0);
	add(1000, 300, TG_TCP_ACK, 0, 0);
	fold();
	CHECK(out[0] && out[1] && !out[2]);
	n = 0; /* a timestamp option one byte longer is not the usual layout */
	add(1000, 100, TG_TCP_ACK, 12, 0);
	add(1000, 200, TG_TCP_ACK, 0, 0);
	frames[0][14 + 20 + 20 + 3] = 11;
	fold();
	CHECK(!out[0] && !out[1]);
}

static void connections_apart(void)
{
	n = 0;
	add(1000, 100, TG_TCP_ACK, 0, 0);
	add(1001, 200, TG_TCP_ACK, 0, 0);
	add(1000, 150, TG_TCP_ACK, 0, 0);
	add(1001, 150, TG_TCP_ACK, 0, 0); /* lower: supersedes nothing */
	fold();
	CHECK(out[0] && !out[1] && !out[2] && !out[3]);
}

static void table_full(void)
{
	n = 0;
	for (uint16_t p = 0; p < 20; p++)
		add((uint16_t)(2000 + p), 100, TG_TCP_ACK, 0, 0);
	for (uint16_t p = 0; p < 20; p++)
		add((uint16_t)(2000 + p), 200, TG_TCP_ACK, 0, 0);
	fold();
	/* Asked last to first, the last 16 connections fill the table. */
	CHECK_EQ(count_out(), 16);
	for (int p = 0; p < 4; p++)
		CHECK(!out[p]);
}

int main(void)
{
	config_defaults(&cfg);
	memcpy(guest4, &cfg.guest_ip4, 4);
	tb_ip4(pub4, 8, 8, 8, 8);
	RUN(newest_stays);
	RUN(duplicates_kept);
	RUN(wraps);
	RUN(only_pure_acks);
	RUN(timestamps_fold);
	RUN(connections_apart);
	RUN(table_full);
	return check_summary();
}
