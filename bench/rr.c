// SPDX-License-Identifier: MIT
/*
 * rr.c - request/response and connect/request/response benchmarks, one binary.
 *
 *   rr server ADDR PORT            echo server: every byte read is written
 *                                  back; after echoing a 'c' it closes the
 *                                  connection (it prints "ready" once it
 *                                  listens)
 *   rr client ADDR PORT N          N one-byte round trips ('r') on one
 *                                  TCP_NODELAY connection (after 200 not
 *                                  counted); prints median_us=, p99_us=
 *   rr hold ADDR PORT N SECONDS    open N connections one after the other,
 *                                  one round trip on each, print held=N and
 *                                  keep them all open for SECONDS (the
 *                                  bench reads the engine's RSS meanwhile)
 *   rr crr ADDR PORT SECONDS [fin|rst]
 *                                  for SECONDS: connect, one byte each way,
 *                                  close; prints conn_per_s=. fin (the
 *                                  default): send 'c', read the echo, read
 *                                  the server's EOF, close. rst: send 'r',
 *                                  read the echo, close with SO_LINGER 0.
 *
 * Why the server closes first by default in crr: the side that closes first
 * keeps the connection in TIME_WAIT for 60 s. On the client (the guest) that
 * would pin one ephemeral port per connection, and 28 000 ports (32768-60999)
 * are gone in a few seconds at thousands of connections per second: connect()
 * then fails with EADDRNOTAVAIL. SO_LINGER 0 on the client (rst) avoids it by
 * aborting with a RST, but then the benchmark measures the engines' reset
 * path, not an orderly close. With the server closing first, as an HTTP/1.0
 * server does, the guest's client closes passively and its port is free at
 * once; TIME_WAIT is kept by whoever closes first toward the guest: the
 * server itself for the kernel, the engine's own TCP stack for the user-space
 * engines, which then sees guest ports come back while it may still hold
 * them (Linux walks its ephemeral range in small random steps, so a port
 * comes back after a few thousand connections).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_S 5 /* a stuck engine fails the run instead of hanging it */
#define WARMUP	     200

static void die(const char *what)
{
	fprintf(stderr, "rr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An IPv4 or IPv6 socket address. */
struct peer {
	struct sockaddr_storage ss;
	socklen_t len;
};

static void parse_addr(const char *addr, const char *port, struct peer *sa)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&sa->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa->ss;
	char *end;
	long p = strtol(port, &end, 10);
	int ok;

	memset(sa, 0, sizeof(*sa));
	if (*end || p < 1 || p > 65535) {
		fprintf(stderr, "rr: bad port '%s'\n", port);
		exit(2);
	}
	if (strchr(addr, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)p);
		ok = inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sa->len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)p);
		ok = inet_pton(AF_INET, addr, &s4->sin_addr);
		sa->len = sizeof(*s4);
	}
	if (ok != 1) {
		fprintf(stderr, "rr: bad IPv4 or IPv6 address '%s'\n", addr);
		exit(2);
	}
}

static void set_int(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
		die("setsockopt");
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		die("setsockopt timeout");
}

/* Room for @n descriptors if the hard limit allows; returns what we have. */
static rlim_t want_fds(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit RLIMIT_NOFILE");
	if (rl.rlim_cur < n) {
		rl.rlim_cur = n < rl.rlim_max ? n : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit RLIMIT_NOFILE");
	}
	return rl.rlim_cur;
}

/* ------------------------------------------------------------------ server */

static _Noreturn void server(const struct peer *sa)
{
	struct epoll_event ev, evs[256];
	int lfd, ep;

	want_fds(65536); /* rr hold keeps thousands of connections */
	lfd = socket(sa->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	set_int(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (sa->ss.ss_family == AF_INET6)
		set_int(lfd, IPPROTO_IPV6, IPV6_V6ONLY, 0); /* "::" takes both families */
	if (bind(lfd, (const struct sockaddr *)&sa->ss, sa->len) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				for (;;) {
					int c = accept4(lfd, NULL, NULL,
							SOCK_NONBLOCK | SOCK_CLOEXEC);

					if (c < 0)
						break; /* EAGAIN, or a connection gone already */
					set_int(c, IPPROTO_TCP, TCP_NODELAY, 1);
					ev.events = EPOLLIN;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
						close(c);
				}
				continue;
			}
			char buf[4096];
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			/* Echo; a one-byte ping-pong never fills the send buffer,
			 * a client that makes it do so is dropped. */
			if (r <= 0 || write(fd, buf, (size_t)r) != r || memchr(buf, 'c', (size_t)r))
				close(fd); /* leaves epoll's set too */
		}
	}
}

/* ------------------------------------------------------------------ clients */

