/* SPDX-License-Identifier: MIT */
/*
 * slot.h - the one-frame slot between the AF_XDP rx ring and lwIP.
 *
 * The poller stages ONE guest frame at a time (slot_stage()), which parses
 * and validates it: the slot is the sanitizer in front of lwIP, since
 * Debian's lwIP aborts on guest-reachable assertions. A staged frame has a
 * kind and its addresses and ports decoded; the poller then drops it, acts
 * on it (answers ARP, opens a host connection for a SYN) or hands its IP
 * packet to lwIP. The slot never owns the bytes: they stay in the UMEM frame
 * the rx ring gave, which the poller recycles after the slot is done.
 */
#ifndef TAPGATE_SLOT_H
#define TAPGATE_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/frame.h"

struct config;

enum slot_kind {
	SLOT_NONE = 0,
	SLOT_ARP,
	SLOT_TCP,
	SLOT_UDP,
	SLOT_ICMP,
	SLOT_FRAG,
};

/* Why the slot (or the poller acting on it) dropped a frame. Indexes
 * tg_ustats.drop_reason[], so at most 16. */
enum slot_drop {
	SLOT_OK = 0,
	SLOT_DROP_MALFORMED,   /* truncated or inconsistent headers */
	SLOT_DROP_SPOOF,       /* source not the guest's (XDP checks first) */
	SLOT_DROP_IP_OPTIONS,  /* IPv4 options: lwIP need not see them */
	SLOT_DROP_CHECKSUM,    /* bad IPv4 header checksum */
	SLOT_DROP_TCP_OPTIONS, /* malformed TCP options (lwIP 2.1.3 over-reads) */
	SLOT_DROP_BAD_DST,     /* broadcast, multicast or unspecified dst */
	SLOT_DROP_FRAGMENT,    /* fragment refused by reassembly (bounds, overlap) */
	SLOT_DROP_UNHANDLED,   /* a kind nobody serves yet (UDP, DNS, IPv6 TCP) */
	SLOT_DROP_ARP,	       /* ARP not asking for the gateway */
	SLOT_DROP_POLICY,      /* destination not allowed */
	SLOT_DROP_DUP_SYN,     /* SYN for a connection already being set up */
	SLOT_DROP_SYN_DATA,    /* SYN carrying data (no TCP Fast Open) */
	SLOT_DROP_ICMP,	       /* ICMP we do not answer or relay */
	SLOT_DROP_NOMEM,       /* no memory or tx room to act on it */
	SLOT_DROP_ND,	       /* router advertisement, redirect, other ND */
	SLOT_DROP__MAX
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
	uint8_t tcp_flags;
	bool df;	    /* IPv4 don't-fragment: the guest does path MTU discovery */
	size_t payload_len; /* TCP/UDP payload bytes */
};

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

int slot_stage(struct slot *s, const struct config *cfg, const uint8_t *data, size_t len);
const char *slot_drop_name(unsigned int reason);
bool slot_is_syn(const struct slot *s);

#endif
