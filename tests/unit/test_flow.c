// SPDX-License-Identifier: MIT
/*
 * test_flow.c - the flow key, table and pool (user/proxy/flow.c): keys from
 * staged frames and from lwIP pcbs of both families agree byte for byte,
 * the table finds what it holds (also when every flow shares one chain),
 * refuses duplicates and forgets what was removed, and the pool hands out
 * at most its capacity, zeroed, reusing what came back.
 */
#include <errno.h>
#include <stdlib.h>

#include "lwip/tcp.h"

#include "check.h"
#include "lib/frames.h"
#include "wire.h"
#include "control/config.h"
#include "proxy/flow.h"
#include "wire/slot.h"

static struct config cfg;
static uint8_t guest4[16], pub4[16], guest6[16], pub6[16];

static int stage(struct slot *s, uint8_t *b, size_t len)
{
	return slot_stage(s, &cfg, b, len);
}

static size_t tcp4(uint8_t *b, uint16_t sport, uint16_t dport)
{
	uint8_t l4[64];
	size_t n = tb_tcp(l4, sport, dport, 1000, 0, TG_TCP_SYN, NULL, 0);

	return tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_TCP, l4, n);
}

static void addr_v4_zero_filled(void)
{
	struct tg_addr a, b;
	uint8_t bytes[16];

	memset(&a, 0xaa, sizeof(a));
	memset(bytes, 0x55, sizeof(bytes));
	bytes[0] = 10;
	tg_addr_set(&a, 4, bytes);
	CHECK_EQ(a.family, 4);
	CHECK_EQ(a.a[0], 10);
	for (int i = 4; i < 16; i++)
		CHECK_EQ(a.a[i], 0);
	tg_addr_set(&b, 4, bytes);
	CHECK(tg_addr_eq(&a, &b));
	tg_addr_set(&b, 6, bytes);
	CHECK(!tg_addr_eq(&a, &b));
}

static void key_from_tcp4_slot(void)
{
	uint8_t b[128];
	struct flow_key k;
	struct slot s;

	CHECK_EQ(stage(&s, b, tcp4(b, 40000, 443)), SLOT_OK);
	flow_key_from_slot(&k, &s);
	CHECK_EQ(k.src.family, 4);
	CHECK_MEM(k.src.a, guest4, 16);
	CHECK_MEM(k.dst.a, pub4, 16);
	CHECK_EQ(k.proto, TG_IPPROTO_TCP);
	CHECK_EQ(k.sport, 40000);
	CHECK_EQ(k.dport, 443);
	CHECK_EQ(k.pad, 0);
}

static void key_from_udp_and_icmp_slots(void)
{
	uint8_t b[128], l4[64];
	struct flow_key k;
	struct slot s;
	size_t n;

	n = tb_udp(l4, 5000, 53, 4);
	memset(l4 + n, 'q', 4);
	n = tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_UDP, l4, n + 4);
	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	flow_key_from_slot(&k, &s);
	CHECK_EQ(k.proto, TG_IPPROTO_UDP);
	CHECK_EQ(k.sport, 5000);
	CHECK_EQ(k.dport, 53);

	n = tb_echo(l4, 8, 0x1234, 7);
	n = tb_frame4(b, cfg.guest_mac, cfg.gw_mac, guest4, pub4, TG_IPPROTO_ICMP, l4, n);
	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	flow_key_from_slot(&k, &s);
	CHECK_EQ(k.proto, TG_IPPROTO_ICMP);
	CHECK_EQ(k.sport, 0); /* the relay puts the identifier there itself */
	CHECK_EQ(k.dport, 0);
	CHECK_MEM(k.dst.a, pub4, 16);
}

static void key_from_tcp6_slot(void)
{
	uint8_t b[128], l4[64];
	struct flow_key k;
	struct slot s;
	size_t n = tb_tcp(l4, 40001, 80, 1, 0, TG_TCP_SYN, NULL, 0);

	n = tb_frame6(b, cfg.guest_mac, cfg.gw_mac, guest6, pub6, TG_IPPROTO_TCP, l4, n);
	CHECK_EQ(stage(&s, b, n), SLOT_OK);
	flow_key_from_slot(&k, &s);
	CHECK_EQ(k.src.family, 6);
	CHECK_EQ(k.dst.family, 6);
	CHECK_MEM(k.src.a, guest6, 16);
	CHECK_MEM(k.dst.a, pub6, 16);
	CHECK_EQ(k.sport, 40001);
	CHECK_EQ(k.dport, 80);
}

/* What lwIP's accept hands pxtcp.c must find what pxtcp_syn() stored. */
static void key_from_pcb4_matches_slot(void)
{
	struct tcp_pcb pcb;
	struct flow_key ks, kp;
	uint8_t b[128];
	struct slot s;

	CHECK_EQ(stage(&s, b, tcp4(b, 40000, 443)), SLOT_OK);
	flow_key_from_slot(&ks, &s);
	memset(&pcb, 0, sizeof(pcb));
	IP_SET_TYPE_VAL(pcb.remote_ip, IPADDR_TYPE_V4);
	IP_SET_TYPE_VAL(pcb.local_ip, IPADDR_TYPE_V4);
	memcpy(&ip_2_ip4(&pcb.remote_ip)->addr, guest4, 4);
	memcpy(&ip_2_ip4(&pcb.local_ip)->addr, pub4, 4);
	pcb.remote_port = 40000;
	pcb.local_port = 443;
	flow_key_from_pcb(&kp, &pcb);
	CHECK_MEM(&kp, &ks, sizeof(ks));
}

