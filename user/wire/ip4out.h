/* SPDX-License-Identifier: MIT */
/*
 * ip4out.h - IPv4 packets that tapgate itself sends to the guest (UDP relay
 * replies, DNS answers, relayed echo replies, ICMP errors), fragmented to the
 * guest's MTU when they are larger. Each packet or fragment goes out through
 * gtx.c.
 */
#ifndef TAPGATE_IP4OUT_H
#define TAPGATE_IP4OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

void ip4out_init(const struct config *cfg);
uint32_t ip4out_frames_needed(size_t l4_len);
bool ip4out_room_for(size_t l4_len);
int ip4out_udp(const uint8_t src[4], uint16_t sport, uint16_t dport, const uint8_t *payload,
	       size_t len);
int ip4out_send(uint8_t proto, const uint8_t src[4], const uint8_t *l4, size_t len);
void ipout_copy_range(uint8_t *to, const uint8_t *hdr, size_t hlen, const uint8_t *body, size_t off,
		      size_t n);
int ip4out_icmp_error(uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *orig,
		      size_t orig_len);

#endif
