/* SPDX-License-Identifier: MIT */
/*
 * publisten.h - the host sockets of published ports, one table per
 * protocol (inbound.c for TCP, inudp.c for UDP): a listening TCP socket
 * or a bound UDP one per HOSTIP:HOSTPORT, in the event loop.
 */
#ifndef TAPGATE_PUBLISTEN_H
#define TAPGATE_PUBLISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "io/loop.h"

struct publisten {
	struct loop_handler h; /* first: the loop hands us &h */
	int fd;		       /* -1: the slot is free */
	struct publish pub;
};

/* A table of CONFIG_PUBLISH_MAX slots and the handler of its sockets. */
struct publisten_tab {
	struct publisten slot[CONFIG_PUBLISH_MAX];
	void (*fn)(struct loop_handler *h, uint32_t events);
};

void publisten_init(struct publisten_tab *t, void (*fn)(struct loop_handler *h, uint32_t events));
int publisten_open(struct publisten_tab *t, const struct publish *p, char *err, size_t len);
int publisten_close(struct publisten_tab *t, const struct publish *p);
void publisten_close_all(struct publisten_tab *t);
unsigned int publisten_count(const struct publisten_tab *t);

#endif
