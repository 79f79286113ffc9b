/* SPDX-License-Identifier: MIT */
/*
 * pxudp.h - relay the guest's UDP flows through connected host sockets.
 */
#ifndef TAPGATE_PXUDP_H
#define TAPGATE_PXUDP_H

#include <stdint.h>

#include "ustats.h"

struct config;
struct group_table;
struct slot;

int pxudp_init(const struct config *cfg, const struct group_table *groups, struct tg_ustats *stats);
void pxudp_fini(void);
int pxudp_datagram(const struct slot *s);
void pxudp_flush(void);
void pxudp_output_all(void);
void pxudp_run_timers(uint64_t now_ms);
int pxudp_timeout_ms(uint64_t now_ms);
unsigned int pxudp_recheck(void);
void pxudp_publish(void);

#endif
