/* SPDX-License-Identifier: MIT */
/*
 * group.h - destination groups (docs/DESIGN.md, "Policy model"): which group an
 * address falls in, from one table of prefixes that both answers user-space
 * lookups and is compiled into the XDP program's LPM maps with the policy
 * (policy/polcompile.c), so the two cannot disagree.
 */
#ifndef TAPGATE_GROUP_H
#define TAPGATE_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steer.h"

struct config;

struct group_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t len;	/* prefix length */
	uint8_t group;	/* enum tg_group */
	uint8_t addr[16];
};

struct group_table {
	struct group_entry *e;
	size_t n, cap;
};

int group_build(struct group_table *t, const struct config *cfg);
void group_free(struct group_table *t);
int group_classify(const struct group_table *t, int family, const uint8_t *addr);
bool group_allowed(uint32_t allow, int group);

#endif
