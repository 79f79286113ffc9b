// SPDX-License-Identifier: MIT
/*
 * lwipsum.c - lwIP's checksum routine: ours.
 *
 * lwIP sums every segment it sends with its LWIP_CHKSUM routine; its own
 * (lwip_standard_chksum) goes 16 bits at a time and was 9 % of tapgate's
 * CPU in a host->guest bulk profile. Our lwIP build names this function as
 * LWIP_CHKSUM (user/stack/port/lwipopts.h), so lwIP calls the four-lane
 * sum that tapgate's own checksums use. (lwIP does not verify the guest's
 * TCP checksums at all: CHECKSUM_CHECK_TCP is off, see lwipopts.h.)
 *
 * Contract, as lwIP's inet_chksum.c defines it: the one's-complement sum
 * of @len bytes read as 16-bit words in memory order, an odd last byte
 * being the first byte of a zero-padded word, folded, not inverted.
 * tests/unit/test_lwipsum.c checks it against a plain RFC 1071 sum.
 */
#include <stddef.h>
#include <stdint.h>

#include "wire/csum.h"
#include "stack/lwipsum.h"

/**
 * lwipsum() - lwIP's LWIP_CHKSUM
 * @dataptr: bytes to sum
 * @len:     their number (lwIP passes an int; <= 0 sums nothing)
 *
 * Return: the folded, not inverted, one's-complement sum in memory order
 */
uint16_t lwipsum(const void *dataptr, int len)
{
	return len > 0 ? csum_native(dataptr, (size_t)len) : 0;
}
