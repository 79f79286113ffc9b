/* SPDX-License-Identifier: MIT */
/*
 * polcompile.h - the policy's address, protocol and port part, compiled
 * into the XDP program's maps (layout in include/steer.h).
 */
#ifndef TAPGATE_POLCOMPILE_H
#define TAPGATE_POLCOMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct group_table;

struct polcompile_in {
	const struct policy *layer; /* [TG_L_MAX]: the floor, the sandbox's */
	const struct group_table *groups;
	uint32_t gen; /* the generation to write: 0 or 1 */
};

struct polcompile_fds {
	int pol4, pol6, chain;
};

struct polcompile_out {
	size_t regions;	  /* LPM entries written, both families */
	uint32_t entries; /* chain entries written */
};

int polcompile_write(const struct polcompile_in *in, const struct polcompile_fds *fd,
		     struct polcompile_out *out);
int polcompile_sweep(const struct polcompile_fds *fd, uint32_t keep);

#endif
