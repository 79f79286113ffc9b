/* SPDX-License-Identifier: MIT */
/*
 * rcvwnd.h - lwIP's receive window, past Debian's 64 KiB TCP_WND.
 */
#ifndef TAPGATE_RCVWND_H
#define TAPGATE_RCVWND_H

#include <stdint.h>

#include "lwip/tcp.h"

uint32_t rcvwnd_max(const struct tcp_pcb *pcb);
void rcvwnd_grow(struct tcp_pcb *pcb);
void rcvwnd_open(struct tcp_pcb *pcb, uint32_t n);

#endif
