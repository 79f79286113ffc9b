// SPDX-License-Identifier: MIT
/*
 * tbuf.c - the growing byte queue (tbuf.h). Memory goes back when the
 * queue drains, so an idle intercepted connection holds none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tbuf.h"

int tbuf_put(struct tbuf *b, const void *data, size_t n)
{
	if (!n)
		return 0;
	if (b->off + b->len + n > b->cap) {
		size_t want = b->len + n, cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		if (b->off) { /* move the queue to the front first */
			memmove(b->p, b->p + b->off, b->len);
			b->off = 0;
		}
		while (cap < want)
			cap *= 2;
		if (cap > b->cap) {
			p = realloc(b->p, cap);
			if (!p)
				return -ENOMEM;
			b->p = p;
			b->cap = cap;
		}
	}
	memcpy(b->p + b->off + b->len, data, n);
	b->len += n;
	return 0;
}

void tbuf_take(struct tbuf *b, size_t n)
{
	if (n >= b->len) {
		tbuf_free(b);
		return;
	}
	b->off += n;
	b->len -= n;
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
