/* SPDX-License-Identifier: MIT */
/*
 * ackcoal.h - one pure ACK per connection per batch of guest frames.
 */
#ifndef TAPGATE_ACKCOAL_H
#define TAPGATE_ACKCOAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sends one IPv4 packet to the guest; 0 or a negative errno. */
typedef int (*ackcoal_emit_fn)(const uint8_t *ip, size_t len);

#define ACKCOAL_HDR_MAX 64 /* a pure ACK from lwIP: 20 + 20 + options */

void ackcoal_begin(void);
bool ackcoal_offer(const uint8_t *ip, size_t len, size_t tot_len, ackcoal_emit_fn emit);
unsigned int ackcoal_end(ackcoal_emit_fn emit);

#endif
