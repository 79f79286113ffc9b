/* SPDX-License-Identifier: MIT */
/*
 * lwipsum.h - lwIP's checksum routine, replaced by ours (see lwipsum.c).
 */
#ifndef TAPGATE_LWIPSUM_H
#define TAPGATE_LWIPSUM_H

#include <stdint.h>

/* lwIP declares it only inside inet_chksum.c. */
uint16_t lwip_standard_chksum(const void *dataptr, int len);

#endif
