// SPDX-License-Identifier: MIT
/*
 * lwipmem.c - all of lwIP's memory, under one budget.
 *
 * Our lwIP build takes its heap from the C library (MEM_LIBC_MALLOC) and
 * its pools from that heap (MEMP_MEM_MALLOC), and names these functions as
 * the allocator (lwipopts.h): pcbs, segments, pbufs for what lwIP sends and
 * the guest segments our own pool in stack.c could not hold all come from
 * here. Each allocation carries its size in front, so that what is freed
 * is known, and an allocation that would take the total past the budget
 * fails: lwIP then refuses the work (a guest segment is dropped and the
 * guest retransmits it; tcp_write() says ERR_MEM and pxtcp keeps the host
 * bytes until the guest's ACKs free memory). So a guest, or many of its
 * connections together, can never make lwIP hold more than the budget,
 * whatever lwIP's own limits would allow. The budget comes from the
 * configuration (stack_init()). Event-loop thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "stack/lwipmem.h"

/* In front of each block: its size, padded so the block stays aligned to
 * max_align_t as malloc's are. */
#define HDR 16

static size_t budget = (size_t)-1;
static size_t used, peak;
static uint64_t refused;

/**
 * lwipmem_set_budget() - Cap lwIP's memory
 * @bytes: the most lwIP may hold at once (headers included)
 */
void lwipmem_set_budget(size_t bytes)
{
	budget = bytes;
}

/**
 * lwipmem_malloc() - lwIP's mem_clib_malloc
 * @size: bytes wanted
 *
 * Return: the block, or NULL past the budget (counted) or without memory
 */
void *lwipmem_malloc(size_t size)
{
	size_t total = size + HDR;
	unsigned char *b;

	if (total < size || total > budget - used || used > budget) {
		refused++;
		return NULL;
	}
	b = malloc(total);
	if (!b) {
		refused++;
		return NULL;
	}
	memcpy(b, &total, sizeof(total));
	used += total;
	if (used > peak)
		peak = used;
	return b + HDR;
}

/**
 * lwipmem_calloc() - lwIP's mem_clib_calloc
 * @n:    elements
 * @size: bytes each
 *
 * Return: zeroed block, or NULL
 */
void *lwipmem_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = lwipmem_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/**
 * lwipmem_free() - lwIP's mem_clib_free
 * @p: a block from lwipmem_malloc(), or NULL
 */
void lwipmem_free(void *p)
{
	unsigned char *b;
	size_t total;

	if (!p)
		return;
	b = (unsigned char *)p - HDR;
	memcpy(&total, b, sizeof(total));
	used -= total;
	free(b);
}

/**
 * lwipmem_stats() - What lwIP holds now, held at most, and was refused
 * @now:     bytes held now (or NULL)
 * @most:    the peak (or NULL)
 * @refusals: allocations refused (or NULL)
 */
void lwipmem_stats(size_t *now, size_t *most, uint64_t *refusals)
{
	if (now)
		*now = used;
	if (most)
		*most = peak;
	if (refusals)
		*refusals = refused;
}
