// SPDX-License-Identifier: MIT
/*
 * frame.c - the Internet checksum (RFC 1071) over guest and reply bytes.
 * Sums are kept unfolded in 32 bits so that pieces (pseudo-header, header,
 * payload) can be added before one fold.
 */
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
	uint64_t acc = sum;

	while (len >= 2) {
		acc += (uint32_t)((b[0] << 8) | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)(b[0] << 8);
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
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
