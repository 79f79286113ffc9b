/* SPDX-License-Identifier: MIT */
/*
 * lwipmem.h - lwIP's allocator (mem_clib_malloc and friends in
 * lwipopts.h): all of lwIP's memory under one budget.
 */
#ifndef TAPGATE_LWIPMEM_H
#define TAPGATE_LWIPMEM_H

#include <stddef.h>
#include <stdint.h>

void lwipmem_set_budget(size_t bytes);
void *lwipmem_malloc(size_t size);
void *lwipmem_calloc(size_t n, size_t size);
void lwipmem_free(void *p);
void lwipmem_stats(size_t *now, size_t *most, uint64_t *refusals);

#endif
