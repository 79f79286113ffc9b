// SPDX-License-Identifier: MIT
/*
 * fuzz_ipreasm.c - libFuzzer target: a hostile guest's sequence of IPv4
 * and IPv6 fragments through one reassembly table, on an advancing fake
 * clock.
 *
 * Input: byte 0 picks the limits (cfg_of()); then 7-byte records, each one
 * fragment (or a timer tick) described compactly, so that mutations stay
 * among a few datagrams and hit their overlaps and limits instead of
 * missing on random 16-bit ids:
 *
 *   [0]    clock advance, in 8 ms steps (the timeout is 1000 ms)
 *   [1]    bits 0-1 id, bit 2 protocol, bit 3 destination, bit 6 IPv6
 *          (32 datagram keys); bit 4: run reasm_expire() first; bit 5:
 *          only that
 *   [2..3] the IPv4 header's flags and fragment offset field, as is (for
 *          IPv6 its offset and MF make the Fragment header's)
 *   [4..5] payload length (at most 65515, so total length fits 16 bits)
 *   [6]    payload seed: byte p of the datagram is noise[p + seed]
 *
 * The fuzzer writes a valid header around it (as the slot would have
 * checked) and hands over a heap copy of exactly the fragment's length.
 *
 * Checked: every result is a known code, never NOMEM; no more than
 * max_reasm datagrams and no more than one 65535-byte buffer per pending
 * datagram plus three (the output and two spares) are held (ASan's
 * allocation counter); a fragment that is bad on its own is never kept; a
 * completed packet's length equals its header's total length, its header
 * is valid (IPv4: checksum, MF and offset clear; IPv6: payload length,
 * next header, no Fragment header; the datagram's key) and its
 * payload is what the accepted fragments said (a shadow copy per key); the
 * counters agree with the results; deadlines lie within the timeout; after
 * reasm_free() nothing is left allocated.
 */
#include <sanitizer/allocator_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frames.h"
#include "wire.h"
#include "wire/ipreasm.h"

#define TIMEOUT_MS 1000
#define BUF_SIZE   (65535 + TG_IP6_HLEN)
#define MAX_PLEN   (65535 - TG_IP4_HLEN)
#define NKEYS	   32
#define V6_KEY	   16
#define REC_LEN	   7

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_ipreasm: %s:%d: assertion failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const uint16_t ids[4] = { 0x0000, 0x0001, 0x8000, 0xffff };
static const uint8_t protos[2] = { TG_IPPROTO_UDP, TG_IPPROTO_ICMP };
static const uint8_t protos6[2] = { TG_IPPROTO_UDP, TG_IPPROTO_ICMPV6 };
static const uint32_t ids6[4] = { 0, 1, 0x80000000u, 0xffffffffu };
static const uint8_t src6[16] = { 0xfd, 0x42, 0x6d, 0x73, 0, 0x62, [15] = 2 };
static const uint8_t dsts6[2][16] = { { 0x20, 0x01, 0xd, 0xb8, [15] = 1 },
				      { 0xfd, 0x42, [15] = 9 } };
static const uint8_t src[4] = { 100, 96, 0, 2 };
static const uint8_t dsts[2][4] = { { 93, 184, 216, 34 }, { 8, 8, 8, 8 } };

/* What each key's accepted fragments wrote, to compare completed packets. */
static uint8_t shadow[NKEYS][BUF_SIZE];

/* Payload bytes depend on their place in the datagram and on the seed, so
 * misplaced or mixed-up bytes show; one memcpy per fragment keeps the
 * fuzzer fast with 64 KiB fragments. */
static uint8_t noise[BUF_SIZE + 256];
static bool noise_ready;

struct run {
	struct reasm *r;
	unsigned int max_reasm;
	uint64_t now;
	size_t base; /* bytes allocated with the empty table */
	uint64_t done, dropped, expired;
};

struct rec {
	unsigned int key;
	bool expire, expire_only;
	uint16_t field;
	uint32_t off, plen;
	uint8_t seed;
};

static void noise_init(void)
{
	uint32_t x = 0x9e3779b9;

	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (uint8_t)(x >> 16);
	}
}

