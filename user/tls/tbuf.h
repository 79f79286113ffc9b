/* SPDX-License-Identifier: MIT */
/*
 * tbuf.h - a byte queue that grows on demand: bytes are appended at the
 * end and taken from the front. Callers bound how much they let in.
 */
#ifndef TAPGATE_TBUF_H
#define TAPGATE_TBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tbuf {
	uint8_t *p;
	size_t off, len, cap; /* queued bytes are p[off .. off + len) */
	size_t hw;	      /* bytes of p ever written: what a wipe must zero */
	bool wipe;	      /* may hold a secret: zeroed before it is freed */
};

int tbuf_put(struct tbuf *b, const void *data, size_t n);
void tbuf_take(struct tbuf *b, size_t n);
void tbuf_free(struct tbuf *b);

/* The queued bytes (NULL, not NULL + 0, when none were ever queued). */
static inline const uint8_t *tbuf_data(const struct tbuf *b)
{
	return b->p ? b->p + b->off : NULL;
}

#endif
