// SPDX-License-Identifier: MIT
/*
 * inbound.c - published TCP ports (see inbound.h).
 *
 * A host peer connects to HOSTIP:HOSTPORT; the kernel finishes that
 * handshake before tapgate sees the connection, so tapgate accepts it,
 * opens an lwIP connection from the gateway (one of the TG_INBOUND_PORT()
 * ports, which the XDP program lets back; with --publish-keep-source from
 * the peer's own address where the guest can answer it, shown_source())
 * to the guest's port, and only
 * when the guest accepts starts the splice. A guest port that refuses (or
 * never answers within --connect-timeout) resets the host connection at
 * once: the peer sees a reset, never a hang. The splice is the egress
 * path's, so flow control, half-close and resets behave the same.
 *
 * Lifetime as in pxtcp.c: a connection killed inside an lwIP callback is
 * freed by inbound_reap() from the loop, outside lwIP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/tcp.h"

#include "control/config.h"
#include "control/group.h"
#include "control/log.h"
#include "io/loop.h"
#include "proxy/hostsock.h"
#include "proxy/inbound.h"
#include "proxy/publisten.h"
#include "proxy/splice.h"
#include "policy/polset.h"
#include "steer.h"
#include "ustats.h"

enum in_state { IN_CONNECTING = 0, IN_OPEN, IN_DEAD };

struct inconn {
	struct loop_handler h;	    /* first: the loop hands us &h */
	struct inconn *next, *prev; /* live connections; the dead list uses next */
	int fd;
	struct tcp_pcb *pcb; /* until the splice takes it */
	enum in_state state;
	uint64_t deadline;
	struct splice sp;
};

static const struct config *cfg;
static const struct group_table *groups;
static struct tg_ustats *st, dummy_stats;
static struct publisten_tab listeners;
static bool ready; /* inbound_init() marked the listener slots free */
static unsigned int nconns;
static struct inconn *all, *dead_list;
static uint16_t next_port = TG_INBOUND_PORT_MIN;

static void on_listen(struct loop_handler *h, uint32_t events);
static void on_fd(struct loop_handler *h, uint32_t events);

/**
 * inbound_add() - Publish one TCP port
 * @p:   what to publish
 * @err: the reason when it fails, for the operator
 * @len: its size
 *
 * Return: 0, or a negative errno (see publisten_open())
 */
int inbound_add(const struct publish *p, char *err, size_t len)
{
	return publisten_open(&listeners, p, err, len);
}

/**
 * inbound_remove() - Stop publishing a TCP port; its open connections stay
 * @p: what was published (host address and port)
 *
 * Return: 0, or -ENOENT when it was not published
 */
int inbound_remove(const struct publish *p)
{
	int r = publisten_close(&listeners, p);

	return r < 0 ? r : 0;
}

/**
 * inbound_published() - How many TCP ports are published now
 *
 * Return: the count
 */
unsigned int inbound_published(void)
{
	return publisten_count(&listeners);
}

/**
 * inbound_init() - Listen on every published TCP port of the options
 * @config: configuration (publish list, addresses, timeouts; kept)
 * @g:      destination groups, for the ingress policy (kept)
 * @stats:  counters, or NULL
 *
 * Return: 0, or a negative errno with the reason logged (a host port
 * already taken: -EADDRINUSE)
 */
int inbound_init(const struct config *config, const struct group_table *g, struct tg_ustats *stats)
{
	char err[256];

	cfg = config;
	groups = g;
	st = stats ? stats : &dummy_stats;
	publisten_init(&listeners, on_listen);
	ready = true;
	for (unsigned int i = 0; i < cfg->npublish; i++) {
		const struct publish *p = &cfg->publish[i];
		int r;

		if (p->proto != IPPROTO_TCP)
			continue;
		r = inbound_add(p, err, sizeof(err));
		if (r) {
			log_err("--publish %u:%u: %s", p->host_port, p->guest_port, err);
			inbound_fini();
			return r;
		}
	}
	return 0;
}

/* ---- connection lifetime */