/* 0xff: the daemon's limits; else small ones, so that they are reached. */
static void cfg_of(uint8_t c, unsigned int *max_reasm, unsigned int *max_frags)
{
	if (c == 0xff) {
		*max_reasm = 64;
		*max_frags = 128;
		return;
	}
	*max_reasm = 1 + (c & 7);
	*max_frags = 1 + (c >> 3);
}

static void rec_parse(const uint8_t *b, struct rec *rc)
{
	rc->key = (b[1] & 15) | (b[1] & 0x40 ? V6_KEY : 0);
	rc->expire = b[1] & 0x10;
	rc->expire_only = b[1] & 0x20;
	rc->field = tb_get16(b + 2);
	rc->off = (uint32_t)(rc->field & TG_IP4_OFFMASK) * 8;
	rc->plen = tb_get16(b + 4);
	if (rc->plen > MAX_PLEN)
		rc->plen = MAX_PLEN;
	rc->seed = b[6];
}

/* IP header and, for IPv6, Fragment header before a fragment's payload. */
static size_t hlen_of(const struct rec *rc)
{
	return rc->key & V6_KEY ? TG_IP6_HLEN + 8 : TG_IP4_HLEN;
}

static void ip6_frag_hdr(uint8_t *ip, const struct rec *rc)
{
	uint8_t *fh = ip + TG_IP6_HLEN;
	uint32_t id = ids6[rc->key & 3];

	memset(ip, 0, TG_IP6_HLEN + 8);
	ip[0] = 0x60;
	tb_put16(ip + 4, (uint16_t)(8 + rc->plen));
	ip[6] = TG_IPPROTO_FRAGMENT;
	ip[7] = 64;
	memcpy(ip + 8, src6, 16);
	memcpy(ip + 24, dsts6[(rc->key >> 3) & 1], 16);
	fh[0] = protos6[(rc->key >> 2) & 1];
	tb_put16(fh + 2, (uint16_t)(rc->off | !!(rc->field & TG_IP4_MF)));
	tb_put16(fh + 4, (uint16_t)(id >> 16));
	tb_put16(fh + 6, (uint16_t)id);
}

/* The fragment as the slot would pass it: valid header, exact-size copy. */
static uint8_t *build(const struct rec *rc, size_t *len)
{
	size_t h = hlen_of(rc), n = h + rc->plen;
	uint8_t *ip = malloc(n);

	if (rc->key & V6_KEY)
		ip6_frag_hdr(ip, rc);
	else
		tb_ip4_hdr(ip, src, dsts[(rc->key >> 3) & 1], protos[(rc->key >> 2) & 1],
			   ids[rc->key & 3], rc->field, rc->plen);
	/* off + plen <= BUF_SIZE unless too big: then any bytes will do */
	if (rc->off + rc->plen <= BUF_SIZE)
		memcpy(ip + h, noise + rc->off + rc->seed, rc->plen);
	else
		memset(ip + h, rc->seed, rc->plen);
	*len = n;
	return ip;
}

static bool bad_alone(const struct rec *rc)
{
	bool more = rc->field & TG_IP4_MF;

	size_t max = rc->key & V6_KEY ? 65535 : 65535 - TG_IP4_HLEN;

	return (!more && rc->off == 0) || rc->plen == 0 || (more && rc->plen % 8) ||
	       rc->off + rc->plen > max;
}

static void check_done6(const struct rec *rc, const uint8_t *out, size_t n)
{
	FUZZ_ASSERT(n > TG_IP6_HLEN && n <= BUF_SIZE);
	FUZZ_ASSERT(out[0] == 0x60 && tb_get16(out + 4) == n - TG_IP6_HLEN);
	FUZZ_ASSERT(out[6] == protos6[(rc->key >> 2) & 1]);
	FUZZ_ASSERT(!memcmp(out + 8, src6, 16));
	FUZZ_ASSERT(!memcmp(out + 24, dsts6[(rc->key >> 3) & 1], 16));
	FUZZ_ASSERT(rc->off + rc->plen <= n - TG_IP6_HLEN);
	FUZZ_ASSERT(!memcmp(out + TG_IP6_HLEN, shadow[rc->key], n - TG_IP6_HLEN));
}

