/* SPDX-License-Identifier: MIT */
/*
 * dnstcp.h - DNS over TCP from the guest: a stream filter on the splice
 * (splice.h) that answers --host-name itself, lets other queries go to the
 * upstream resolver and filters its answers like UDP ones (dnsfwd.c).
 */
#ifndef TAPGATE_DNSTCP_H
#define TAPGATE_DNSTCP_H

#include <stdint.h>

#include "proxy/flow.h"
#include "proxy/splice.h"

#include "ustats.h"

#define DNSTCP_PIPELINE 8  /* queries upstream at once per connection */
#define DNSTCP_MAX	64 /* DNS-over-TCP connections at once */

/* What is remembered of a query sent upstream, to match its answer. */
struct dnstcp_asked {
	uint16_t id, qtype, qclass;
	uint32_t name; /* hash of the lower-cased name */
};

/* One connection's state, embedded by its owner and zeroed at start. */
struct dnstcp {
	uint8_t *buf;  /* upstream bytes until a whole answer (allocated on use) */
	uint32_t have; /* bytes in buf */
	unsigned int nasked;
	struct dnstcp_asked asked[DNSTCP_PIPELINE];
};

extern const struct splice_filter dnstcp_filter;

void dnstcp_init(struct tg_ustats *stats);
int dnstcp_upstream(unsigned int attempt, struct tg_addr *addr, uint16_t *port);

#endif
