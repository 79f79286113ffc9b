/* SPDX-License-Identifier: MIT */
/*
 * stack.h - the lwIP instance of one sandbox: Debian's liblwip 2.1.3 driven
 * through its raw API from the event-loop thread only (no tcpip thread).
 * This file pair is the only place that touches lwIP's globals (the netif,
 * the timers); pxtcp.c uses lwIP's per-pcb raw API. lwIP's output goes to
 * the guest through gtx (io/gtx.h), a pure ACK by way of ackcoal.c.
 */
#ifndef TAPGATE_STACK_H
#define TAPGATE_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct tcp_pcb;

int stack_init(const struct config *cfg);
int stack_input(const uint8_t *ip, size_t len);
uint64_t stack_inbuf_fallbacks(void);
void stack_guard_stats(uint64_t *out_of_window, uint64_t *blind);
void stack_run_timers(uint64_t now_ms);
int stack_timeout_ms(uint64_t now_ms);
struct tcp_pcb *stack_newest_pcb(void);
bool stack_write_would_misplace(const struct tcp_pcb *pcb);

#endif
