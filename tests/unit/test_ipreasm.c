// SPDX-License-Identifier: MIT
/*
 * test_ipreasm.c - IPv4 fragment reassembly on crafted fragments: orders,
 * duplicates, overlaps, every limit (size, table, fragments, time) and the
 * header of the reassembled packet. Each fragment is handed over in a heap
 * copy of exactly its length, so an ASan build catches any read past it;
 * the last case frees a table with datagrams pending, for LeakSanitizer.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "lib/frames.h"
#include "wire/ipreasm.h"

static uint8_t src4[16], dst4[16], dst4b[16];
static const uint8_t *out;
static size_t out_len;

/* Payload byte at datagram offset @p: differs with @seed and along @p. */
static uint8_t pat(uint32_t p, uint8_t seed)
{
	return (uint8_t)(p * 31 + (p >> 8) + seed);
}

/* A fragment to @dst of datagram @id: @plen payload bytes at @off.
 * TTL 64 in the first fragment and 63 in others, to see whose header the
 * output carries. Returns its length. */
static size_t frag_to(uint8_t *b, const uint8_t *dst, uint16_t id, uint8_t proto, uint32_t off,
		      bool more, size_t plen, uint8_t seed)
{
	tb_ip4_hdr(b, src4, dst, proto, id, (uint16_t)((more ? TG_IP4_MF : 0) | (off / 8)), plen);
	b[1] = 0x10;
	b[8] = off ? 63 : 64;
	for (size_t i = 0; i < plen; i++)
		b[TG_IP4_HLEN + i] = pat(off + (uint32_t)i, seed);
	tb_ip4_csum(b);
	return TG_IP4_HLEN + plen;
}

static size_t frag(uint8_t *b, uint16_t id, uint32_t off, bool more, size_t plen)
{
	return frag_to(b, dst4, id, TG_IPPROTO_UDP, off, more, plen, 0);
}

/* reasm_add() on a heap copy of exactly @len bytes of @b. */
static int add(struct reasm *r, const uint8_t *b, size_t len, uint64_t now)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, b, len);
	ret = reasm_add(r, copy, len, now, &out, &out_len);
	free(copy);
	return ret;
}

/* Build and add one fragment of datagram @id (UDP to dst4, seed 0). */
static int add_frag(struct reasm *r, uint16_t id, uint32_t off, bool more, size_t plen,
		    uint64_t now)
{
	static uint8_t b[65536];

	return add(r, b, frag(b, id, off, more, plen), now);
}

/* The last REASM_DONE output is datagram @id to @dst of @plen bytes. */
static void check_out(const uint8_t *dst, uint16_t id, uint8_t proto, size_t plen, uint8_t seed)
{
	CHECK_EQ(out_len, 20 + plen);
	if (out_len != 20 + plen)
		return;
	CHECK_EQ(out[0], 0x45);
	CHECK_EQ(out[1], 0x10);
	CHECK_EQ(tb_get16(out + 2), out_len);
	CHECK_EQ(tb_get16(out + 4), id);
	CHECK_EQ(tb_get16(out + 6), 0);
	CHECK_EQ(out[8], 64); /* the first fragment's header */
	CHECK_EQ(out[9], proto);
	CHECK_EQ(tb_fold(tb_sum(0, out, 20)), 0);
	CHECK_MEM(out + 12, src4, 4);
	CHECK_MEM(out + 16, dst, 4);
	for (size_t i = 0; i < plen; i++) {
		if (out[20 + i] != pat((uint32_t)i, seed)) {
			CHECK_EQ(out[20 + i], pat((uint32_t)i, seed));
			break;
		}
	}
}

static struct reasm *new_default(void)
{
	return reasm_new(64, 128, 10000);
}

/* ---- cases ------------------------------------------------------------ */

static void in_order(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 1, 0, true, 1480, 0), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 1);
	CHECK_EQ(add_frag(r, 1, 1480, true, 1480, 1), REASM_PENDING);
	CHECK_EQ(add_frag(r, 1, 2960, false, 41, 2), REASM_DONE);
	check_out(dst4, 1, TG_IPPROTO_UDP, 3001, 0);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(reasm_next_deadline(r), 0);
	CHECK_EQ(reasm_stats(r)->done, 1);
	CHECK_EQ(reasm_stats(r)->dropped, 0);
	reasm_free(r);
}

