/* SPDX-License-Identifier: MIT */
/*
 * csum.h - the Internet checksum (RFC 1071) over guest and reply bytes,
 * kept as an unfolded 32-bit running sum so that pieces (pseudo-header,
 * header, payload) add up before one fold. Pure functions: any thread.
 */
#ifndef TAPGATE_CSUM_H
#define TAPGATE_CSUM_H

#include <stddef.h>
#include <stdint.h>

uint16_t csum_native(const void *data, size_t len);
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len);
uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len);

#endif
