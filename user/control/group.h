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
struct hostaddr;

struct group_entry {
	uint8_t family;	 /* 4 or 6 */
	uint8_t len;	 /* prefix length */
	uint8_t group;	 /* enum tg_group */
	uint8_t by_code; /* group_classify() decides from the address (Teredo);
			  * @group is what a prefix map can hold for it */
	uint8_t addr[16];
};

/* Where a family's entries lie in group_table.e: [first, full) the
 * shorter prefixes, [full, end) the full-length ones (/32, /128). */
struct group_span {
	size_t first, full, end;
};

/* Built by group_build(): e[] sorted by (family, len, addr), one entry per
 * prefix, IPv4 first. */
struct group_table {
	struct group_entry *e;
	size_t n, cap;
	uint32_t allow;		   /* the --allow it was built for */
	struct group_span span[2]; /* [0] IPv4, [1] IPv6 */
};

int group_build(struct group_table *t, const struct config *cfg, const struct hostaddr *hosts);
void group_free(struct group_table *t);
int group_classify(const struct group_table *t, int family, const uint8_t *addr);
bool group_allowed(uint32_t allow, int group);
int group_refresh(struct group_table *t, const struct config *cfg, const struct hostaddr *hosts);

#endif
