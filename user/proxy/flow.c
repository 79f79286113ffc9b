// SPDX-License-Identifier: MIT
/*
 * flow.c - flow keys, the flow hash table and the object pool (flow.h).
 *
 * A table is an array of bucket chains through entries embedded in their
 * owners (a connection, a UDP flow): finding, adding and removing a flow
 * touches only the entries of one chain, and the table never allocates
 * after flow_table_init(). The bucket count is a power of two at least
 * twice the flows the owner will ever hold, and the hash is seeded at
 * random so that a guest choosing its ports cannot line its flows up in
 * one chain. Everything here runs on the event-loop thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lwip/tcp.h"

#include "proxy/flow.h"
#include "wire/slot.h"

_Static_assert(sizeof(struct flow_key) == 40, "flow_key has no implicit padding");

#define TABLE_MAX (1u << 22) /* buckets */

/**
 * tg_addr_set() - Fill an address from 4 or 16 bytes
 * @a:      the address
 * @family: 4 or 6
 * @bytes:  4 (IPv4) or 16 bytes, network order
 */
void tg_addr_set(struct tg_addr *a, int family, const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->a, bytes, family == 4 ? 4 : 16);
}

/* Whether two addresses (family included) are the same. */
bool tg_addr_eq(const struct tg_addr *a, const struct tg_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/**
 * flow_key_from_slot() - The key of a staged TCP, UDP or ICMP frame
 * @k: set to the key (for ICMP the ports are 0: the caller adds the id)
 * @s: staged frame
 */
void flow_key_from_slot(struct flow_key *k, const struct slot *s)
{
	memset(k, 0, sizeof(*k));
	tg_addr_set(&k->src, s->family, s->src);
	tg_addr_set(&k->dst, s->family, s->dst);
	k->proto = s->proto;
	if (s->kind == SLOT_TCP || s->kind == SLOT_UDP) {
		k->sport = s->sport;
		k->dport = s->dport;
	}
}

static void addr_from_lwip(struct tg_addr *a, const ip_addr_t *ip)
{
	if (IP_IS_V6(ip))
		tg_addr_set(a, 6, (const uint8_t *)ip_2_ip6(ip)->addr);
	else
		tg_addr_set(a, 4, (const uint8_t *)&ip_2_ip4(ip)->addr);
}

/**
 * flow_key_from_pcb() - The key of the guest connection an lwIP pcb holds
 * @k:   set to the key: the pcb's remote end is the guest
 * @pcb: an accepted (or connecting) TCP pcb of either family
 */
void flow_key_from_pcb(struct flow_key *k, const struct tcp_pcb *pcb)
{
	memset(k, 0, sizeof(*k));
	addr_from_lwip(&k->src, &pcb->remote_ip);
	addr_from_lwip(&k->dst, &pcb->local_ip);
	k->proto = IP_PROTO_TCP;
	k->sport = pcb->remote_port;
	k->dport = pcb->local_port;
}

/**
 * flow_hash() - Hash of a key, a word at a time
 * @k:    key (built by the functions above, or zeroed before filling)
 * @seed: the table's seed
 *
 * Return: 32 bits of hash
 */
uint32_t flow_hash(const struct flow_key *k, uint32_t seed)
{
	uint32_t w[sizeof(*k) / 4], h = seed ^ 0x811c9dc5u;

	memcpy(w, k, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h = (h ^ w[i]) * 0x9e3779b1u;
		h ^= h >> 15;
	}
	return h;
}

/**
 * flow_table_init() - Allocate the buckets for up to @max flows
 * @t:   zeroed table
 * @max: the most flows it will hold at once
 *
 * Return: 0 or -ENOMEM
 */
int flow_table_init(struct flow_table *t, unsigned int max)
{
	uint32_t n = 64;

	while (n < 2ull * max && n < TABLE_MAX)
		n <<= 1;
	t->bucket = calloc(n, sizeof(*t->bucket));
	if (!t->bucket)
		return -ENOMEM;
	t->mask = n - 1;
	t->n = 0;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint32_t)(uintptr_t)t->bucket; /* some variety, at least */
	return 0;
}

/* Free the buckets; the entries are their owners'. */
void flow_table_fini(struct flow_table *t)
{
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

static struct flow_entry **chain(const struct flow_table *t, const struct flow_key *k)
{
	return &t->bucket[flow_hash(k, t->seed) & t->mask];
}

/**
 * flow_find() - The entry with key @k
 * @t: table
 * @k: key
 *
 * Return: the entry, or NULL
 */
struct flow_entry *flow_find(const struct flow_table *t, const struct flow_key *k)
{
	struct flow_entry *e = *chain(t, k);

	while (e && memcmp(&e->key, k, sizeof(*k)))
		e = e->hnext;
	return e;
}

/**
 * flow_insert() - Add an entry whose key is set
 * @t: table
 * @e: entry, not in any table
 *
 * Return: 0, or -EEXIST when the key is there already (nothing added)
 */
int flow_insert(struct flow_table *t, struct flow_entry *e)
{
	struct flow_entry **pp = chain(t, &e->key);

	if (flow_find(t, &e->key))
		return -EEXIST;
	e->hnext = *pp;
	*pp = e;
	t->n++;
	return 0;
}

/**
 * flow_remove() - Take an entry out of its table
 * @t: table
 * @e: entry; nothing happens when it is not in @t
 */
void flow_remove(struct flow_table *t, struct flow_entry *e)
{
	struct flow_entry **pp = chain(t, &e->key);

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (!*pp)
		return;
	*pp = e->hnext;
	e->hnext = NULL;
	t->n--;
}

/**
 * flow_pool_init() - Reserve @cap objects of @size bytes
 * @p:    zeroed pool
 * @size: object size
 * @cap:  most objects in use at once
 *
 * Return: 0 or -ENOMEM
 */
int flow_pool_init(struct flow_pool *p, size_t size, unsigned int cap)
{
	size = (size + 15) & ~(size_t)15;
	p->mem = calloc(cap ? cap : 1, size);
	if (!p->mem)
		return -ENOMEM;
	p->size = size;
	p->cap = cap;
	p->fresh = 0;
	p->free = NULL;
	p->used = 0;
	return 0;
}

/* Free the pool's block: every object in it is gone. */
void flow_pool_fini(struct flow_pool *p)
{
	free(p->mem);
	memset(p, 0, sizeof(*p));
}

/**
 * flow_pool_get() - A zeroed object
 * @p: pool
 *
 * Return: the object, or NULL when all @cap are in use
 */
void *flow_pool_get(struct flow_pool *p)
{
	void *obj = p->free;

	if (obj) {
		memcpy(&p->free, obj, sizeof(void *));
	} else {
		if (p->fresh == p->cap)
			return NULL;
		obj = p->mem + (size_t)p->fresh++ * p->size;
	}
	memset(obj, 0, p->size);
	p->used++;
	return obj;
}

/**
 * flow_pool_put() - Give an object back
 * @p:   pool
 * @obj: from flow_pool_get() of @p
 */
void flow_pool_put(struct flow_pool *p, void *obj)
{
	memcpy(obj, &p->free, sizeof(void *));
	p->free = obj;
	p->used--;
}
