// SPDX-License-Identifier: MIT
/*
 * test_lwipsum.c - tapgate's lwip_standard_chksum() (user/lwipsum.c)
 * against the one in Debian's liblwip (found with dlsym(RTLD_NEXT)), on
 * pseudo-random buffers at every start alignment and many lengths, all-ones
 * and all-zero buffers; and that the process-wide symbol, the one liblwip's
 * own calls resolve to, is ours.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"

#include "check.h"
#include "lwipsum.h"

typedef uint16_t (*sum_fn)(const void *, int);

static sum_fn lwip_own(void)
{
	return (sum_fn)dlsym(RTLD_NEXT, "lwip_standard_chksum");
}

static void interposed(void)
{
	sum_fn global = (sum_fn)dlsym(RTLD_DEFAULT, "lwip_standard_chksum");

	CHECK(lwip_own() != NULL);
	CHECK(global == lwip_standard_chksum);
	CHECK(lwip_own() != lwip_standard_chksum);
}

static void same_as_lwip(void)
{
	static uint8_t buf[4096 + 8];
	sum_fn ref = lwip_own();

	if (!ref)
		return; /* interposed() already failed */
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (int off = 0; off < 8; off++)
		for (int len = 0; len <= 4096; len += len < 80 ? 1 : 37)
			CHECK_EQ(lwip_standard_chksum(buf + off, len), ref(buf + off, len));
	CHECK_EQ(lwip_standard_chksum(buf, -1), ref(buf, -1));
}

static void extremes(void)
{
	static uint8_t ones[65536], zeros[1500];
	sum_fn ref = lwip_own();

	if (!ref)
		return;
	memset(ones, 0xff, sizeof(ones));
	CHECK_EQ(lwip_standard_chksum(ones, sizeof(ones)), ref(ones, sizeof(ones)));
	CHECK_EQ(lwip_standard_chksum(ones + 1, 65535), ref(ones + 1, 65535));
	CHECK_EQ(lwip_standard_chksum(zeros, sizeof(zeros)), 0);
	CHECK_EQ(lwip_standard_chksum(zeros + 1, 1499), ref(zeros + 1, 1499));
}

/* liblwip's inet_chksum() goes through the symbol: it must agree. */
static void through_lwip(void)
{
	uint8_t b[1461];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 31 + 7);
	CHECK_EQ(inet_chksum(b, sizeof(b)), (uint16_t)~lwip_standard_chksum(b, sizeof(b)));
}

int main(void)
{
	RUN(interposed);
	RUN(same_as_lwip);
	RUN(extremes);
	RUN(through_lwip);
	return check_summary();
}
