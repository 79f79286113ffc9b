/* SPDX-License-Identifier: MIT */
/*
 * lwipsum.h - the checksum routine our lwIP build calls (LWIP_CHKSUM).
 */
#ifndef TAPGATE_LWIPSUM_H
#define TAPGATE_LWIPSUM_H

#include <stdint.h>

uint16_t lwipsum(const void *dataptr, int len);

#endif
