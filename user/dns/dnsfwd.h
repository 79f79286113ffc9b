/* SPDX-License-Identifier: MIT */
/*
 * dnsfwd.h - the DNS interceptor: the guest's queries to any address go to
 * the configured upstream resolvers, never to the host stack.
 */
#ifndef TAPGATE_DNSFWD_H
#define TAPGATE_DNSFWD_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/flow.h"
#include "ustats.h"

struct config;
struct group_table;
struct slot;

int dnsfwd_init(const struct config *cfg, const struct group_table *groups,
		struct tg_ustats *stats);
void dnsfwd_fini(void);
int dnsfwd_query(const struct slot *s);
int dnsfwd_tcp_upstream(unsigned int idx, struct tg_addr *addr, uint16_t *port);
size_t dnsfwd_local_answer(const uint8_t *query, size_t len, uint8_t *out, size_t cap);
size_t dnsfwd_filter_answer(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);
void dnsfwd_run_timers(uint64_t now_ms);
int dnsfwd_timeout_ms(uint64_t now_ms);

#endif
