/* SPDX-License-Identifier: MIT */
/*
 * inbound.h - published TCP ports (--publish): the host's peers reach a
 * port in the guest. Each accepted host connection becomes an lwIP
 * connection from the gateway to the guest's port, spliced both ways by
 * splice.c as the egress path is. Event-loop thread only.
 */
#ifndef TAPGATE_INBOUND_H
#define TAPGATE_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct tg_ustats;

struct group_table;
struct publish;
struct sockaddr_in;

int inbound_init(const struct config *cfg, const struct group_table *g, struct tg_ustats *st);
bool inbound_allowed(uint8_t proto, const struct sockaddr_in *peer, uint16_t port);
int inbound_add(const struct publish *p, char *err, size_t len);
int inbound_remove(const struct publish *p);
unsigned int inbound_published(void);
void inbound_fini(void);
void inbound_run_timers(uint64_t now_ms);
int inbound_timeout_ms(uint64_t now_ms);
void inbound_reap(void);
void inbound_output_all(void);
unsigned int inbound_count(void);

#endif
