/* SPDX-License-Identifier: MIT */
/*
 * dnsup.h - the DNS interceptor's upstream resolvers: --dns, or the
 * host's /etc/resolv.conf followed as it changes. A resolver that cannot
 * be reached now (no route yet: tapgate started before the host's
 * network, or in a namespace without routes) does not stop tapgate: its
 * socket is opened again, at most once a second, when a query needs it,
 * and queries get SERVFAIL meanwhile. Event-loop thread only.
 */
#ifndef TAPGATE_DNSUP_H
#define TAPGATE_DNSUP_H

#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "io/loop.h"

struct dnsup {
	struct loop_handler h; /* first: the loop hands us &h */
	struct dns_upstream addr;
	int fd;		   /* -1: not open (unreachable at the last try) */
	uint64_t tried_ms; /* the last open that failed */
};

void dnsup_init(const struct config *cfg,
		void (*on_readable)(struct loop_handler *h, uint32_t events));
void dnsup_fini(void);
unsigned int dnsup_count(uint64_t now_ms);
int dnsup_send(unsigned int idx, const void *msg, size_t len, uint64_t now_ms);
struct dnsup *dnsup_get(unsigned int idx);
int dnsup_index(const struct loop_handler *h);

#endif