static void conn_kill(struct inconn *c)
{
	if (c->state == IN_DEAD)
		return;
	if (c->state == IN_OPEN)
		st->inbound_open--;
	c->state = IN_DEAD;
	if (c->prev)
		c->prev->next = c->next;
	else
		all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	loop_forget(&c->h);
	c->next = dead_list;
	dead_list = c;
}

/* The guest refused or never answered: the host peer gets a reset now. */
static void refuse(struct inconn *c)
{
	st->inbound_refused++;
	hostsock_set_reset(c->fd);
	conn_kill(c);
}

static void on_splice_end(struct splice *sp)
{
	conn_kill((struct inconn *)((char *)sp - offsetof(struct inconn, sp)));
}

/**
 * inbound_reap() - Free connections retired during this loop turn
 */
void inbound_reap(void)
{
	splice_flush_all();
	while (dead_list) {
		struct inconn *c = dead_list;

		dead_list = c->next;
		close(c->fd);
		splice_free(&c->sp);
		free(c);
		nconns--;
	}
}

/* ---- the lwIP side: connect to the guest */

static void on_pcb_err(void *arg, err_t err)
{
	struct inconn *c = arg;

	log_dbg("published port: the guest's side failed (lwIP error %d)", (int)err);
	c->pcb = NULL; /* freed by lwIP */
	refuse(c);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inconn *c = arg;

	if (err != ERR_OK)
		return err;
	c->pcb = NULL; /* the splice's from here */
	c->state = IN_OPEN;
	st->inbound_open++;
	if (splice_start(&c->sp, pcb, c->fd, NULL, NULL, on_splice_end))
		return ERR_ABRT;
	return ERR_OK;
}

/*
 * The address the guest sees the connection come from: the gateway's, or
 * with --publish-keep-source the peer's own where the guest can answer it
 * through the gateway: not a loopback, unspecified, multicast or broadcast
 * address, and not one of the guest's own subnet (the guest would ask ARP
 * for it on the link instead of sending it to the gateway).
 */
static uint32_t shown_source(const struct sockaddr_in *peer)
{
	uint32_t a = ntohl(peer->sin_addr.s_addr);
	uint32_t mask = cfg->prefix4 ? ~0u << (32 - cfg->prefix4) : 0;

	if (!cfg->publish_keep_source || (a >> 24) == 127 || a == 0 || a >= 0xe0000000u ||
	    (a & mask) == (ntohl(cfg->guest_ip4) & mask))
		return cfg->gw_ip4;
	return peer->sin_addr.s_addr;
}

/* A free port of the inbound range at @src for the new pcb. */
static err_t bind_inbound(struct tcp_pcb *pcb, uint32_t src)
{
	ip_addr_t a = IPADDR4_INIT(src);

	for (unsigned int i = 0; i < 0x1000; i++) {
		uint16_t port = next_port;

		next_port = next_port == 0xffff ? TG_INBOUND_PORT_MIN : next_port + 1;
		if (tcp_bind(pcb, &a, port) == ERR_OK)
			return ERR_OK;
	}
	return ERR_USE;
}

