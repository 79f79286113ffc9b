/* SPDX-License-Identifier: MIT */
/*
 * inudp.h - published UDP ports (--publish ...:HOSTPORT:GUESTPORT/udp): a
 * host peer's datagrams go to the guest's port from a gateway port of its
 * own, and what the guest sends back to that gateway port goes to that
 * peer. A bounded peer table with an idle timeout. Event-loop thread only.
 */
#ifndef TAPGATE_INUDP_H
#define TAPGATE_INUDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct publish;
struct slot;
struct tg_ustats;

int inudp_init(const struct config *cfg, struct tg_ustats *st);
void inudp_fini(void);
int inudp_add(const struct publish *p, char *err, size_t len);
int inudp_remove(const struct publish *p);
unsigned int inudp_published(void);
bool inudp_owns(const struct slot *s);
int inudp_from_guest(const struct slot *s);
void inudp_run_timers(uint64_t now_ms);
int inudp_timeout_ms(uint64_t now_ms);

#endif
