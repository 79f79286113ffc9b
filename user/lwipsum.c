// SPDX-License-Identifier: MIT
/*
 * lwipsum.c - lwIP's checksum routine, replaced by ours.
 *
 * lwIP verifies the TCP checksum of every guest segment and sums every
 * segment it sends, with lwip_standard_chksum(), a 16-bit-at-a-time loop:
 * 9 % of tapgate's CPU in a guest->host bulk profile, on top of our own
 * pass that completes the guest's offloaded checksum (stack.c). Debian's
 * liblwip calls it through its PLT, so, by ordinary ELF symbol
 * interposition, a definition in the executable takes over every call
 * (-Wl,--dynamic-list=user/lwipsum.list exports it). Should a future
 * build bind the call inside the library, lwIP just keeps its own.
 *
 * Contract, as lwIP's inet_chksum.c defines it: the one's-complement sum
 * of @len bytes read as 16-bit words in memory order, an odd last byte
 * being the first byte of a zero-padded word, folded, not inverted.
 * tests/unit/test_lwipsum.c checks it against the library's own routine.
 */
#include <stdint.h>

#include "frame.h"
#include "lwipsum.h"

uint16_t lwip_standard_chksum(const void *dataptr, int len)
{
	return len > 0 ? csum_native(dataptr, (size_t)len) : 0;
}
