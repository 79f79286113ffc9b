/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tcp_host.h - the host side of fuzz_tcp's harness: a listener on
 * 127.0.0.1 that the splice connects to (in a network namespace of its
 * own when the target may have one), the sockets it accepts, and their
 * writes (bytes that say where they belong) and reads (checked to be the
 * guest's bytes in order).
 *
 * Everything is static inline, as in tests/unit/check.h: one target
 * includes it, and a header on its own compiles without warnings.
 */
#ifndef TAPGATE_FUZZ_TCP_HOST_H
#define TAPGATE_FUZZ_TCP_HOST_H

#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/loop.h"
#include "fuzz_tcp_core.h"

/* ---- the listener and the per-input state of the host side */

static int lfd = -1;
static struct loop_handler lfd_h;
static bool small_rcvbuf;
static bool host_oracle; /* hosts[0] is the handshake's connection */

/* ---- host sockets */

static inline void rst_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* The listener is level-triggered: one accept per event, and no call
 * that only says EAGAIN. */
static inline void on_accept(struct loop_handler *h, uint32_t events)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), small = 4096;

	(void)h;
	(void)events;
	if (fd < 0)
		return;
	if (nhosts == HOSTS) {
		rst_close(fd);
		return;
	}
	if (small_rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	hosts[nhosts++] = (struct host){ .fd = fd };
}

/* Connections the kernel completed that the input never accepted: left in
 * the backlog, the next input's first accept would take one for its own
 * (hosts[0], the oracle's), and check the guest's bytes against a socket
 * that never carried them. */
static inline void host_drain_backlog(void)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		rst_close(fd);
}

static inline struct host *host_at(unsigned int idx)
{
	if (!nhosts)
		return NULL;
	idx %= nhosts;
	return hosts[idx].fd >= 0 ? &hosts[idx] : NULL;
}

static uint8_t iobuf[HOST_IO_MAX];

static inline void host_write(struct host *h, size_t len)
{
	ssize_t n;

	n = send(h->fd, host_bytes_at(h->tx), len, MSG_DONTWAIT | MSG_NOSIGNAL);
	TRACE("  host %d: wrote %zd of %zu\n", (int)(h - hosts), n, len);
	if (n > 0)
		h->tx += (uint64_t)n;
}

/* Read up to @len bytes (or until EAGAIN with @all); the first
 * connection's must be the guest's bytes in order. */
static inline void host_read(struct host *h, size_t len, bool all)
{
	ssize_t n;

	do {
		n = recv(h->fd, iobuf, len, MSG_DONTWAIT);
		TRACE("  host %d: read %zd\n", (int)(h - hosts), n);
		if (n <= 0)
			return;
		if (h == &hosts[0] && host_oracle)
			FUZZ_ASSERT(!memcmp(iobuf, guest_bytes_at(v.g_isn0 + 1 + (uint32_t)h->rx),
					    (size_t)n));
		h->rx += (uint64_t)n;
	} while (all);
}

static inline int host_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	lport = ntohs(a.sin_port);
	lfd_h.fn = on_accept;
	return loop_add(fd, EPOLLIN, &lfd_h) ? -1 : fd;
}

/* A loopback of our own, when we may have one (root). */
static inline void own_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET))
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

#endif