static void check_done(const struct rec *rc, const uint8_t *out, size_t n)
{
	FUZZ_ASSERT(out != NULL);
	if (rc->key & V6_KEY) {
		check_done6(rc, out, n);
		return;
	}
	FUZZ_ASSERT(n > TG_IP4_HLEN && n <= BUF_SIZE);
	FUZZ_ASSERT(tb_get16(out + 2) == n);
	FUZZ_ASSERT(out[0] == 0x45 && out[1] == 0 && out[8] == 64);
	FUZZ_ASSERT(tb_get16(out + 4) == ids[rc->key & 3]);
	FUZZ_ASSERT((tb_get16(out + 6) & (TG_IP4_MF | TG_IP4_OFFMASK)) == 0);
	FUZZ_ASSERT(out[9] == protos[(rc->key >> 2) & 1]);
	FUZZ_ASSERT(!memcmp(out + 12, src, 4));
	FUZZ_ASSERT(!memcmp(out + 16, dsts[(rc->key >> 3) & 1], 4));
	FUZZ_ASSERT(tb_fold(tb_sum(0, out, TG_IP4_HLEN)) == 0);
	/* the fragment that completed it ends inside it */
	FUZZ_ASSERT(rc->off + rc->plen <= n - TG_IP4_HLEN);
	FUZZ_ASSERT(!memcmp(out + TG_IP4_HLEN, shadow[rc->key], n - TG_IP4_HLEN));
}

/* Limits and counters, after every step. */
static void check_state(const struct run *u)
{
	unsigned int pending = reasm_pending(u->r);
	uint64_t next = reasm_next_deadline(u->r);
	const struct reasm_stats *st = reasm_stats(u->r);
	size_t held = __sanitizer_get_current_allocated_bytes() - u->base;

	FUZZ_ASSERT(pending <= u->max_reasm);
	FUZZ_ASSERT(held <= (size_t)(pending + 3) * BUF_SIZE);
	FUZZ_ASSERT((next == 0) == (pending == 0));
	FUZZ_ASSERT(next == 0 || next <= u->now + TIMEOUT_MS);
	FUZZ_ASSERT(st->done == u->done);
	FUZZ_ASSERT(st->dropped == u->dropped);
	FUZZ_ASSERT(st->timed_out >= u->expired);
}

static void do_expire(struct run *u)
{
	u->expired += reasm_expire(u->r, u->now);
	FUZZ_ASSERT(reasm_next_deadline(u->r) == 0 || reasm_next_deadline(u->r) > u->now);
}

static void do_add(struct run *u, const struct rec *rc)
{
	const uint8_t *out = NULL;
	size_t len, out_len = 0;
	uint8_t *ip = build(rc, &len);
	int ret = reasm_add(u->r, ip, len, u->now, &out, &out_len);

	FUZZ_ASSERT(ret >= REASM_DROP_TOO_MANY_FRAGS && ret <= REASM_DONE);
	if (bad_alone(rc))
		FUZZ_ASSERT(ret == REASM_DROP_MALFORMED || ret == REASM_DROP_TOO_BIG);
	if (ret == REASM_DROP_TABLE_FULL)
		FUZZ_ASSERT(reasm_pending(u->r) == u->max_reasm);
	if (ret >= 0)
		memcpy(shadow[rc->key] + rc->off, ip + hlen_of(rc), rc->plen);
	free(ip);
	if (ret == REASM_DONE) {
		u->done++;
		check_done(rc, out, out_len);
	} else if (ret < 0) {
		u->dropped++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run u = { 0 };
	unsigned int max_frags;
	size_t before = __sanitizer_get_current_allocated_bytes();

	if (size < 1)
		return 0;
	if (!noise_ready) {
		noise_init();
		noise_ready = true;
	}
	cfg_of(data[0], &u.max_reasm, &max_frags);
	u.r = reasm_new(u.max_reasm, max_frags, TIMEOUT_MS);
	FUZZ_ASSERT(u.r != NULL);
	u.base = __sanitizer_get_current_allocated_bytes();
	for (size_t i = 1; i + REC_LEN <= size; i += REC_LEN) {
		struct rec rc;

		rec_parse(data + i, &rc);
		u.now += (uint64_t)data[i] * 8;
		if (rc.expire || rc.expire_only)
			do_expire(&u);
		if (!rc.expire_only)
			do_add(&u, &rc);
		check_state(&u);
	}
	reasm_free(u.r);
	FUZZ_ASSERT(__sanitizer_get_current_allocated_bytes() == before);
	return 0;
}
