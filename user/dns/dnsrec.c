// SPDX-License-Identifier: MIT
/*
 * dnsrec.c - a bounded table of the address records the guest was given.
 *
 * A ring of fixed entries: a new record overwrites the oldest once the ring
 * is full, an existing (name, address) pair is refreshed in place. Lookups
 * are by address (what a later connection knows) and skip expired entries.
 * A linear scan is fine at this size for the rare lookups of the policy
 * issue; the insert path is what runs per DNS answer and it is O(n) only in
 * the refresh check, which a hash replaces when tables grow.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsrec.h"

struct rec {
	char name[DNS_NAME_MAX + 1];
	uint8_t family;
	uint8_t addr[16];
	uint64_t expires;
};

static struct rec *ring;
static unsigned int cap, next, used;

int dnsrec_init(unsigned int n)
{
	ring = calloc(n, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	cap = n;
	next = used = 0;
	return 0;
}

void dnsrec_fini(void)
{
	free(ring);
	ring = NULL;
	cap = next = used = 0;
}

static size_t alen(int family)
{
	return family == 4 ? 4 : 16;
}

void dnsrec_add(const struct dns_addr_rr *rr, uint64_t now_ms)
{
	uint64_t exp = now_ms + (uint64_t)rr->ttl * 1000;
	struct rec *r;

	if (!ring)
		return;
	for (unsigned int i = 0; i < used; i++) {
		r = &ring[i];
		if (r->family == rr->family && !memcmp(r->addr, rr->addr, alen(rr->family)) &&
		    !strcmp(r->name, rr->name)) {
			r->expires = exp;
			return;
		}
	}
	r = &ring[next];
	next = (next + 1) % cap;
	if (used < cap)
		used++;
	memcpy(r->name, rr->name, sizeof(r->name));
	r->family = rr->family;
	memcpy(r->addr, rr->addr, 16);
	r->expires = exp;
}

/* The newest live name the guest got for @addr, or NULL. */
const char *dnsrec_lookup(int family, const uint8_t *addr, uint64_t now_ms)
{
	for (unsigned int k = 0; k < used; k++) {
		struct rec *r = &ring[(next + cap - 1 - k) % cap];

		if (r->family == family && r->expires > now_ms &&
		    !memcmp(r->addr, addr, alen(family)))
			return r->name;
	}
	return NULL;
}

/**
 * dnsrec_pinned() - Whether the guest got @addr in an answer for @name
 * @family: 4 or 6
 * @addr:   the address
 * @name:   a domain, lower case, no trailing dot
 * @suffix: also any name under @name
 * @now_ms: the loop's clock
 *
 * What a domain rule of the policy matches: only addresses DNS gave this
 * sandbox for that name, while the record lives.
 */
bool dnsrec_pinned(int family, const uint8_t *addr, const char *name, bool suffix, uint64_t now_ms)
{
	size_t n = strlen(name);

	for (unsigned int i = 0; i < used; i++) {
		const struct rec *r = &ring[i];
		size_t rn;

		if (r->family != family || r->expires <= now_ms ||
		    memcmp(r->addr, addr, alen(family)))
			continue;
		rn = strlen(r->name);
		if (rn == n && !strcmp(r->name, name))
			return true;
		if (suffix && rn > n && r->name[rn - n - 1] == '.' &&
		    !strcmp(r->name + rn - n, name))
			return true;
	}
	return false;
}

unsigned int dnsrec_count(void)
{
	return used;
}
