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

/* One connection's state, embedded by its owner and zeroed at start. */
struct dnstcp {
	uint8_t *buf;  /* upstream bytes until a whole answer (allocated on use) */
	uint32_t have; /* bytes in buf */
};

extern const struct splice_filter dnstcp_filter;

int dnstcp_upstream(unsigned int attempt, struct tg_addr *addr, uint16_t *port);

#endif
