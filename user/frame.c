// SPDX-License-Identifier: MIT
/*
 * frame.c - the Internet checksum (RFC 1071) over guest and reply bytes.
 * Sums are kept unfolded in 32 bits so that pieces (pseudo-header, header,
 * payload) can be added before one fold.
 */
#include <arpa/inet.h>
#include <string.h>

#include "frame.h"

/**
 * csum_add() - Add @len bytes to a running one's-complement sum
 * @sum:  running sum (0 to start)
 * @data: bytes; an odd length is padded with a zero byte
 * @len:  byte count
 *
 * Return: the new running sum (not folded)
 */
uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t acc = 0, total;

	/*
	 * RFC 1071's byte-order independence: sum native 32-bit words (a
	 * 64-bit accumulator cannot overflow below 16 GiB), fold, and swap
	 * the 16-bit result into network order once. Several times faster
	 * than a byte loop, and this runs over every guest TCP segment.
	 */
	while (len >= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		acc += w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, b, 2);
		acc += w;
		b += 2;
		len -= 2;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	total = (uint64_t)sum + ntohs((uint16_t)acc);
	if (len)
		total += (uint32_t)(b[0] << 8);
	while (total >> 32)
		total = (total & 0xffffffff) + (total >> 32);
	return (uint32_t)total;
}

/**
 * csum_fold() - Fold a running sum to the 16-bit checksum field value
 * @sum: running sum from csum_add()
 *
 * Return: the one's complement of the folded sum, host byte order
 */
uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len)
{
	uint32_t sum = csum_add(0, src, 4);

	sum = csum_add(sum, dst, 4);
	return csum_add(sum, (uint8_t[4]){ 0, proto, (uint8_t)(len >> 8), (uint8_t)len }, 4);
}

uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len)
{
	uint32_t sum = csum_add(0, src, 16);

	sum = csum_add(sum, dst, 16);
	sum = csum_add(sum,
		       (uint8_t[4]){ (uint8_t)(len >> 24), (uint8_t)(len >> 16),
				     (uint8_t)(len >> 8), (uint8_t)len },
		       4);
	return csum_add(sum, (uint8_t[4]){ 0, 0, 0, proto }, 4);
}
