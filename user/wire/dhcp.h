/* SPDX-License-Identifier: MIT */
/*
 * dhcp.h - the gateway's DHCPv4 server (RFC 2131, options RFC 2132), so a
 * guest that runs a DHCP client comes up with no static setup. There is
 * one guest and one address on the link: the configured guest MAC gets the
 * configured guest address, the gateway is its router and DNS server, and
 * nobody else gets anything. No lease table: the address is the guest's
 * whether it holds a lease or not, so every answer follows from the
 * message and the configuration alone.
 *
 * dhcp_parse() reads a client's message (hostile bytes, through
 * frame_get()), dhcp_decide() picks the answer, dhcp_build() writes it as
 * an IPv4 packet; dhcp_serve() does the three for a staged SLOT_DHCP frame
 * and sends the answer through gtx. Event-loop thread only.
 */
#ifndef TAPGATE_DHCP_H
#define TAPGATE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustats.h"

struct config;
struct slot;

/* Message types (option 53). */
enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

#define DHCP_LEASE_S 86400u	    /* lease time; T1 at half, T2 at 7/8 (RFC 2131 4.4.5) */
#define DHCP_FIXED   236	    /* op .. file, before the magic cookie */
#define DHCP_MSG_MIN 300	    /* BOOTP's minimum message (RFC 1542 2.1): replies are padded */
#define DHCP_IP_MAX  (20 + 8 + 576) /* the largest reply dhcp_build() writes */

/* What the server reads of a client's message; addresses as sent. */
struct dhcp_msg {
	uint8_t type; /* enum dhcp_type, a client's */
	uint8_t xid[4];
	uint16_t flags; /* bit 15: the client wants a broadcast answer */
	uint8_t ciaddr[4];
	uint8_t giaddr[4];
	uint8_t chaddr[16];
	bool has_reqip, has_server_id;
	uint8_t reqip[4];     /* option 50 */
	uint8_t server_id[4]; /* option 54 */
};

int dhcp_parse(const uint8_t *msg, size_t len, struct dhcp_msg *m);
int dhcp_decide(const struct dhcp_msg *m, const struct config *cfg);
size_t dhcp_build(const struct dhcp_msg *m, int type, const struct config *cfg, uint8_t *ip,
		  size_t cap);
int dhcp_serve(const struct slot *s, const struct config *cfg, struct tg_ustats *st);

#endif
