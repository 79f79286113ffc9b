/* SPDX-License-Identifier: MIT */
/*
 * ackcoal.h - one pure ACK per connection per batch of guest frames, held in
 * front of lwIP's output (stack.c) and sent with gtx_send_ip().
 */
#ifndef TAPGATE_ACKCOAL_H
#define TAPGATE_ACKCOAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACKCOAL_HDR_MAX 64 /* a pure ACK from lwIP: 20 + 20 + options */

void ackcoal_begin(void);
bool ackcoal_offer(const uint8_t *ip, size_t len, size_t tot_len);
unsigned int ackcoal_end(void);

#endif
