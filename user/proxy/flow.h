/* SPDX-License-Identifier: MIT */
/*
 * flow.h - the daemon's one flow key and one address type for IPv4 and
 * IPv6, with the hash table and the object pool every flow table is built
 * from (TCP connections and listeners, UDP flows; ICMP echoes and pending
 * DNS queries keep the key). Tables and pools are sized once at start from
 * the configuration; adding a flow allocates nothing.
 */
#ifndef TAPGATE_FLOW_H
#define TAPGATE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct slot;
struct tcp_pcb;

/* An address of either family: IPv4 in the first 4 bytes, the rest zero,
 * so that keys compare and hash as plain bytes. */
struct tg_addr {
	uint8_t family; /* 4 or 6; 0 for none */
	uint8_t a[16];	/* network order */
};

/* A guest flow as the guest sees it: src is the guest, dst where it sent.
 * For ICMP echo, sport is the echo identifier. No implicit padding. */
struct flow_key {
	struct tg_addr src, dst;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t pad;
	uint16_t sport, dport; /* host order */
};

/* Embedded in the owner's struct; container_of() finds the owner. */
struct flow_entry {
	struct flow_key key;
	struct flow_entry *hnext;
};

struct flow_table {
	struct flow_entry **bucket;
	uint32_t mask;
	uint32_t seed; /* random: the guest picks ports, not our chains */
	unsigned int n;
};

/* Fixed-size objects carved from one block allocated at start. Objects
 * never used are never touched, so an idle daemon's pool costs no memory. */
struct flow_pool {
	uint8_t *mem;
	size_t size;
	unsigned int cap, fresh; /* objects; the first never handed out */
	void *free;		 /* objects given back, linked through their start */
	unsigned int used;
};

#define flow_container_of(ptr, type, member)                                                       \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

void tg_addr_set(struct tg_addr *a, int family, const uint8_t *bytes);
bool tg_addr_eq(const struct tg_addr *a, const struct tg_addr *b);
void flow_key_from_slot(struct flow_key *k, const struct slot *s);
void flow_key_from_pcb(struct flow_key *k, const struct tcp_pcb *pcb);
uint32_t flow_hash(const struct flow_key *k, uint32_t seed);

int flow_table_init(struct flow_table *t, unsigned int max);
void flow_table_fini(struct flow_table *t);
struct flow_entry *flow_find(const struct flow_table *t, const struct flow_key *k);
int flow_insert(struct flow_table *t, struct flow_entry *e);
void flow_remove(struct flow_table *t, struct flow_entry *e);

int flow_pool_init(struct flow_pool *p, size_t size, unsigned int cap);
void flow_pool_fini(struct flow_pool *p);
void *flow_pool_get(struct flow_pool *p);
void flow_pool_put(struct flow_pool *p, void *obj);

#endif
