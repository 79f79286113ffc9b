// SPDX-License-Identifier: MIT
/*
 * rxjoin.c - the join area for frames that came as descriptor chains (see
 * rxjoin.h): a bump allocator over one mapping, reset per rx batch.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "io/rxjoin.h"

/**
 * rxjoin_init() - Map the join area
 * @j:   zeroed state
 * @cap: bytes; pages are touched only when a chain first needs them
 *
 * Return: 0 or a negative errno
 */
int rxjoin_init(struct rxjoin *j, size_t cap)
{
	void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	j->area = p;
	j->cap = cap;
	j->used = 0;
	return 0;
}

void rxjoin_fini(struct rxjoin *j)
{
	if (j->area)
		munmap(j->area, j->cap);
	memset(j, 0, sizeof(*j));
}

/* A new batch: the frames joined for the last one are no longer read. */
void rxjoin_reset(struct rxjoin *j)
{
	j->used = 0;
}

/**
 * rxjoin_take() - Room for one joined frame of @len bytes
 * @j:   state
 * @len: frame length
 *
 * Return: the room (valid until the next rxjoin_reset()), or NULL when the
 * area is full for this batch: the caller ends the batch before that frame.
 */
uint8_t *rxjoin_take(struct rxjoin *j, size_t len)
{
	uint8_t *p;

	len = (len + 63) & ~(size_t)63; /* keep every frame cache-line aligned */
	if (len > j->cap - j->used)
		return NULL;
	p = j->area + j->used;
	j->used += len;
	return p;
}
