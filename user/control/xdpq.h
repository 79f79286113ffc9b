/* SPDX-License-Identifier: MIT */
/*
 * xdpq.h - which XDP program a device runs, asked of the kernel for that
 * one device.
 */
#ifndef TG_XDPQ_H
#define TG_XDPQ_H

#include <linux/types.h>
#include <stddef.h>

struct xdpq {
	__u8 attached; /* XDP_ATTACHED_*: NONE, DRV, SKB, HW or MULTI */
	__u32 prog_id; /* the program of the one attached mode (0: none or MULTI) */
	__u32 drv_id;  /* per mode (0: none) */
	__u32 skb_id;
};

int xdpq_query(int ifindex, struct xdpq *out);
int xdpq_parse(const void *buf, size_t len, __u32 seq, int ifindex, struct xdpq *out);
__u32 xdpq_id(const struct xdpq *q, __u32 xdp_flags);

#endif
