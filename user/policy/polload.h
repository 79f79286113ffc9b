/* SPDX-License-Identifier: MIT */
/*
 * polload.h - read the floor and the sandbox's policy a run asks for.
 */
#ifndef TAPGATE_POLLOAD_H
#define TAPGATE_POLLOAD_H

#include <stddef.h>

#include "policy/policy.h"

struct config;
struct group_table;

int polload(const struct config *cfg, struct policy *sandbox, struct policy *floor,
	    const char *path, char *err, size_t errlen);

int polload_install(const struct config *cfg, const char *path, const struct group_table *groups,
		    char *err, size_t errlen);
int polload_install_text(const struct config *cfg, const char *name, const char *text, size_t len,
			 const struct group_table *groups, char *err, size_t errlen);

#endif
