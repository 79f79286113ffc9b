/* SPDX-License-Identifier: MIT */
/*
 * config.h - the settings of one `tapgate run`, parsed and checked from the
 * command line before anything is touched, so that bad configuration fails
 * with a message and leaves nothing half set up.
 */
#ifndef TAPGATE_CONFIG_H
#define TAPGATE_CONFIG_H

#include <net/if.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "log.h"

#define CONFIG_MTU_MIN 576
#define CONFIG_MTU_MAX 4000 /* one AF_XDP frame (a page) per Ethernet frame */

struct config {
	char dev[IF_NAMESIZE];
	uint32_t guest_ip4; /* network byte order */
	uint32_t gw_ip4;
	uint8_t prefix4;
	uint8_t guest_mac[6];
	uint8_t gw_mac[6];
	uint8_t guest_ip6[16];
	uint8_t gw_ip6[16];
	bool ipv6;
	unsigned int mtu;
	uint32_t allow; /* bit per enum tg_group */
	unsigned int max_conns;
	unsigned int connect_timeout_ms;
	enum log_level log_level;
};

void config_defaults(struct config *cfg);
int config_parse_run(struct config *cfg, int argc, char **argv);
int config_parse_groups(const char *list, uint32_t *out);
const char *config_group_name(unsigned int group);
void config_usage_run(FILE *out);

#endif