static int connect_to(const struct peer *sa)
{
	int fd = socket(sa->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	set_timeouts(fd); /* SO_SNDTIMEO bounds connect() too */
	if (connect(fd, (const struct sockaddr *)&sa->ss, sa->len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One round trip of byte B; 0 on success. */
static int round_trip(int fd, char b)
{
	char got;

	if (write(fd, &b, 1) != 1)
		return -1;
	if (read(fd, &got, 1) != 1)
		return -1;
	return got == b ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int client(const struct peer *sa, long n)
{
	double *us = calloc((size_t)n, sizeof(*us));
	int fd;

	if (!us)
		die("calloc");
	fd = connect_to(sa);
	if (fd < 0)
		die("connect");
	for (int i = 0; i < WARMUP; i++)
		if (round_trip(fd, 'r'))
			die("warm-up round trip");
	for (long i = 0; i < n; i++) {
		double t0 = now_s();

		if (round_trip(fd, 'r')) {
			fprintf(stderr, "rr: round trip %ld of %ld failed: %s\n", i + 1, n,
				strerror(errno));
			return 1;
		}
		us[i] = (now_s() - t0) * 1e6;
	}
	close(fd);
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	printf("n=%ld median_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f\n", n, us[n / 2],
	       us[(n * 99) / 100], us[0], us[n - 1]);
	free(us);
	return 0;
}

static int crr(const struct peer *sa, double secs, int rst)
{
	const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	long conns = 0, errors = 0, streak = 0;
	double t0 = now_s(), t;
	int last_errno = 0;

	do {
		int fd = connect_to(sa), ok = 0;
		char b;

		if (fd >= 0 && rst) {
			ok = round_trip(fd, 'r') == 0 &&
			     setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
					sizeof(abort_close)) == 0;
			if (!ok)
				last_errno = errno;
			close(fd);
		} else if (fd >= 0) {
			/* the echo, then the server's FIN (read returns 0) */
			ok = round_trip(fd, 'c') == 0 && read(fd, &b, 1) == 0;
			if (!ok)
				last_errno = errno;
			close(fd);
		} else {
			last_errno = errno;
		}
		if (ok) {
			conns++;
			streak = 0;
		} else if (++errors, ++streak >= 100) {
			fprintf(stderr, "rr: 100 connections in a row failed, last: %s\n",
				strerror(last_errno));
			return 1;
		}
		t = now_s() - t0;
	} while (t < secs);
	printf("conn_per_s=%.0f conns=%ld errors=%ld secs=%.2f\n", (double)conns / t, conns, errors,
	       t);
	if (errors)
		fprintf(stderr, "rr: %ld connections failed, last: %s\n", errors,
			strerror(last_errno));
	/* A few failures in tens of thousands are reported, not fatal. */
	return conns > 0 && errors * 100 <= conns ? 0 : 1;
}

static int hold(const struct peer *sa, long n, double secs)
{
	int *fds = calloc((size_t)n, sizeof(*fds));
	double t0 = now_s();

	if (!fds)
		die("calloc");
	if (want_fds((rlim_t)n + 64) < (rlim_t)n + 64) {
		fprintf(stderr, "rr: %ld connections need more descriptors than the hard limit\n",
			n);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		fds[i] = connect_to(sa);
		if (fds[i] < 0 || round_trip(fds[i], 'r')) {
			fprintf(stderr, "rr: connection %ld of %ld: %s\n", i + 1, n,
				strerror(errno));
			printf("failed_at=%ld\n", i + 1);
			return 1;
		}
		if ((i + 1) % 500 == 0) { /* progress, for an engine that stalls */
			printf("opened=%ld\n", i + 1);
			fflush(stdout);
		}
	}
	printf("held=%ld secs=%.2f\n", n, now_s() - t0);
	fflush(stdout);
	t0 = now_s();
	while (now_s() - t0 < secs)
		usleep(100 * 1000);
	for (long i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: rr server ADDR PORT\n"
			"       rr client ADDR PORT N\n"
			"       rr hold ADDR PORT N SECONDS\n"
			"       rr crr ADDR PORT SECONDS [fin|rst]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct peer sa;

	if (argc < 4)
		usage();
	signal(SIGPIPE, SIG_IGN);
	parse_addr(argv[2], argv[3], &sa);
	if (!strcmp(argv[1], "server") && argc == 4)
		server(&sa);
	if (!strcmp(argv[1], "client") && argc == 5) {
		long n = strtol(argv[4], NULL, 10);

		if (n < 1)
			usage();
		return client(&sa, n);
	}
	if (!strcmp(argv[1], "hold") && argc == 6) {
		long n = strtol(argv[4], NULL, 10);
		double s = strtod(argv[5], NULL);

		if (n < 1 || !(s > 0))
			usage();
		return hold(&sa, n, s);
	}
	if (!strcmp(argv[1], "crr") && (argc == 5 || argc == 6)) {
		double s = strtod(argv[4], NULL);
		int rst = argc == 6 && !strcmp(argv[5], "rst");

		if (!(s > 0) || (argc == 6 && !rst && strcmp(argv[5], "fin")))
			usage();
		return crr(&sa, s, rst);
	}
	usage();
	return 2;
}
