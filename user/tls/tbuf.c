// SPDX-License-Identifier: MIT
/*
 * tbuf.c - the growing byte queue (tbuf.h). Memory goes back when the
 * queue drains, so an idle intercepted connection holds none. A queue
 * marked wipe (it may hold a secret) is zeroed before its memory goes
 * back or moves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls/tbuf.h"

static void give_back(struct tbuf *b)
{
	if (b->wipe && b->p)
		OPENSSL_cleanse(b->p, b->hw);
	free(b->p);
}

static int grow(struct tbuf *b, size_t want)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	while (cap < want)
		cap *= 2;
	if (cap <= b->cap)
		return 0;
	p = malloc(cap); /* not realloc: the old bytes must be wiped, not left */
	if (!p)
		return -ENOMEM;
	if (b->len)
		memcpy(p, b->p, b->len);
	give_back(b);
	b->p = p;
	b->cap = cap;
	b->hw = b->len;
	return 0;
}

int tbuf_put(struct tbuf *b, const void *data, size_t n)
{
	if (!n)
		return 0;
	if (b->off + b->len + n > b->cap) {
		if (b->off) { /* move the queue to the front first */
			memmove(b->p, b->p + b->off, b->len);
			b->off = 0;
		}
		if (grow(b, b->len + n))
			return -ENOMEM;
	}
	memcpy(b->p + b->off + b->len, data, n);
	b->len += n;
	if (b->off + b->len > b->hw)
		b->hw = b->off + b->len;
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
	bool wipe = b->wipe;

	give_back(b);
	memset(b, 0, sizeof(*b));
	b->wipe = wipe;
}
