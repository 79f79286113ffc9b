/* SPDX-License-Identifier: MIT */
/*
 * frame.h - the one bounds-checked accessor for guest bytes, and the
 * Internet checksum. Every parser of guest frames reads headers only through
 * frame_get(), which answers "is this range inside the frame" in one place
 * (as passt's packet_get()): a guest length is never turned into a pointer
 * without it.
 */
#ifndef TAPGATE_FRAME_H
#define TAPGATE_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct frame {
	const uint8_t *data;
	size_t len;
};

/**
 * frame_get() - Pointer to @len bytes at @off inside @f, or NULL
 * @f:   the frame
 * @off: offset from the frame start
 * @len: bytes the caller will read
 *
 * Return: pointer into the frame, or NULL if any byte is outside it
 */
static inline const void *frame_get(const struct frame *f, size_t off, size_t len)
{
	if (off > f->len || len > f->len - off)
		return NULL;
	return f->data + off;
}

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

uint16_t csum_native(const void *data, size_t len);
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t len);
uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len);

#endif
