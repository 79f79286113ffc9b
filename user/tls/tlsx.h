/* SPDX-License-Identifier: MIT */
/*
 * tlsx.h - TLS interception (--tls-intercept): guest connections to the
 * intercepted ports, once spliced, go through here instead of straight to
 * their host socket. tlsx reads the ClientHello, checks its server name
 * against the policy, and either relays the bytes untouched (bypass) or
 * terminates TLS with a certificate of its own CA, opens TLS to the real
 * server and relays the plaintext, putting secrets into requests.
 */
#ifndef TAPGATE_TLSX_H
#define TAPGATE_TLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustats.h"

struct config;
struct flow_key;
struct group_table;

/* Called once when a violation asks to end the sandbox's network. */
typedef void (*tlsx_cut_fn)(void);

int tlsx_init(const struct config *cfg, const struct group_table *g, struct tg_ustats *st,
	      tlsx_cut_fn cut);
bool tlsx_port(uint16_t port);
int tlsx_take(int host_fd, const struct flow_key *k);
void tlsx_run_timers(uint64_t now_ms);
int tlsx_timeout_ms(uint64_t now_ms);
void tlsx_reap(void);
unsigned int tlsx_count(void);
void tlsx_fini(void);

#endif
