/* SPDX-License-Identifier: MIT */
/*
 * udpout.h - what the UDP relay and the DNS interceptor send back along a
 * guest flow (a reply datagram, an ICMP error about one of its datagrams),
 * in the flow's own family: ip4out.c or ip6out.c.
 */
#ifndef TAPGATE_UDPOUT_H
#define TAPGATE_UDPOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_key;

/* Why a guest datagram did not go on (ICMP or ICMPv6 as fits). */
enum udpout_error {
	UDPOUT_PORT_UNREACH, /* the host's peer refused it */
	UDPOUT_TOO_BIG,	     /* past the path MTU (with the MTU) */
	UDPOUT_PROHIBITED,   /* the policy said so */
};

bool udpout_room(const struct flow_key *k);
int udpout_reply(const struct flow_key *k, const uint8_t *payload, size_t len);
int udpout_error(const struct flow_key *k, enum udpout_error why, bool df, uint16_t mtu,
		 size_t len);
int udpout_error_ip(enum udpout_error why, uint16_t mtu, const uint8_t *ip, size_t len);

#endif
