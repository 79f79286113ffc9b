/* SPDX-License-Identifier: MIT */
/*
 * frame.h - the one bounds-checked accessor for guest bytes. Every parser
 * of guest frames reads headers only through frame_get(), which answers "is
 * this range inside the frame" in one place (as passt's packet_get()): a
 * guest length is never turned into a pointer without it. Fields are then
 * read with wire/bytes.h; checksums are wire/csum.h's.
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

#endif
