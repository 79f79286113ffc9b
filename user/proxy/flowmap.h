/* SPDX-License-Identifier: MIT */
/*
 * flowmap.h - the open flows, published in a pinned map for inspection.
 */
#ifndef TAPGATE_FLOWMAP_H
#define TAPGATE_FLOWMAP_H

#include <stdint.h>

struct flow_key;

void flowmap_init(int map_fd);
void flowmap_open(const struct flow_key *k, uint8_t state);
void flowmap_update(const struct flow_key *k, uint8_t state, uint64_t out, uint64_t in);
void flowmap_close(const struct flow_key *k);

#endif
