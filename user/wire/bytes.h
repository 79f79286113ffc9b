/* SPDX-License-Identifier: MIT */
/*
 * bytes.h - big-endian (network order) 16- and 32-bit reads and writes at
 * any alignment, for header fields. They do no bounds checks: reads of
 * guest bytes go through a pointer frame_get() returned (wire/frame.h);
 * writes go into tapgate's own buffers.
 */
#ifndef TAPGATE_BYTES_H
#define TAPGATE_BYTES_H

#include <stdint.h>

static inline uint16_t rd16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t rd32(const void *p)
{
	const uint8_t *b = p;

	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline void wr16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void wr32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif
