/* SPDX-License-Identifier: MIT */
/*
 * slot.h - a staged guest frame, between the AF_XDP rx ring and lwIP.
 *
 * slot_stage() parses and validates one guest frame into a struct slot: the
 * slot is the sanitizer in front of lwIP, since Debian's lwIP aborts on
 * guest-reachable assertions. A staged frame has a kind and its addresses
 * and ports decoded. The poller stages a whole rx batch (up to 64 frames)
 * before acting on any, so that pure ACKs a later one supersedes can be
 * left out (stack/ackfold.c); then, in ring order, it drops each frame (a
 * reason from wire/drop.h) or acts on it: answers ARP and pings to the
 * gateway, hands DNS to the interceptor, DHCP to the server (wire/dhcp.c),
 * UDP to the relay, a SYN to the TCP
 * proxy (which connects to the host first), fragments to reassembly, and
 * the IP packet of other TCP segments to lwIP. The slot never owns the
 * bytes: they stay in the UMEM frame the rx ring gave, which the poller
 * recycles once the batch is done.
 */
#ifndef TAPGATE_SLOT_H
#define TAPGATE_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/drop.h"
#include "wire/frame.h"

struct config;

enum slot_kind {
	SLOT_NONE = 0,
	SLOT_ARP,
	SLOT_TCP,
	SLOT_UDP,
	SLOT_ICMP,
	SLOT_FRAG,
	SLOT_DHCP, /* UDP: a DHCP client's message to the gateway (wire/dhcp.c) */
};

struct slot {
	struct frame f; /* the whole Ethernet frame */
	enum slot_kind kind;
	uint8_t family;		  /* 4 or 6 (0 for ARP) */
	uint8_t proto;		  /* IP protocol / next header */
	size_t l3_off, l3_len;	  /* IP packet (Ethernet padding cut off) */
	size_t l4_off, l4_len;	  /* transport header + payload */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t tcp_flags;  /* TG_TCP_* (wire.h) */
	bool df;	    /* IPv4 DF, or IPv6 not fragmented: the guest does path MTU discovery */
	size_t payload_len; /* TCP/UDP payload bytes */
};

int slot_stage(struct slot *s, const struct config *cfg, const uint8_t *data, size_t len);
size_t slot_flatten6(const struct slot *s, uint8_t *out, size_t cap);
const char *slot_drop_name(unsigned int reason);
bool slot_is_syn(const struct slot *s);

#endif