static void reverse_order(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 2, 2960, false, 41, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 2, 1480, true, 1480, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 2, 0, true, 1480, 0), REASM_DONE);
	check_out(dst4, 2, TG_IPPROTO_UDP, 3001, 0);
	CHECK_EQ(reasm_pending(r), 0);
	reasm_free(r);
}

/* Same id to another destination, or another protocol, is another datagram. */
static void interleaved(void)
{
	struct reasm *r = new_default();
	uint8_t b[2000];

	CHECK_EQ(add(r, b, frag_to(b, dst4, 7, TG_IPPROTO_UDP, 0, true, 1000, 1), 0),
		 REASM_PENDING);
	CHECK_EQ(add(r, b, frag_to(b, dst4b, 7, TG_IPPROTO_UDP, 1000, false, 5, 2), 0),
		 REASM_PENDING);
	CHECK_EQ(add(r, b, frag_to(b, dst4, 7, TG_IPPROTO_ICMP, 1000, false, 9, 3), 0),
		 REASM_PENDING);
	CHECK_EQ(add(r, b, frag_to(b, dst4b, 7, TG_IPPROTO_UDP, 0, true, 504, 2), 0),
		 REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 3);
	CHECK_EQ(add(r, b, frag_to(b, dst4, 7, TG_IPPROTO_UDP, 1000, false, 7, 1), 0), REASM_DONE);
	check_out(dst4, 7, TG_IPPROTO_UDP, 1007, 1);
	CHECK_EQ(add(r, b, frag_to(b, dst4, 7, TG_IPPROTO_ICMP, 0, true, 1000, 3), 0), REASM_DONE);
	check_out(dst4, 7, TG_IPPROTO_ICMP, 1009, 3);
	CHECK_EQ(reasm_pending(r), 1);
	CHECK_EQ(add(r, b, frag_to(b, dst4b, 7, TG_IPPROTO_UDP, 504, true, 496, 2), 0), REASM_DONE);
	check_out(dst4b, 7, TG_IPPROTO_UDP, 1005, 2);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(reasm_stats(r)->done, 3);
	reasm_free(r);
}

/* Exact duplicates (a first, a middle and a final fragment) change nothing. */
static void duplicate_ignored(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 3, 0, true, 16, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 3, 0, true, 16, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 3, 32, false, 5, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 3, 32, false, 5, 0), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 1);
	CHECK_EQ(add_frag(r, 3, 16, true, 16, 0), REASM_DONE);
	check_out(dst4, 3, TG_IPPROTO_UDP, 37, 0);
	CHECK_EQ(reasm_stats(r)->dropped, 0);
	reasm_free(r);
}

/* After an overlap the datagram is gone: its next fragments start afresh. */
static void overlap_dropped(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 4, 0, true, 16, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 4, 8, true, 16, 0), REASM_DROP_OVERLAP);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(add_frag(r, 4, 16, false, 3, 0), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 1);
	CHECK_EQ(add_frag(r, 4, 0, true, 16, 0), REASM_DONE);
	check_out(dst4, 4, TG_IPPROTO_UDP, 19, 0);
	CHECK_EQ(reasm_stats(r)->dropped, 1);
	reasm_free(r);
}

/* Same offset and length but other bytes (or MF) is an overlap, not a
 * duplicate; so is a fragment exactly covering two earlier ones. */
