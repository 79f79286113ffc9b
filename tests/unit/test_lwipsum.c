// SPDX-License-Identifier: MIT
/*
 * test_lwipsum.c - the checksum routine our lwIP build calls (lwipsum(),
 * user/stack/lwipsum.c) against a plain RFC 1071 sum written here, on
 * pseudo-random buffers at every start alignment and many lengths, all-ones
 * and all-zero buffers; and that lwIP's own inet_chksum() (built with
 * LWIP_CHKSUM naming ours) agrees with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/init.h"

#include "check.h"
#include "stack/lwipsum.h"

/* RFC 1071, a byte pair at a time, in memory order, as lwIP defines its
 * routine's result (folded, not inverted). */
static uint16_t ref_sum(const void *data, int len)
{
	const uint8_t *b = data;
	uint8_t last[2] = { 0, 0 };
	uint32_t sum = 0;
	uint16_t w;
	int i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	if (i < len) {
		last[0] = b[i];
		memcpy(&w, last, 2);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void same_as_rfc1071(void)
{
	static uint8_t buf[4096 + 8];

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (int off = 0; off < 8; off++)
		for (int len = 0; len <= 4096; len += len < 80 ? 1 : 37)
			CHECK_EQ(lwipsum(buf + off, len), ref_sum(buf + off, len));
	CHECK_EQ(lwipsum(buf, -1), 0);
}

static void extremes(void)
{
	static uint8_t ones[65536], zeros[1500];

	memset(ones, 0xff, sizeof(ones));
	CHECK_EQ(lwipsum(ones, sizeof(ones)), ref_sum(ones, sizeof(ones)));
	CHECK_EQ(lwipsum(ones + 1, 65535), ref_sum(ones + 1, 65535));
	CHECK_EQ(lwipsum(zeros, sizeof(zeros)), 0);
	CHECK_EQ(lwipsum(zeros + 1, 1499), 0);
}

/* lwIP's inet_chksum() goes through LWIP_CHKSUM: it must be ours. */
static void through_lwip(void)
{
	uint8_t b[1461];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 31 + 7);
	CHECK_EQ(inet_chksum(b, sizeof(b)), (uint16_t)~ref_sum(b, sizeof(b)));
	CHECK_EQ(inet_chksum(b + 1, 1000), (uint16_t)~ref_sum(b + 1, 1000));
}

int main(void)
{
	lwip_init();
	RUN(same_as_rfc1071);
	RUN(extremes);
	RUN(through_lwip);
	return check_summary();
}
