/* SPDX-License-Identifier: MIT */
/*
 * ndp.h - the gateway's part in IPv6 neighbour discovery: Neighbour
 * Advertisements for its addresses and Router Advertisements, solicited
 * and periodic (ndp.c says which and when; wire/nd.c builds them).
 */
#ifndef TAPGATE_NDP_H
#define TAPGATE_NDP_H

#include <stdint.h>

#include "ustats.h"

struct config;
struct slot;

void ndp_init(const struct config *cfg, struct tg_ustats *stats);
int ndp_input(const struct slot *s);
void ndp_run_timers(uint64_t now_ms);
int ndp_timeout_ms(uint64_t now_ms);

#endif