static int connect_guest(struct inconn *c, const struct publish *p, const struct sockaddr_in *peer)
{
	ip_addr_t guest = IPADDR4_INIT(cfg->guest_ip4);
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

	if (!pcb)
		return -ENOMEM;
	if (bind_inbound(pcb, shown_source(peer)) != ERR_OK) {
		tcp_abort(pcb);
		return -EADDRINUSE;
	}
	tcp_arg(pcb, c);
	tcp_err(pcb, on_pcb_err);
	c->pcb = pcb;
	if (tcp_connect(pcb, &guest, p->guest_port, on_connected) != ERR_OK) {
		c->pcb = NULL;
		tcp_abort(pcb);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the host side */

/**
 * inbound_allowed() - The policy's word on a host peer of a published port
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @peer:  the peer's address
 * @port:  the guest's port
 *
 * Ingress rules: the rule's destination is the peer, its port the
 * guest's. Counted and, when denied, logged as egress decisions are.
 *
 * Return: true when the peer may reach the guest's port
 */
bool inbound_allowed(uint8_t proto, const struct sockaddr_in *peer, uint16_t port)
{
	struct pol_flow f = { .dir = POL_INGRESS, .proto = proto, .family = 4, .port = port };
	struct pol_verdict v;

	memcpy(f.addr, &peer->sin_addr, 4);
	f.group = (uint8_t)group_classify(groups, 4, f.addr);
	if (polset_check(&f, NULL, &v))
		return true;
	st->inbound_denied++;
	return false;
}

static void conn_new(int fd, const struct sockaddr_in *peer, const struct publish *p)
{
	struct inconn *c = calloc(1, sizeof(*c));

	if (!inbound_allowed(IPPROTO_TCP, peer, p->guest_port)) {
		free(c);
		hostsock_set_reset(fd);
		close(fd);
		return;
	}
	if (!c || nconns >= cfg->max_conns) {
		free(c);
		hostsock_set_reset(fd);
		close(fd);
		st->inbound_refused++;
		return;
	}
	c->fd = fd;
	c->h.fn = on_fd;
	c->deadline = loop_now_ms() + cfg->connect_timeout_ms;
	c->next = all;
	if (all)
		all->prev = c;
	all = c;
	nconns++;
	st->inbound_accepted++;
	if (loop_add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->h) < 0 ||
	    connect_guest(c, p, peer) < 0)
		refuse(c);
}

static void on_listen(struct loop_handler *h, uint32_t events)
{
	struct publisten *l = (struct publisten *)h;
	int fd;

	(void)events;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);

	while ((fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conn_new(fd, &peer, &l->pub);
		len = sizeof(peer);
	}
}

static void on_fd(struct loop_handler *h, uint32_t events)
{
	struct inconn *c = (struct inconn *)h;

	if (c->state == IN_DEAD)
		return;
	splice_host_seen(&c->sp, events);
	if (c->state == IN_OPEN)
		splice_host_event(&c->sp, events);
	else if ((events & (EPOLLHUP | EPOLLERR)) && c->pcb)
		tcp_abort(c->pcb); /* the peer left first: on_pcb_err() ends it */
}

/**
 * inbound_run_timers() - Reset host peers whose guest never answered
 * @now_ms: monotonic milliseconds
 */
void inbound_run_timers(uint64_t now_ms)
{
	for (struct inconn *c = all, *next; c; c = next) {
		next = c->next;
		if (c->state == IN_CONNECTING && now_ms >= c->deadline && c->pcb)
			tcp_abort(c->pcb); /* calls on_pcb_err() */
	}
}

/**
 * inbound_timeout_ms() - Time until the next connect deadline
 * @now_ms: monotonic milliseconds
 *
 * Return: milliseconds, or -1 when nothing is connecting
 */
int inbound_timeout_ms(uint64_t now_ms)
{
	uint64_t best = UINT64_MAX;

	for (struct inconn *c = all; c; c = c->next)
		if (c->state == IN_CONNECTING && c->deadline < best)
			best = c->deadline;
	if (best == UINT64_MAX)
		return -1;
	return best <= now_ms ? 0 : (int)(best - now_ms);
}

/**
 * inbound_output_all() - The tx ring had room again: let every splice send
 */
void inbound_output_all(void)
{
	for (struct inconn *c = all; c; c = c->next)
		if (c->state == IN_OPEN)
			splice_output(&c->sp);
}

/**
 * inbound_count() - Connections through published ports now
 *
 * Return: how many (connecting or open)
 */
unsigned int inbound_count(void)
{
	return nconns;
}

/**
 * inbound_fini() - Reset every connection, close the listeners (exit)
 */
void inbound_fini(void)
{
	if (!ready)
		return;
	while (all) {
		struct inconn *c = all;

		if (c->state == IN_OPEN)
			splice_reset(&c->sp); /* tells on_splice_end() */
		else if (c->pcb)
			tcp_abort(c->pcb); /* tells on_pcb_err() */
		if (all == c)
			conn_kill(c);
	}
	inbound_reap();
	publisten_close_all(&listeners);
	ready = false;
}