static void key_from_pcb6(void)
{
	struct tcp_pcb pcb;
	struct flow_key k;

	memset(&pcb, 0, sizeof(pcb));
	IP_SET_TYPE_VAL(pcb.remote_ip, IPADDR_TYPE_V6);
	IP_SET_TYPE_VAL(pcb.local_ip, IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(&pcb.remote_ip)->addr, guest6, 16);
	memcpy(ip_2_ip6(&pcb.local_ip)->addr, pub6, 16);
	pcb.remote_port = 1234;
	pcb.local_port = 80;
	flow_key_from_pcb(&k, &pcb);
	CHECK_EQ(k.src.family, 6);
	CHECK_EQ(k.dst.family, 6);
	CHECK_MEM(k.src.a, guest6, 16);
	CHECK_MEM(k.dst.a, pub6, 16);
	CHECK_EQ(k.proto, TG_IPPROTO_TCP);
	CHECK_EQ(k.sport, 1234);
	CHECK_EQ(k.dport, 80);
}

static void hash_depends_on_key_and_seed(void)
{
	struct flow_key a = { .proto = 6, .sport = 1, .dport = 2 }, b = a;

	CHECK_EQ(flow_hash(&a, 7), flow_hash(&b, 7));
	b.sport = 3;
	CHECK(flow_hash(&a, 7) != flow_hash(&b, 7));
	CHECK(flow_hash(&a, 7) != flow_hash(&a, 8));
}

struct item {
	int value;
	struct flow_entry fe;
};

static void key_n(struct flow_key *k, unsigned int i)
{
	memset(k, 0, sizeof(*k));
	tg_addr_set(&k->src, 4, guest4);
	tg_addr_set(&k->dst, 4, pub4);
	k->proto = 17;
	k->sport = (uint16_t)(1024 + i);
	k->dport = (uint16_t)(i >> 16);
}

/* Insert, find, refuse a duplicate, remove; many flows in 64 buckets. */
static void table_insert_find_remove(void)
{
	enum { N = 3000 };
	struct item *items = calloc(N, sizeof(*items));
	struct flow_table t = { 0 };
	struct item dup;
	struct flow_key k;

	CHECK_EQ(flow_table_init(&t, 1), 0);
	CHECK_EQ(t.mask, 63);
	for (unsigned int i = 0; i < N; i++) {
		items[i].value = (int)i;
		key_n(&items[i].fe.key, i);
		CHECK_EQ(flow_insert(&t, &items[i].fe), 0);
	}
	CHECK_EQ(t.n, N);
	key_n(&dup.fe.key, 17);
	CHECK_EQ(flow_insert(&t, &dup.fe), -EEXIST);
	CHECK_EQ(t.n, N);
	for (unsigned int i = 0; i < N; i++) {
		struct flow_entry *e;

		key_n(&k, i);
		e = flow_find(&t, &k);
		CHECK(e == &items[i].fe);
		if (e)
			CHECK_EQ(flow_container_of(e, struct item, fe)->value, (int)i);
	}
	for (unsigned int i = 0; i < N; i += 2)
		flow_remove(&t, &items[i].fe);
	flow_remove(&t, &items[0].fe); /* not in the table any more: no-op */
	CHECK_EQ(t.n, N / 2);
	for (unsigned int i = 0; i < N; i++) {
		key_n(&k, i);
		CHECK((flow_find(&t, &k) != NULL) == (i % 2 == 1));
	}
	key_n(&k, N + 1);
	CHECK(flow_find(&t, &k) == NULL);
	flow_table_fini(&t);
	free(items);
}

static void table_sized_from_max(void)
{
	struct flow_table t = { 0 };

	CHECK_EQ(flow_table_init(&t, 4096), 0);
	CHECK_EQ(t.mask + 1, 8192);
	flow_table_fini(&t);
	CHECK(t.bucket == NULL);
}

static void pool_bounded_zeroed_reused(void)
{
	struct flow_pool p = { 0 };
	uint8_t *a, *b, *c;

	CHECK_EQ(flow_pool_init(&p, 40, 3), 0);
	a = flow_pool_get(&p);
	b = flow_pool_get(&p);
	c = flow_pool_get(&p);
	CHECK(a && b && c && a != b && b != c);
	CHECK(flow_pool_get(&p) == NULL);
	CHECK_EQ(p.used, 3);
	if (!a || !b || !c)
		return;
	CHECK_EQ((size_t)(b - a) % 16, 0);
	memset(b, 0xee, 40);
	flow_pool_put(&p, b);
	CHECK_EQ(p.used, 2);
	CHECK(flow_pool_get(&p) == b);
	for (int i = 0; i < 40; i++)
		CHECK_EQ(b[i], 0);
	CHECK(flow_pool_get(&p) == NULL);
	flow_pool_fini(&p);
}

int main(void)
{
	config_defaults(&cfg);
	memcpy(guest4, &cfg.guest_ip4, 4);
	tb_ip4(pub4, 8, 8, 8, 8);
	memcpy(guest6, cfg.guest_ip6, 16);
	tb_addr(pub6, "2001:db8::1");

	RUN(addr_v4_zero_filled);
	RUN(key_from_tcp4_slot);
	RUN(key_from_udp_and_icmp_slots);
	RUN(key_from_tcp6_slot);
	RUN(key_from_pcb4_matches_slot);
	RUN(key_from_pcb6);
	RUN(hash_depends_on_key_and_seed);
	RUN(table_insert_find_remove);
	RUN(table_sized_from_max);
	RUN(pool_bounded_zeroed_reused);
	return check_summary();
}
