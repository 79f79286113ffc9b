/* SPDX-License-Identifier: MIT */
/*
 * loop.h - the one event loop (epoll) of the daemon. Sources register a
 * handler with a file descriptor; the loop calls it with the epoll events.
 */
#ifndef TAPGATE_LOOP_H
#define TAPGATE_LOOP_H

#include <stdint.h>

struct loop_handler {
	void (*fn)(struct loop_handler *h, uint32_t events);
};

int loop_init(void);
void loop_fini(void);
int loop_add(int fd, uint32_t events, struct loop_handler *h);
void loop_forget(struct loop_handler *h);
int loop_del(int fd);
int loop_wait(int timeout_ms);
int loop_wait_busy(int timeout_ms, unsigned int busy_us);
uint64_t loop_now_ms(void);

#endif
