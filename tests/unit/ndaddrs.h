/* SPDX-License-Identifier: MIT */
/*
 * ndaddrs.h - the configuration and the IPv6 addresses the neighbour
 * discovery tests (test_nd.c, test_ndp.c) speak of: the guest's and the
 * gateway's, their link-local and solicited-node ones, the all-nodes and
 * all-routers groups. nd_addrs_init() fills them from the defaults.
 */
#ifndef TAPGATE_TEST_NDADDRS_H
#define TAPGATE_TEST_NDADDRS_H

#include <stdint.h>
#include <string.h>

#include "control/config.h"
#include "lib/frames.h"

static struct config cfg;
static uint8_t guest6[16], gw6[16], gw_ll[16], guest_ll[16], unspec[16];
static uint8_t snm_gw[16], snm_guest[16], all_nodes[16], all_routers[16];

static inline void nd_addrs_init(void)
{
	config_defaults(&cfg);
	memcpy(guest6, cfg.guest_ip6, 16);
	memcpy(gw6, cfg.gw_ip6, 16);
	tb_addr(gw_ll, "fe80::6d:73ff:fe00:1");
	tb_addr(guest_ll, "fe80::6d:73ff:fe00:2");
	tb_addr(snm_gw, "ff02::1:ff00:1");
	tb_addr(snm_guest, "ff02::1:ff00:2");
	tb_addr(all_nodes, "ff02::1");
	tb_addr(all_routers, "ff02::2");
}

#endif
