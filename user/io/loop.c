// SPDX-License-Identifier: MIT
/*
 * loop.c - epoll wrapper. Handlers are called in the order epoll returns
 * them; a handler may free its own or another's handler, so loop_forget()
 * voids the freed handler's pending events of the current batch.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "io/loop.h"

#define LOOP_BATCH 64

static int epfd = -1;
static struct epoll_event batch[LOOP_BATCH];
static int batch_n;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

void loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

int loop_add(int fd, uint32_t events, struct loop_handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Take @fd out of the set while it stays open (another handler takes it). */
int loop_del(int fd)
{
	return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

/**
 * loop_wait() - Wait for events and run their handlers
 * @timeout_ms: -1 to sleep until an event
 *
 * Return: number of events handled, or a negative errno (not EINTR)
 */
int loop_wait(int timeout_ms)
{
	int n = epoll_wait(epfd, batch, LOOP_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	batch_n = n;
	for (int i = 0; i < batch_n; i++) {
		struct loop_handler *h = batch[i].data.ptr;

		if (h)
			h->fn(h, batch[i].events);
	}
	batch_n = 0;
	return n;
}

/**
 * loop_wait_busy() - loop_wait(), polling first for a while after traffic
 * @timeout_ms: as for loop_wait()
 * @busy_us:    how long to poll (0: never)
 *
 * After a turn that had events, the next event (a host's answer, the
 * guest's next segment) often comes within tens of microseconds; sleeping
 * for it costs a wakeup on each side. Polling for @busy_us first trades CPU
 * while busy for latency. Once a whole poll finds nothing, the loop sleeps
 * as usual, so an idle daemon still uses no CPU.
 *
 * Return: as loop_wait()
 */
int loop_wait_busy(int timeout_ms, unsigned int busy_us)
{
	static bool hot;
	int n = 0;

	if (hot && busy_us && timeout_ms != 0) {
		uint64_t end = now_ns() + (uint64_t)busy_us * 1000u;

		while ((n = loop_wait(0)) == 0 && now_ns() < end)
			;
	}
	if (n == 0)
		n = loop_wait(timeout_ms);
	hot = n > 0;
	return n;
}

/**
 * loop_forget() - Void the pending events of handler @h in this turn
 * @h: handler about to be freed
 */
void loop_forget(struct loop_handler *h)
{
	for (int i = 0; i < batch_n; i++)
		if (batch[i].data.ptr == h)
			batch[i].data.ptr = NULL;
}

uint64_t loop_now_ms(void)
{
	return now_ns() / 1000000;
}
