/* SPDX-License-Identifier: MIT */
/*
 * pxtcp.h - the TCP proxy: guest connections terminated in lwIP, spliced
 * to host sockets, connect-first.
 */
#ifndef TAPGATE_PXTCP_H
#define TAPGATE_PXTCP_H

#include <stddef.h>
#include <stdint.h>

#include "ustats.h"

struct config;
struct group_table;
struct slot;

int pxtcp_init(const struct config *cfg, const struct group_table *groups, struct tg_ustats *st);
void pxtcp_fini(void);
int pxtcp_syn(const struct slot *s);
void pxtcp_run_timers(uint64_t now_ms);
int pxtcp_timeout_ms(uint64_t now_ms);
void pxtcp_output_all(void);
void pxtcp_flush(void);
void pxtcp_reap(void);
unsigned int pxtcp_count(void);
unsigned int pxtcp_recheck(void);
void pxtcp_publish(void);

#endif
