// SPDX-License-Identifier: MIT
/*
 * publisten.c - the host sockets of published ports (see publisten.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "control/log.h"
#include "proxy/hostsock.h"
#include "proxy/publisten.h"

/**
 * publisten_init() - Mark every slot free
 * @t:  the table
 * @fn: the handler of its sockets (readable: a connection or a datagram)
 */
void publisten_init(struct publisten_tab *t, void (*fn)(struct loop_handler *h, uint32_t events))
{
	for (unsigned int i = 0; i < CONFIG_PUBLISH_MAX; i++)
		t->slot[i].fd = -1;
	t->fn = fn;
}

static struct publisten *find(struct publisten_tab *t, const struct publish *p)
{
	for (unsigned int i = 0; i < CONFIG_PUBLISH_MAX; i++) {
		struct publisten *l = &t->slot[i];

		if (l->fd >= 0 && l->pub.host_ip == p->host_ip && l->pub.host_port == p->host_port)
			return l;
	}
	return NULL;
}

static struct publisten *free_slot(struct publisten_tab *t)
{
	for (unsigned int i = 0; i < CONFIG_PUBLISH_MAX; i++)
		if (t->slot[i].fd < 0)
			return &t->slot[i];
	return NULL;
}

/**
 * publisten_open() - Listen (TCP) or bind (UDP) for one published port
 * @t:   the table of its protocol
 * @p:   what to publish
 * @err: the reason when it fails, for the operator
 * @len: its size
 *
 * Return: 0, or a negative errno (-EADDRINUSE: the host port is taken;
 * -EEXIST: published already; -ENOSPC: the table is full)
 */
int publisten_open(struct publisten_tab *t, const struct publish *p, char *err, size_t len)
{
	const char *proto = p->proto == IPPROTO_UDP ? "/udp" : "";
	struct publisten *l = free_slot(t);
	char ip[INET_ADDRSTRLEN];
	int fd;

	inet_ntop(AF_INET, &p->host_ip, ip, sizeof(ip));
	if (find(t, p)) {
		snprintf(err, len, "%s:%u%s is published already", ip, p->host_port, proto);
		return -EEXIST;
	}
	if (!l) {
		snprintf(err, len, "%d ports are published already", CONFIG_PUBLISH_MAX);
		return -ENOSPC;
	}
	fd = p->proto == IPPROTO_UDP ? hostsock_bind_udp(p->host_ip, p->host_port)
				     : hostsock_listen(p->host_ip, p->host_port);
	if (fd < 0) {
		snprintf(err, len, "cannot listen on %s:%u%s: %s%s", ip, p->host_port, proto,
			 strerror(-fd),
			 fd == -EADDRINUSE ? " (another process has that port: pick another "
					     "HOSTPORT)"
					   : "");
		return fd;
	}
	if ((ntohl(p->host_ip) >> 24) != 127)
		log_warn("%s:%u%s: the guest's port %u is reachable from outside this host (not "
			 "a loopback address)",
			 ip, p->host_port, proto, p->guest_port);
	*l = (struct publisten){ .h.fn = t->fn, .fd = fd, .pub = *p };
	if (loop_add(fd, EPOLLIN, &l->h) < 0) {
		snprintf(err, len, "epoll: %s", strerror(errno));
		close(fd);
		l->fd = -1;
		return -EIO;
	}
	return 0;
}

/**
 * publisten_close() - Stop listening for one published port
 * @t: the table
 * @p: what was published (host address and port)
 *
 * Return: the slot's index (the caller forgets what hangs on it), or
 * -ENOENT when it was not published
 */
int publisten_close(struct publisten_tab *t, const struct publish *p)
{
	struct publisten *l = find(t, p);

	if (!l)
		return -ENOENT;
	loop_forget(&l->h);
	close(l->fd);
	l->fd = -1;
	return (int)(l - t->slot);
}

/**
 * publisten_close_all() - Close every socket of the table (exit)
 * @t: the table
 */
void publisten_close_all(struct publisten_tab *t)
{
	for (unsigned int i = 0; i < CONFIG_PUBLISH_MAX; i++)
		if (t->slot[i].fd >= 0)
			publisten_close(t, &t->slot[i].pub);
}

/**
 * publisten_count() - How many ports of the table are published
 * @t: the table
 *
 * Return: the count
 */
unsigned int publisten_count(const struct publisten_tab *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < CONFIG_PUBLISH_MAX; i++)
		n += t->slot[i].fd >= 0;
	return n;
}
