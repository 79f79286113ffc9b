// SPDX-License-Identifier: MIT
/*
 * hostroute.c - does the host route a family anywhere (hostroute.h)?
 *
 * connect() on a UDP socket looks the destination up in the routing table
 * and sends nothing: ENETUNREACH says there is no route. The address asked
 * for is a public one (a documentation-free, well-known resolver address):
 * what the question is about is a route to the Internet, not to the link.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/hostroute.h"

#define KEEP_MS 5000

struct answer {
	uint64_t until;
	bool yes;
};

static bool ask(int family)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct sockaddr *sa = (struct sockaddr *)&s4;
	socklen_t len = sizeof(s4);
	int fd, r;

	if (family == 6) {
		inet_pton(AF_INET6, "2001:4860:4860::8888", &s6.sin6_addr);
		sa = (struct sockaddr *)&s6;
		len = sizeof(s6);
	} else {
		inet_pton(AF_INET, "8.8.8.8", &s4.sin_addr);
	}
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false; /* no such family on this host at all */
	r = connect(fd, sa, len);
	close(fd);
	return r == 0;
}

/**
 * hostroute_reaches() - Whether the host has a route to the Internet
 * @family: 4 or 6
 * @now_ms: the loop's clock; an answer is kept KEEP_MS
 *
 * Return: true when a public address of @family has a route
 */
bool hostroute_reaches(int family, uint64_t now_ms)
{
	static struct answer cache[2];
	struct answer *a = &cache[family == 6];

	if (now_ms >= a->until || !a->until) {
		a->yes = ask(family);
		a->until = now_ms + KEEP_MS;
	}
	return a->yes;
}
