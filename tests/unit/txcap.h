/* SPDX-License-Identifier: MIT */
/*
 * txcap.h - the unit tests' guest-tx backend: frames that user/io/gtx.c
 * sends to the guest are captured in memory instead of a UMEM, so a test
 * can drive lwIP, ackcoal or the TCP proxy and read what reached the
 * "guest" (the fake netif of lwIP's own unit tests).
 *
 * Frames are captured in order: txcap.len[i] bytes at txcap.frame[i]
 * (Ethernet header first). txcap.free is how many more frames the backend
 * lends before it reports no room (backpressure); txcap_drain() stands for
 * the kernel completing everything captured so far.
 *
 * txcap_tcp() reads a captured segment back for the checks. Everything is
 * static inline, as in check.h.
 */
#ifndef TAPGATE_TEST_TXCAP_H
#define TAPGATE_TEST_TXCAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lib/frames.h"
#include "wire.h"
#include "io/gtx.h"

#define TXCAP_FRAMES	 256
#define TXCAP_FRAME_SIZE 2048

struct txcap {
	uint8_t frame[TXCAP_FRAMES][TXCAP_FRAME_SIZE];
	uint32_t len[TXCAP_FRAMES];
	unsigned int n;	   /* frames captured */
	unsigned int free; /* frames that may still be lent */
	unsigned int kicks;
};

static struct txcap txcap;

static inline uint8_t *txcap_lend(void *ctx, uint64_t *addr)
{
	(void)ctx;
	if (!txcap.free || txcap.n >= TXCAP_FRAMES)
		return NULL;
	*addr = txcap.n;
	return txcap.frame[txcap.n];
}

static inline int txcap_send(void *ctx, uint64_t addr, uint32_t len)
{
	(void)ctx;
	if (addr != txcap.n || len > TXCAP_FRAME_SIZE)
		return -EINVAL; /* not the frame lent: a bug in gtx.c */
	txcap.len[txcap.n++] = len;
	txcap.free--;
	return 0;
}

static inline void txcap_kick(void *ctx)
{
	(void)ctx;
	txcap.kicks++;
}

static inline uint32_t txcap_room(void *ctx, uint32_t reserve)
{
	(void)ctx;
	return txcap.free > reserve ? txcap.free - reserve : 0;
}

static inline bool txcap_stalled(void *ctx)
{
	(void)ctx;
	return false;
}

/* Forget what was captured; @free frames may be lent from now on. */
static inline void txcap_drain(unsigned int free)
{
	txcap.n = 0;
	txcap.free = free;
}

/* gtx_init() with this backend and every frame free. */
static inline void txcap_init(const struct config *cfg, struct tg_ustats *st)
{
	static const struct gtx_backend be = {
		.frame_size = TXCAP_FRAME_SIZE,
		.lend = txcap_lend,
		.send = txcap_send,
		.kick = txcap_kick,
		.room = txcap_room,
		.stalled = txcap_stalled,
	};

	txcap_drain(TXCAP_FRAMES);
	gtx_init(cfg, st, &be);
}

/* The IP packet of captured frame @i. */
static inline const uint8_t *txcap_ip(unsigned int i)
{
	return txcap.frame[i] + 14;
}

static inline size_t txcap_ip_len(unsigned int i)
{
	return txcap.len[i] - 14;
}

/* A captured IPv4 TCP segment, read back. */
struct txseg {
	const uint8_t *ip, *th, *data;
	size_t len; /* payload bytes */
	uint16_t sport, dport, wnd;
	uint32_t seq, ack;
	uint8_t flags;
	bool sums_ok; /* IPv4 header and TCP checksums verify */
};

/* Read captured frame @i as IPv4 TCP into @t; false if it is not that. */
static inline bool txcap_tcp(unsigned int i, struct txseg *t)
{
	const uint8_t *ip = txcap_ip(i);
	size_t n = txcap_ip_len(i), doff;

	memset(t, 0, sizeof(*t));
	if (i >= txcap.n || n < 40 || tb_get16(txcap.frame[i] + 12) != TG_ETH_P_IP ||
	    ip[0] != 0x45 || ip[9] != TG_IPPROTO_TCP || tb_get16(ip + 2) != n)
		return false;
	doff = (size_t)(ip[32] >> 4) * 4;
	if (doff < 20 || 20 + doff > n)
		return false;
	t->ip = ip;
	t->th = ip + 20;
	t->data = t->th + doff;
	t->len = n - 20 - doff;
	t->sport = tb_get16(t->th);
	t->dport = tb_get16(t->th + 2);
	t->seq = tb_get32(t->th + 4);
	t->ack = tb_get32(t->th + 8);
	t->flags = t->th[13];
	t->wnd = tb_get16(t->th + 14);
	t->sums_ok = tb_fold(tb_sum(0, ip, 20)) == 0 &&
		     tb_fold(tb_sum(tb_pseudo(ip + 12, ip + 16, 4, TG_IPPROTO_TCP, (uint32_t)(n - 20)),
				    t->th, n - 20)) == 0;
	return true;
}

/* The MSS option of a captured SYN, or 0. */
static inline uint16_t txcap_mss(const struct txseg *t)
{
	const uint8_t *o = t->th + 20;

	while (o + 4 <= t->data && *o != 0) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o[0] == 2 && o[1] == 4)
			return tb_get16(o + 2);
		if (o[1] < 2)
			break;
		o += o[1];
	}
	return 0;
}

#endif
