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
 * Everything is static inline, as in check.h.
 */
#ifndef TAPGATE_TEST_TXCAP_H
#define TAPGATE_TEST_TXCAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

static inline uint32_t txcap_nfree(void *ctx)
{
	(void)ctx;
	return txcap.free;
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
		.nfree = txcap_nfree,
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

#endif
