/* SPDX-License-Identifier: MIT */
/*
 * pxicmp.h - relay the guest's echo requests to destinations other than
 * the gateway (which the poller answers itself).
 */
#ifndef TAPGATE_PXICMP_H
#define TAPGATE_PXICMP_H

#include <stdint.h>

#include "ustats.h"

struct config;
struct group_table;
struct slot;

int pxicmp_init(const struct config *cfg, const struct group_table *groups,
		struct tg_ustats *stats);
void pxicmp_fini(void);
int pxicmp_echo(const struct slot *s);
void pxicmp_run_timers(uint64_t now_ms);
int pxicmp_timeout_ms(uint64_t now_ms);

#endif
