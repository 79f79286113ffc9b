/* SPDX-License-Identifier: MIT */
/*
 * hostaddr.h - the addresses the host owns, followed live: a NETLINK_ROUTE
 * socket takes one address dump at start and then every RTM_NEWADDR and
 * RTM_DELADDR, read from the event loop. The destination groups
 * (group.c) make them "host"; the poller rebuilds the groups when
 * hostaddr_read() says the set changed.
 */
#ifndef TAPGATE_HOSTADDR_H
#define TAPGATE_HOSTADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hostaddr_entry {
	uint8_t family;	   /* 4 or 6 */
	uint8_t prefixlen; /* of the address on its device */
	uint8_t pad[2];
	uint32_t ifindex;
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint32_t gen;	  /* the dump that saw it last (or an event since) */
};

/*
 * After hostaddr_open(), hostaddr_read() and hostaddr_parse(), a[0..n) is
 * the set: sorted by (family, addr, ifindex, prefixlen), each once, so an
 * address on several devices comes in a row. Fields other than fd, a and n
 * are the parser's (the fuzz target and the tests set them).
 */
struct hostaddr {
	int fd; /* NETLINK_ROUTE, non-blocking; -1 when not open */
	struct hostaddr_entry *a;
	size_t n, cap;
	size_t settled;	   /* a[0..settled) sorted; the rest came since */
	uint32_t portid;   /* our netlink port: a dump's replies carry it */
	uint32_t seq;	   /* of the dump asked for last */
	uint32_t gen;	   /* of the dump under way or done last */
	bool dumping;	   /* a dump is under way */
	bool redump;	   /* events were lost (ENOBUFS) or a dump was cut: dump again */
	bool changed;	   /* since the caller last asked */
	uint64_t overruns; /* ENOBUFS seen */
	uint8_t *buf;	   /* receive buffer */
};

void hostaddr_init(struct hostaddr *h);
int hostaddr_open(struct hostaddr *h);
int hostaddr_read(struct hostaddr *h);
int hostaddr_parse(struct hostaddr *h, const void *buf, size_t len);
void hostaddr_close(struct hostaddr *h);
int hostaddr_cmp(const struct hostaddr_entry *a, const struct hostaddr_entry *b);

#endif
