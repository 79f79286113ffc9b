// SPDX-License-Identifier: MIT
/*
 * dnsup.c - the upstream resolvers and their sockets (see dnsup.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/log.h"
#include "dns/dnsup.h"

#define RESOLV_CONF    "/etc/resolv.conf"
#define RETRY_MS       1000 /* an unreachable resolver is tried again after this */
#define RESOLV_LOOK_MS 2000 /* /etc/resolv.conf's mtime is looked at this often */

static struct dnsup ups[CONFIG_DNS_MAX];
static unsigned int nups;
static bool follow_resolv; /* no --dns: /etc/resolv.conf's nameservers */
static struct timespec resolv_mtime;
static uint64_t resolv_looked_ms;
static void (*on_read)(struct loop_handler *h, uint32_t events);

/* /etc/resolv.conf's IPv4 nameservers, at most CONFIG_DNS_MAX. */
static unsigned int read_resolv_conf(struct dns_upstream *out)
{
	FILE *f = fopen(RESOLV_CONF, "r");
	char line[256], addr[64];
	unsigned int n = 0;

	if (!f)
		return 0;
	while (n < CONFIG_DNS_MAX && fgets(line, sizeof(line), f))
		if (sscanf(line, " nameserver %63s", addr) == 1 && !config_parse_dns(addr, &out[n]))
			n++;
	fclose(f);
	return n;
}

static void describe(const struct dnsup *u, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &u->addr.ip4, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, u->addr.port);
}

static int try_open(struct dnsup *u, uint64_t now_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(u->addr.port) };
	int fd, err;

	sa.sin_addr.s_addr = u->addr.ip4;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		u->tried_ms = now_ms ? now_ms : 1;
		return err;
	}
	u->h.fn = on_read;
	if (loop_add(fd, EPOLLIN, &u->h) < 0) {
		close(fd);
		return -EIO;
	}
	u->fd = fd;
	return 0;
}

static void close_all(void)
{
	for (unsigned int i = 0; i < nups; i++)
		if (ups[i].fd >= 0) {
			loop_forget(&ups[i].h);
			close(ups[i].fd);
			ups[i].fd = -1;
		}
	nups = 0;
}

/* Take @n resolvers, opening what can be opened now. */
static void take(const struct dns_upstream *addrs, unsigned int n, uint64_t now_ms)
{
	char name[64];
	int err;

	close_all();
	for (nups = 0; nups < n; nups++) {
		struct dnsup *u = &ups[nups];

		*u = (struct dnsup){ .addr = addrs[nups], .fd = -1 };
		err = try_open(u, now_ms);
		if (err) {
			describe(u, name, sizeof(name));
			log_warn("DNS upstream %s cannot be reached now (%s): queries for it get "
				 "SERVFAIL until it can; tapgate tries again as they come",
				 name, strerror(-err));
		}
	}
}

static bool resolv_changed(void)
{
	struct stat sb;

	if (stat(RESOLV_CONF, &sb))
		return resolv_mtime.tv_sec != 0;
	if (sb.st_mtim.tv_sec == resolv_mtime.tv_sec && sb.st_mtim.tv_nsec == resolv_mtime.tv_nsec)
		return false;
	resolv_mtime = sb.st_mtim;
	return true;
}

static void from_resolv(uint64_t now_ms)
{
	struct dns_upstream addrs[CONFIG_DNS_MAX];
	unsigned int n = read_resolv_conf(addrs);

	if (!n)
		log_warn("no --dns given and no IPv4 nameserver in " RESOLV_CONF ": the guest's "
			 "DNS queries get SERVFAIL until there is one");
	take(addrs, n, now_ms);
}

/**
 * dnsup_init() - Take the resolvers: --dns, else /etc/resolv.conf's
 * @cfg:         --dns
 * @on_readable: the handler of a resolver socket that has an answer
 *
 * Never fails: a resolver unreachable now is tried again later.
 */
void dnsup_init(const struct config *cfg,
		void (*on_readable)(struct loop_handler *h, uint32_t events))
{
	on_read = on_readable;
	follow_resolv = !cfg->ndns;
	if (follow_resolv) {
		resolv_changed();
		from_resolv(0);
	} else {
		take(cfg->dns, cfg->ndns, 0);
	}
}

/**
 * dnsup_count() - How many resolvers there are now
 * @now_ms: the loop's clock
 *
 * Without --dns, /etc/resolv.conf is looked at (its mtime, at most every
 * RESOLV_LOOK_MS) and read again when it changed.
 *
 * Return: the count
 */
unsigned int dnsup_count(uint64_t now_ms)
{
	if (follow_resolv && now_ms - resolv_looked_ms >= RESOLV_LOOK_MS) {
		resolv_looked_ms = now_ms;
		if (resolv_changed()) {
			log_info(RESOLV_CONF " changed: its nameservers are the DNS upstreams now");
			from_resolv(now_ms);
		}
	}
	return nups;
}

/**
 * dnsup_send() - Send a query to resolver @idx
 * @idx:    0..dnsup_count() - 1
 * @msg:    the query
 * @len:    its length
 * @now_ms: the loop's clock
 *
 * Return: 0, or a negative errno (-ENETUNREACH and the like while the
 * resolver cannot be reached; the caller fails over)
 */
int dnsup_send(unsigned int idx, const void *msg, size_t len, uint64_t now_ms)
{
	struct dnsup *u = idx < nups ? &ups[idx] : NULL;
	int err;

	if (!u)
		return -ENOENT;
	if (u->fd < 0) {
		if (u->tried_ms && now_ms - u->tried_ms < RETRY_MS)
			return -EAGAIN;
		err = try_open(u, now_ms);
		if (err)
			return err;
		log_info("DNS upstream %u can be reached again", idx + 1);
	}
	return send(u->fd, msg, len, MSG_DONTWAIT) == (ssize_t)len ? 0 : -errno;
}

/**
 * dnsup_get() - Resolver @idx
 * @idx: 0..dnsup_count() - 1
 *
 * Return: the resolver, or NULL
 */
struct dnsup *dnsup_get(unsigned int idx)
{
	return idx < nups ? &ups[idx] : NULL;
}

/**
 * dnsup_index() - Which resolver a socket handler belongs to
 * @h: the handler the loop called
 *
 * Return: its index, or -1
 */
int dnsup_index(const struct loop_handler *h)
{
	const struct dnsup *u = (const struct dnsup *)h;

	return u >= ups && u < ups + nups ? (int)(u - ups) : -1;
}

/**
 * dnsup_fini() - Close every resolver socket
 */
void dnsup_fini(void)
{
	close_all();
}