static void overlap_not_duplicate(void)
{
	struct reasm *r = new_default();
	uint8_t b[64];

	CHECK_EQ(add_frag(r, 5, 8, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add(r, b, frag_to(b, dst4, 5, TG_IPPROTO_UDP, 8, true, 8, 9), 0),
		 REASM_DROP_OVERLAP);
	CHECK_EQ(reasm_pending(r), 0);

	CHECK_EQ(add_frag(r, 5, 0, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 5, 8, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 5, 0, true, 16, 0), REASM_DROP_OVERLAP);
	CHECK_EQ(reasm_pending(r), 0);

	/* the same bytes with MF changed say another total length */
	CHECK_EQ(add_frag(r, 5, 8, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 5, 8, false, 8, 0), REASM_DROP_OVERLAP);
	CHECK_EQ(add_frag(r, 5, 8, false, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 5, 8, true, 8, 0), REASM_DROP_OVERLAP);
	CHECK_EQ(reasm_pending(r), 0);
	reasm_free(r);
}

/* Data past the final fragment's end, or a second, different end. */
static void beyond_final(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 6, 16, false, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 6, 24, true, 8, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(reasm_pending(r), 0);

	CHECK_EQ(add_frag(r, 6, 16, false, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 6, 40, false, 8, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(reasm_pending(r), 0);

	CHECK_EQ(add_frag(r, 6, 32, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 6, 16, false, 8, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(reasm_pending(r), 0);

	/* The same end again with another start overlaps the first final. */
	CHECK_EQ(add_frag(r, 6, 16, false, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 6, 8, false, 16, 0), REASM_DROP_OVERLAP);
	CHECK_EQ(reasm_pending(r), 0);
	reasm_free(r);
}

/* 65535 bytes of packet is the most; one byte more is a ping of death,
 * which also drops what was received of it. */
static void size_limit(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(add_frag(r, 8, 0, true, 32760, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 8, 32760, true, 32752, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 8, 65512, false, 3, 0), REASM_DONE);
	check_out(dst4, 8, TG_IPPROTO_UDP, 65515, 0);
	CHECK_EQ(out_len, 65535);

	CHECK_EQ(add_frag(r, 9, 0, true, 32760, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 9, 65512, false, 4, 0), REASM_DROP_TOO_BIG);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(add_frag(r, 9, 65528, true, 8, 0), REASM_DROP_TOO_BIG);
	CHECK_EQ(add_frag(r, 9, 8, false, 65508, 0), REASM_DROP_TOO_BIG);
	CHECK_EQ(reasm_pending(r), 0);
	reasm_free(r);
}

/* 64 datagrams pending: a 65th is refused, the 64 go on, and once one
 * completes a new one fits. */
static void table_full(void)
{
	struct reasm *r = new_default();

	for (uint16_t id = 100; id < 164; id++)
		CHECK_EQ(add_frag(r, id, 0, true, 8, id), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 64);
	CHECK_EQ(add_frag(r, 164, 0, true, 8, 1000), REASM_DROP_TABLE_FULL);
	CHECK_EQ(reasm_pending(r), 64);
	CHECK_EQ(add_frag(r, 100, 8, false, 1, 1000), REASM_DONE);
	CHECK_EQ(add_frag(r, 164, 0, true, 8, 1000), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 64);
	/* a stale datagram makes room for a new one even if the timer lags */
	CHECK_EQ(add_frag(r, 165, 0, true, 8, 10101), REASM_PENDING);
	CHECK_EQ(reasm_stats(r)->timed_out, 1);
	CHECK_EQ(reasm_pending(r), 64);
	reasm_free(r);
}

/* 128 fragments make a datagram; a 129th drops it. */
static void fragment_limit(void)
{
	struct reasm *r = new_default();

	for (uint32_t i = 0; i < 127; i++)
		CHECK_EQ(add_frag(r, 10, i * 8, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 10, 127 * 8, false, 8, 0), REASM_DONE);
	check_out(dst4, 10, TG_IPPROTO_UDP, 128 * 8, 0);

	for (uint32_t i = 0; i < 128; i++)
		CHECK_EQ(add_frag(r, 11, i * 8, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 11, 0, true, 8, 0), REASM_PENDING); /* duplicates do not count */
	CHECK_EQ(add_frag(r, 11, 128 * 8, false, 8, 0), REASM_DROP_TOO_MANY_FRAGS);
	CHECK_EQ(reasm_pending(r), 0);
	reasm_free(r);
}

static void timeout(void)
{
	struct reasm *r = new_default();

	CHECK_EQ(reasm_next_deadline(r), 0);
	CHECK_EQ(add_frag(r, 12, 0, true, 8, 1000), REASM_PENDING);
	CHECK_EQ(reasm_next_deadline(r), 11000);
	CHECK_EQ(add_frag(r, 13, 0, true, 8, 5000), REASM_PENDING);
	CHECK_EQ(add_frag(r, 12, 8, true, 8, 6000), REASM_PENDING); /* from the first */
	CHECK_EQ(reasm_next_deadline(r), 11000);
	CHECK_EQ(reasm_expire(r, 10999), 0);
	CHECK_EQ(reasm_pending(r), 2);
	CHECK_EQ(reasm_expire(r, 11000), 1);
	CHECK_EQ(reasm_pending(r), 1);
	CHECK_EQ(reasm_next_deadline(r), 15000);
	/* id 12 starts afresh: its earlier bytes are gone */
	CHECK_EQ(add_frag(r, 12, 16, false, 1, 11001), REASM_PENDING);
	CHECK_EQ(reasm_pending(r), 2);
	/* a late fragment of an expired datagram, before the timer ran */
	CHECK_EQ(add_frag(r, 13, 8, false, 1, 15000), REASM_PENDING);
	CHECK_EQ(reasm_stats(r)->timed_out, 2);
	CHECK_EQ(reasm_next_deadline(r), 21001);
	CHECK_EQ(reasm_expire(r, 30000), 2);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(reasm_next_deadline(r), 0);
	CHECK_EQ(reasm_stats(r)->timed_out, 4);
	CHECK_EQ(reasm_stats(r)->done, 0);
	reasm_free(r);
}

static void malformed(void)
{
	struct reasm *r = new_default();
	uint8_t b[64];

	/* a middle fragment must be a multiple of 8 bytes */
	CHECK_EQ(add_frag(r, 14, 0, true, 12, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(add_frag(r, 14, 8, true, 7, 0), REASM_DROP_MALFORMED);
	/* a whole datagram is not a fragment */
	CHECK_EQ(add_frag(r, 14, 0, false, 12, 0), REASM_DROP_MALFORMED);
	/* empty fragments */
	CHECK_EQ(add_frag(r, 14, 8, true, 0, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(add_frag(r, 14, 8, false, 0, 0), REASM_DROP_MALFORMED);
	/* shorter than a header (a broken caller) */
	frag(b, 14, 8, true, 8);
	for (size_t n = 0; n < 20; n++)
		CHECK_EQ(add(r, b, n, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(reasm_stats(r)->dropped, 25);
	/* refusing a bad fragment keeps the datagram it claims to belong to */
	CHECK_EQ(add_frag(r, 14, 0, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 14, 8, true, 4, 0), REASM_DROP_MALFORMED);
	CHECK_EQ(add_frag(r, 14, 8, false, 4, 0), REASM_DONE);
	check_out(dst4, 14, TG_IPPROTO_UDP, 12, 0);
	reasm_free(r);
}

/* DF and the reserved bit survive; MF and the offset do not. */
static void output_flags(void)
{
	struct reasm *r = new_default();
	uint8_t b[64];
	size_t n;

	n = frag(b, 15, 0, true, 8);
	tb_put16(b + 6, TG_IP4_DF | TG_IP4_MF);
	tb_ip4_csum(b);
	CHECK_EQ(add(r, b, n, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 15, 8, false, 2, 0), REASM_DONE);
	CHECK_EQ(out_len, 30);
	CHECK_EQ(tb_get16(out + 6), TG_IP4_DF);
	CHECK_EQ(tb_fold(tb_sum(0, out, 20)), 0);
	reasm_free(r);
}

/* An IPv6 fragment (fixed header, Fragment header, payload) of datagram
 * @id; the same source and destination bytes as the IPv4 ones would have
 * in their first four. Returns its length. */
static size_t frag6(uint8_t *b, uint32_t id, uint32_t off, bool more, size_t plen)
{
	memset(b, 0, 48);
	b[0] = 0x60;
	tb_put16(b + 4, (uint16_t)(8 + plen));
	b[6] = TG_IPPROTO_FRAGMENT;
	b[7] = off ? 63 : 64;
	memcpy(b + 8, src4, 4);
	memcpy(b + 24, dst4, 4);
	b[40] = TG_IPPROTO_UDP;
	tb_put16(b + 42, (uint16_t)(off | more));
	tb_put16(b + 44, (uint16_t)(id >> 16));
	tb_put16(b + 46, (uint16_t)id);
	for (size_t i = 0; i < plen; i++)
		b[48 + i] = pat(off + (uint32_t)i, 0);
	return 48 + plen;
}

/* IPv6: out of order, the output is the first fragment's fixed header
 * with the payload length and next header of the whole, no Fragment
 * header; an IPv4 datagram with the same addresses and id is another. */
static void ipv6_whole(void)
{
	static uint8_t b[65536];
	struct reasm *r = new_default();

	CHECK_EQ(add(r, b, frag6(b, 7, 1448, false, 100), 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 7, 0, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add(r, b, frag6(b, 7, 0, true, 1448), 0), REASM_DONE);
	CHECK_EQ(out_len, 40 + 1548);
	CHECK_EQ(out[0], 0x60);
	CHECK_EQ(tb_get16(out + 4), 1548);
	CHECK_EQ(out[6], TG_IPPROTO_UDP);
	CHECK_EQ(out[7], 64);
	CHECK(!memcmp(out + 8, src4, 4) && !memcmp(out + 24, dst4, 4));
	for (uint32_t i = 0; i < 1548; i++)
		if (out[40 + i] != pat(i, 0)) {
			CHECK_EQ(out[40 + i], pat(i, 0));
			break;
		}
	CHECK_EQ(reasm_pending(r), 1); /* the IPv4 one waits on */
	reasm_free(r);
}

/* IPv6 bounds: a payload of 65535 bytes (the length field's limit, unlike
 * IPv4's 65535 with its header) is whole, one byte more drops the
 * datagram; overlaps drop it too. */
static void ipv6_limits(void)
{
	static uint8_t b[65536 + 64];
	struct reasm *r = new_default();

	CHECK_EQ(add(r, b, frag6(b, 1, 0, true, 8), 0), REASM_PENDING);
	CHECK_EQ(add(r, b, frag6(b, 1, 65528, false, 8), 0), REASM_DROP_TOO_BIG);
	CHECK_EQ(reasm_pending(r), 0);
	CHECK_EQ(add(r, b, frag6(b, 2, 0, true, 16), 0), REASM_PENDING);
	CHECK_EQ(add(r, b, frag6(b, 2, 8, true, 16), 0), REASM_DROP_OVERLAP);
	CHECK_EQ(add(r, b, frag6(b, 3, 0, true, 65520), 0), REASM_PENDING);
	CHECK_EQ(add(r, b, frag6(b, 3, 65520, false, 15), 0), REASM_DONE);
	CHECK_EQ(out_len, 40 + 65535);
	b[6] = TG_IPPROTO_UDP; /* no Fragment header: not a fragment */
	CHECK_EQ(add(r, b, 60, 0), REASM_DROP_MALFORMED);
	reasm_free(r);
}

static void bad_limits(void)
{
	CHECK(reasm_new(0, 128, 10000) == NULL);
	CHECK(reasm_new(64, 0, 10000) == NULL);
	CHECK(reasm_new(64, 128, 0) == NULL);
	reasm_free(NULL);
}

/* Pending datagrams, spare buffers and an output still held: all freed
 * (LeakSanitizer reports otherwise in the ASan build). */
static void free_pending(void)
{
	struct reasm *r = reasm_new(4, 8, 1000);

	for (uint16_t id = 0; id < 3; id++) {
		CHECK_EQ(add_frag(r, id, 0, true, 8, 0), REASM_PENDING);
		CHECK_EQ(add_frag(r, id, 8, false, 8, 0), REASM_DONE);
	}
	for (uint16_t id = 20; id < 24; id++)
		CHECK_EQ(add_frag(r, id, 0, true, 8, 0), REASM_PENDING);
	CHECK_EQ(add_frag(r, 30, 0, true, 8, 0), REASM_DROP_TABLE_FULL);
	CHECK_EQ(add_frag(r, 20, 8, false, 8, 0), REASM_DONE);
	CHECK_EQ(reasm_pending(r), 3);
	reasm_free(r);
}

int main(void)
{
	tb_addr(src4, "100.96.0.2");
	tb_addr(dst4, "93.184.216.34");
	tb_addr(dst4b, "8.8.8.8");

	RUN(in_order);
	RUN(reverse_order);
	RUN(interleaved);
	RUN(duplicate_ignored);
	RUN(overlap_dropped);
	RUN(overlap_not_duplicate);
	RUN(beyond_final);
	RUN(size_limit);
	RUN(table_full);
	RUN(fragment_limit);
	RUN(timeout);
	RUN(malformed);
	RUN(output_flags);
	RUN(bad_limits);
	RUN(ipv6_whole);
	RUN(ipv6_limits);
	RUN(free_pending);
	return check_summary();
}
