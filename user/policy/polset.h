/* SPDX-License-Identifier: MIT */
/*
 * polset.h - the policy in force (both layers), in user space and in the
 * XDP program's maps, swapped atomically on reload.
 */
#ifndef TAPGATE_POLSET_H
#define TAPGATE_POLSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/polcompile.h"
#include "policy/policy.h"

struct group_table;

struct polset_maps {
	struct polcompile_fds fds;
	volatile uint32_t *gen; /* the program's tg_pol_gen */
	uint64_t *hits;		/* mmap of TG_MAP_PHITS; NULL: not counted */
};

void polset_init(const struct polset_maps *m);
void polset_set_pins(pol_pinned_fn fn);
pol_pinned_fn polset_pins(void);
int polset_install(struct policy *floor, struct policy *sandbox, const struct group_table *g,
		   char *err, size_t errlen);
int polset_regroup(const struct group_table *g);
bool polset_check(const struct pol_flow *f, pol_pinned_fn pinned, struct pol_verdict *v);
bool polset_still_allows(const struct pol_flow *f);
bool polset_name_denied(const char *name);
bool polset_addr_exempt(int family, const uint8_t *addr);
const struct policy *polset_layer(int layer);
uint32_t polset_gen(void);
void polset_free(void);

#endif
