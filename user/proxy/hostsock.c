// SPDX-License-Identifier: MIT
/*
 * hostsock.c - host TCP sockets for pxtcp.c and splice.c (see hostsock.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/hostsock.h"

/**
 * hostsock_addr() - The socket address of @addr:@port
 * @addr: IPv4 or IPv6 address
 * @port: port, host order
 * @out:  set to a sockaddr_in or sockaddr_in6
 *
 * Return: its length
 */
socklen_t hostsock_addr(const struct tg_addr *addr, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_in *sa4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (addr->family == 6) {
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons(port);
		memcpy(&sa6->sin6_addr, addr->a, 16);
		return sizeof(*sa6);
	}
	sa4->sin_family = AF_INET;
	sa4->sin_port = htons(port);
	memcpy(&sa4->sin_addr, addr->a, 4);
	return sizeof(*sa4);
}

/**
 * hostsock_connect() - Start a non-blocking connect to @addr:@port
 * @addr: IPv4 or IPv6 address
 * @port: port, host order
 *
 * Return: the socket (connect in progress or done), or a negative errno
 */
int hostsock_connect(const struct tg_addr *addr, uint16_t port)
{
	struct sockaddr_storage sa;
	socklen_t salen = hostsock_addr(addr, port, &sa);
	int fd, err;

	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0 && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/**
 * hostsock_listen() - A listening TCP socket for a published port
 * @ip:   IPv4 address, network byte order
 * @port: port, host order
 *
 * Return: the socket (non-blocking), or a negative errno (-EADDRINUSE
 * when the port is taken)
 */
int hostsock_listen(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1, err;

	sa.sin_addr.s_addr = ip;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/**
 * hostsock_bind_udp() - A bound UDP socket for a published port
 * @ip:   IPv4 address, network byte order
 * @port: port, host order
 *
 * Return: the socket (non-blocking), or a negative errno
 */
int hostsock_bind_udp(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err;

	sa.sin_addr.s_addr = ip;
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/**
 * hostsock_error() - The pending error of a socket (the connect result)
 * @fd: socket
 *
 * Return: 0 or a positive errno value
 */
int hostsock_error(int fd)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return errno;
	return soerr;
}

/**
 * hostsock_tune() - No Nagle (the guest already coalesces), and keepalive
 * so that a vanished host peer does not pin the connection forever
 * @fd:      socket
 * @idle_s:  keepalive idle time
 * @intvl_s: probe interval
 * @cnt:     probes before giving up
 */
void hostsock_tune(int fd, int idle_s, int intvl_s, int cnt)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof(idle_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl_s, sizeof(intvl_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/**
 * hostsock_set_reset() - Make close() send RST instead of FIN
 * @fd: socket
 */
void hostsock_set_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}
