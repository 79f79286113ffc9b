// SPDX-License-Identifier: MIT
/*
 * test_frame.c - the bounds-checked accessor, the byte helpers and the
 * Internet checksum (user/wire/frame.h, bytes.h, csum.c): frame_get() at and
 * past every edge (including offsets and lengths that would wrap), rd/wr16
 * and 32, and csum_add/csum_fold/csum_pseudo4/6 against lib/frames.h's
 * reference sum on known vectors and pseudo-random buffers.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/frames.h"
#include "wire/bytes.h"
#include "wire/csum.h"
#include "wire/frame.h"

static void get_inside(void)
{
	uint8_t b[10];
	struct frame f = { b, sizeof(b) };

	CHECK(frame_get(&f, 0, 10) == b);
	CHECK(frame_get(&f, 0, 0) == b);
	CHECK(frame_get(&f, 9, 1) == b + 9);
	CHECK(frame_get(&f, 10, 0) == b + 10); /* empty range at the end */
	CHECK(frame_get(&f, 3, 7) == b + 3);
}

static void get_outside(void)
{
	uint8_t b[10];
	struct frame f = { b, sizeof(b) };

	CHECK(frame_get(&f, 0, 11) == NULL);
	CHECK(frame_get(&f, 10, 1) == NULL);
	CHECK(frame_get(&f, 11, 0) == NULL);
	CHECK(frame_get(&f, 9, 2) == NULL);
	CHECK(frame_get(&f, SIZE_MAX, 1) == NULL);
	CHECK(frame_get(&f, 1, SIZE_MAX) == NULL);
	CHECK(frame_get(&f, SIZE_MAX, SIZE_MAX) == NULL);
	CHECK(frame_get(&f, 5, SIZE_MAX - 4) == NULL); /* off + len wraps to 0 */
}

static void get_empty_frame(void)
{
	struct frame f = { NULL, 0 };

	CHECK(frame_get(&f, 0, 1) == NULL);
	CHECK(frame_get(&f, 1, 0) == NULL);
}

static void rw_helpers(void)
{
	uint8_t b[4];

	wr16(b, 0xabcd);
	CHECK_EQ(b[0], 0xab);
	CHECK_EQ(b[1], 0xcd);
	CHECK_EQ(rd16(b), 0xabcd);
	wr32(b, 0x01020304);
	CHECK_EQ(b[0], 1);
	CHECK_EQ(b[3], 4);
	CHECK_EQ(rd32(b), 0x01020304);
	wr32(b, 0xffffffff);
	CHECK_EQ(rd32(b), 0xffffffff);
}

static void csum_rfc1071_vector(void)
{
	/* RFC 1071 section 3 example: sum 0xddf2, checksum 0x220d */
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(csum_fold(csum_add(0, v, sizeof(v))), 0x220d);
}

static void csum_ip_header_vector(void)
{
	/* a classic IPv4 header whose checksum is 0xb861 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	CHECK_EQ(csum_fold(csum_add(0, h, 20)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	CHECK_EQ(csum_fold(csum_add(0, h, 20)), 0);
}

static void csum_odd_and_split(void)
{
	uint8_t b[1501];
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(b); i++) {
		seed = seed * 1103515245 + 12345;
		b[i] = (uint8_t)(seed >> 16);
	}
	for (size_t n = 0; n <= sizeof(b); n += (n < 40 ? 1 : 97)) {
		uint16_t want = tb_fold(tb_sum(0, b, n));

		CHECK_EQ(csum_fold(csum_add(0, b, n)), want);
		/* pieces of even length add up to the whole */
		if (n >= 2) {
			size_t half = (n / 2) & ~(size_t)1;

			CHECK_EQ(csum_fold(csum_add(csum_add(0, b, half), b + half, n - half)),
				 want);
		}
	}
}

static void csum_all_ones(void)
{
	static uint8_t b[65536];

	/* 32768 words of 0xffff: the running sum must not lose carries */
	memset(b, 0xff, sizeof(b));
	CHECK_EQ(csum_fold(csum_add(0, b, sizeof(b))), tb_fold(tb_sum(0, b, sizeof(b))));
	CHECK_EQ(csum_fold(csum_add(0xffffffff, b, sizeof(b))),
		 tb_fold(tb_sum(0xffffffff, b, sizeof(b))));
	CHECK_EQ(csum_fold(0), 0xffff);
	CHECK_EQ(csum_fold(0xffff), 0);
	CHECK_EQ(csum_fold(0xffffffff), tb_fold(0xffffffff));
}

static void pseudo_headers(void)
{
	uint8_t s4[16], d4[16], s6[16], d6[16];

	tb_addr(s4, "100.96.0.2");
	tb_addr(d4, "93.184.216.34");
	tb_addr(s6, "fd42:6d73:62::2");
	tb_addr(d6, "2001:db8::ffff:1");
	CHECK_EQ(csum_fold(csum_pseudo4(s4, d4, 6, 40)), tb_fold(tb_pseudo(s4, d4, 4, 6, 40)));
	CHECK_EQ(csum_fold(csum_pseudo4(s4, d4, 17, 65535)),
		 tb_fold(tb_pseudo(s4, d4, 4, 17, 65535)));
	CHECK_EQ(csum_fold(csum_pseudo6(s6, d6, 58, 24)), tb_fold(tb_pseudo(s6, d6, 16, 58, 24)));
	CHECK_EQ(csum_fold(csum_pseudo6(s6, d6, 6, 0x12345)),
		 tb_fold(tb_pseudo(s6, d6, 16, 6, 0x12345)));
}

int main(void)
{
	RUN(get_inside);
	RUN(get_outside);
	RUN(get_empty_frame);
	RUN(rw_helpers);
	RUN(csum_rfc1071_vector);
	RUN(csum_ip_header_vector);
	RUN(csum_odd_and_split);
	RUN(csum_all_ones);
	RUN(pseudo_headers);
	return check_summary();
}
