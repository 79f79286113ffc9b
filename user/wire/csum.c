// SPDX-License-Identifier: MIT
/*
 * csum.c - the Internet checksum (RFC 1071) over guest and reply bytes.
 * Sums are kept unfolded in 32 bits so that pieces (pseudo-header, header,
 * payload) can be added before one fold.
 */
#include <arpa/inet.h>
#include <string.h>

#include "wire/csum.h"

/**
 * csum_native() - One's-complement sum of @len bytes in memory order
 * @data: bytes; an odd last byte is the first byte of a zero-padded word
 * @len:  byte count
 *
 * RFC 1071's byte-order independence: sum native 32-bit words in four
 * 64-bit accumulators (no overflow below 16 GiB, and independent adds the
 * CPU can overlap), then fold. lwIP sums every segment it sends with it
 * (see lwipsum.c), so it is worth the unrolling.
 *
 * Return: the folded 16-bit sum, not inverted, in memory byte order
 */
uint16_t csum_native(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;

	for (; len >= 16; b += 16, len -= 16) {
		uint32_t w[4];

		memcpy(w, b, 16);
		a0 += w[0];
		a1 += w[1];
		a2 += w[2];
		a3 += w[3];
	}
	a0 += a1 + a2 + a3;
	for (; len >= 4; b += 4, len -= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		a0 += w;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, b, 2);
		a0 += w;
		b += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;

		memcpy(&w, b, 1);
		a0 += w;
	}
	while (a0 >> 16)
		a0 = (a0 & 0xffff) + (a0 >> 16);
	return (uint16_t)a0;
}

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
	uint64_t total = (uint64_t)sum + ntohs(csum_native(data, len));

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

/**
 * csum_pseudo4() - Running sum of the IPv4 pseudo-header (RFC 793, 768)
 * @src:   source address, network order
 * @dst:   destination address
 * @proto: IP protocol
 * @len:   transport header and payload length
 *
 * Return: the running sum, to continue with csum_add() over the segment
 */
uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len)
{
	uint32_t sum = csum_add(0, src, 4);

	sum = csum_add(sum, dst, 4);
	return csum_add(sum, (uint8_t[4]){ 0, proto, (uint8_t)(len >> 8), (uint8_t)len }, 4);
}

/**
 * csum_pseudo6() - Running sum of the IPv6 pseudo-header (RFC 8200, 8.1)
 * @src:   source address
 * @dst:   destination address
 * @proto: next header of the transport (not of an extension header)
 * @len:   upper-layer packet length
 *
 * Return: the running sum, to continue with csum_add() over the packet
 */
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
