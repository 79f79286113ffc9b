// SPDX-License-Identifier: MIT
/*
 * lwipsum.c - lwIP's checksum routine, replaced by ours.
 *
 * lwIP verifies the TCP checksum of every guest segment and sums every
 * segment it sends, with lwip_standard_chksum(), a 16-bit-at-a-time loop:
 * 9 % of tapgate's CPU in a guest->host bulk profile before this file
 * (and our own pass over each guest segment came on top, see below). Our
 * lwIP build names this function as its LWIP_CHKSUM (user/stack/port/
 * lwipopts.h), so lwIP compiles none of its own and calls this one.
 *
 * Contract, as lwIP's inet_chksum.c defines it: the one's-complement sum
 * of @len bytes read as 16-bit words in memory order, an odd last byte
 * being the first byte of a zero-padded word, folded, not inverted.
 * tests/unit/test_lwipsum.c checks it against a plain RFC 1071 sum.
 *
 * And one sum need not be computed at all. The guest's TCP checksum
 * protects nothing here (the link is a memory copy, and a guest with
 * offload leaves only the pseudo-header sum in the field), yet lwIP drops
 * a segment whose sum does not check out. So stack.c vouches for the
 * segment it is about to hand in: lwIP's verifying call for exactly that
 * buffer gets back the value that makes the check pass, without a pass
 * over the payload. lwipsum_active() asks lwIP itself whether its calls
 * reach this file; if not, stack.c writes real sums instead.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/inet_chksum.h"

#include "wire/csum.h"
#include "stack/lwipsum.h"

static const void *vouch_ptr;
static int vouch_len;
static uint16_t vouch_sum;

uint16_t lwip_standard_chksum(const void *dataptr, int len)
{
	if (dataptr == vouch_ptr && len == vouch_len) {
		vouch_ptr = NULL; /* once: the buffer is reused afterwards */
		return vouch_sum;
	}
	return len > 0 ? csum_native(dataptr, (size_t)len) : 0;
}

/**
 * lwipsum_vouch() - Answer lwIP's next sum of exactly this buffer
 * @ptr: the buffer (NULL: forget any vouch)
 * @len: its length
 * @sum: what lwip_standard_chksum() returns for it, once
 */
void lwipsum_vouch(const void *ptr, int len, uint16_t sum)
{
	vouch_ptr = ptr;
	vouch_len = len;
	vouch_sum = sum;
}

/**
 * lwipsum_vouch_tcp4() - Make lwIP's check of this TCP segment pass
 * @ip:  IPv4 packet with a 20-byte header and TCP inside
 * @len: its length
 *
 * lwIP adds the pseudo-header sum P to its sum of the segment and wants
 * 0xffff, so the answer is ~P, in memory byte order like any sum.
 */
void lwipsum_vouch_tcp4(const uint8_t *ip, size_t len)
{
	uint16_t tlen = (uint16_t)(len - 20);

	lwipsum_vouch(ip + 20, tlen, htons(csum_fold(csum_pseudo4(ip + 12, ip + 16, 6, tlen))));
}

/* Do lwIP's own checksum calls land in lwip_standard_chksum() above? */
bool lwipsum_active(void)
{
	static const uint8_t probe[4];
	bool ours;

	lwipsum_vouch(probe, sizeof(probe), 0x1234);
	ours = inet_chksum(probe, sizeof(probe)) == (uint16_t)~0x1234;
	lwipsum_vouch(NULL, 0, 0);
	return ours;
}
