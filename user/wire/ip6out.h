/* SPDX-License-Identifier: MIT */
/*
 * ip6out.h - IPv6 packets that tapgate itself sends to the guest (UDP relay
 * replies, DNS answers, ICMPv6), fragmented to the guest's MTU with a
 * Fragment header when they are larger. Each packet or fragment goes out
 * through gtx.c. The destination is given: any address of the guest's /64
 * is the guest's.
 */
#ifndef TAPGATE_IP6OUT_H
#define TAPGATE_IP6OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

void ip6out_init(const struct config *cfg);
uint32_t ip6out_frames_needed(size_t l4_len);
bool ip6out_room_for(size_t l4_len);
int ip6out_udp(const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
	       const uint8_t *payload, size_t len);
int ip6out_send(uint8_t proto, const uint8_t src[16], const uint8_t dst[16], const uint8_t *l4,
		size_t len);
int ip6out_icmp(const uint8_t src[16], const uint8_t dst[16], uint8_t *m, size_t len);
int ip6out_icmp_error(uint8_t type, uint8_t code, uint32_t info, const uint8_t *orig,
		      size_t orig_len);

#endif
