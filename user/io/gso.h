/* SPDX-License-Identifier: MIT */
/*
 * gso.h - lwIP's TCP segments to the guest joined into super-frames and
 * sent with a virtio-net header (GSO) on a packet socket; gtx.c decides
 * when a pending super-frame goes out, so that frames keep their order.
 * Event-loop thread only.
 */
#ifndef TAPGATE_GSO_H
#define TAPGATE_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int gso_open(int ifindex, const uint8_t guest_mac[6], const uint8_t gw_mac[6]);
void gso_close(void);
bool gso_on(void);
int gso_fd(void);
uint8_t *gso_append(uint16_t ethertype, const uint8_t *ip, size_t iphl, size_t thl, size_t paylen);
unsigned int gso_segs(void);
const uint8_t *gso_frame(size_t *len);
int gso_send(void);
void gso_clear(void);

#endif
