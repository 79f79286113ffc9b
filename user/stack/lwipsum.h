/* SPDX-License-Identifier: MIT */
/*
 * lwipsum.h - lwIP's checksum routine, replaced by ours (see lwipsum.c).
 */
#ifndef TAPGATE_LWIPSUM_H
#define TAPGATE_LWIPSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* lwIP declares it only inside inet_chksum.c. */
uint16_t lwip_standard_chksum(const void *dataptr, int len);
void lwipsum_vouch(const void *ptr, int len, uint16_t sum);
void lwipsum_vouch_tcp4(const uint8_t *ip, size_t len);
bool lwipsum_active(void);

#endif
