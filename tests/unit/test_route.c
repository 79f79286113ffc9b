// SPDX-License-Identifier: MIT
/*
 * test_route.c - route_decide() and route_handler() (user/control/route.c):
 * one row per flow (protocol, destination, port, --allow) with the verdict,
 * the handler and the host-side target it must get. DNS is the
 * interceptor's whatever the address; the gateway is the host's loopback
 * and needs "host" (its IPv6 address is the host's ::1); the local-only
 * UDP ports need --allow-udp-local.
 */
#include <netinet/in.h>

#include "check.h"
#include "lib/frames.h"
#include "wire.h"
#include "control/config.h"
#include "control/group.h"
#include "control/route.h"
#include "policy/polload.h"
#include "policy/polset.h"
#include "steer.h"
#include "wire/slot.h"

static struct config cfg;
static struct group_table groups;

struct rcase {
	const char *name;
	uint8_t proto;
	const char *dst;
	uint16_t dport;
	uint32_t allow; /* extra --allow groups (bits), public always */
	bool udp_local;
	int verdict;
	enum route_handler handler;
	const char *target; /* NULL: the destination itself */
};

#define H(g) (1u << (g))

static const struct rcase cases[] = {
	{ "tcp public", IPPROTO_TCP, "8.8.8.8", 443, 0, false, SLOT_OK, ROUTE_TCP_SPLICE, NULL },
	{ "tcp private denied", IPPROTO_TCP, "172.31.254.253", 80, 0, false, SLOT_DROP_POLICY,
	  ROUTE_TCP_SPLICE, NULL },
	{ "tcp metadata denied", IPPROTO_TCP, "169.254.169.254", 80, H(TG_G_PRIVATE), false,
	  SLOT_DROP_POLICY, ROUTE_TCP_SPLICE, NULL },
	{ "tcp gateway without host", IPPROTO_TCP, "100.96.0.1", 8080, 0, false, SLOT_DROP_POLICY,
	  ROUTE_TCP_SPLICE, "127.0.0.1" },
	{ "tcp gateway is loopback", IPPROTO_TCP, "100.96.0.1", 8080, H(TG_G_HOST), false, SLOT_OK,
	  ROUTE_TCP_SPLICE, "127.0.0.1" },
	{ "tcp dns to a denied resolver", IPPROTO_TCP, "172.31.254.253", 53, 0, false,
	  SLOT_DROP_POLICY, ROUTE_DNS, NULL },
	{ "tcp dns to an allowed resolver", IPPROTO_TCP, "172.31.254.253", 53, H(TG_G_PRIVATE),
	  false, SLOT_OK, ROUTE_DNS, NULL },
	{ "tcp dns to a public resolver", IPPROTO_TCP, "9.9.9.9", 53, 0, false, SLOT_OK, ROUTE_DNS,
	  NULL },
	{ "tcp dns gateway", IPPROTO_TCP, "100.96.0.1", 53, 0, false, SLOT_OK, ROUTE_DNS, NULL },
	{ "udp public", IPPROTO_UDP, "8.8.8.8", 5000, 0, false, SLOT_OK, ROUTE_UDP_RELAY, NULL },
	{ "udp dns to a denied resolver", IPPROTO_UDP, "169.254.169.254", 53, 0, false,
	  SLOT_DROP_POLICY, ROUTE_DNS, NULL },
	{ "udp dns to a public resolver", IPPROTO_UDP, "8.8.4.4", 53, 0, false, SLOT_OK, ROUTE_DNS,
	  NULL },
	{ "udp gateway is loopback", IPPROTO_UDP, "100.96.0.1", 7, H(TG_G_HOST), false, SLOT_OK,
	  ROUTE_UDP_RELAY, "127.0.0.1" },
	{ "udp local port", IPPROTO_UDP, "8.8.8.8", 5353, 0, false, SLOT_DROP_POLICY,
	  ROUTE_UDP_RELAY, NULL },
	{ "udp local port allowed", IPPROTO_UDP, "8.8.8.8", 853, 0, true, SLOT_OK, ROUTE_UDP_RELAY,
	  NULL },
	{ "udp private denied", IPPROTO_UDP, "192.168.77.77", 5000, 0, false, SLOT_DROP_POLICY,
	  ROUTE_UDP_RELAY, NULL },
	{ "icmp gateway answered", IPPROTO_ICMP, "100.96.0.1", 0, 0, false, SLOT_OK, ROUTE_GATEWAY,
	  NULL },
	{ "icmp public", IPPROTO_ICMP, "1.1.1.1", 0, 0, false, SLOT_OK, ROUTE_ICMP_RELAY, NULL },
	{ "icmp private denied", IPPROTO_ICMP, "10.250.0.1", 0, 0, false, SLOT_DROP_POLICY,
	  ROUTE_ICMP_RELAY, NULL },
	{ "icmp private allowed", IPPROTO_ICMP, "10.250.0.1", 0, H(TG_G_PRIVATE), false, SLOT_OK,
	  ROUTE_ICMP_RELAY, NULL },
	{ "tcp6 public", IPPROTO_TCP, "2606:4700::1111", 443, 0, false, SLOT_OK, ROUTE_TCP_SPLICE,
	  NULL },
	{ "tcp6 private denied", IPPROTO_TCP, "fd00::5", 443, 0, false, SLOT_DROP_POLICY,
	  ROUTE_TCP_SPLICE, NULL },
	{ "tcp6 gateway is loopback", IPPROTO_TCP, "fd42:6d73:62::1", 8080, H(TG_G_HOST), false,
	  SLOT_OK, ROUTE_TCP_SPLICE, "::1" },
	{ "udp6 dns gateway", IPPROTO_UDP, "fd42:6d73:62::1", 53, 0, false, SLOT_OK, ROUTE_DNS,
	  NULL },
	{ "udp6 metadata denied", IPPROTO_UDP, "fd00:ec2::254", 5000, H(TG_G_PRIVATE), false,
	  SLOT_DROP_POLICY, ROUTE_UDP_RELAY, NULL },
	{ "udp6 public", IPPROTO_UDP, "2606:4700::1111", 5000, 0, false, SLOT_OK, ROUTE_UDP_RELAY,
	  NULL },
	{ "other protocol", 47, "8.8.8.8", 0, 0, false, SLOT_DROP_UNHANDLED, ROUTE_NONE, NULL },
};

static void key_for(struct flow_key *k, const struct rcase *c)
{
	uint8_t a[16];
	int family = strchr(c->dst, ':') ? 6 : 4;

	memset(k, 0, sizeof(*k));
	tb_addr(a, c->dst);
	tg_addr_set(&k->dst, family, a);
	if (family == 4)
		tg_addr_set(&k->src, 4, (const uint8_t *)&cfg.guest_ip4);
	else
		tg_addr_set(&k->src, 6, cfg.guest_ip6);
	k->proto = c->proto;
	k->sport = 40000;
	k->dport = c->dport;
}

static void run_cases(void)
{
	uint32_t allow = cfg.allow;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		char err[256];
		struct router r;
		struct route out;
		struct flow_key k;
		struct tg_addr want;
		uint8_t a[16];
		int v;

		case_begin(c->name);
		cfg.allow = allow | c->allow;
		cfg.udp_local_ports = c->udp_local;
		CHECK_EQ(polload_install(&cfg, NULL, &groups, err, sizeof(err)), 0);
		route_init(&r, &cfg, &groups);
		key_for(&k, c);
		v = route_decide(&r, &k, &out);
		CHECK_EQ(v, c->verdict);
		CHECK_EQ(out.handler, c->handler);
		CHECK_EQ(route_handler(&r, &k), c->handler);
		if (c->handler != ROUTE_NONE) {
			want = k.dst;
			if (c->target) {
				tb_addr(a, c->target);
				tg_addr_set(&want, strchr(c->target, ':') ? 6 : 4, a);
			}
			CHECK_MEM(&out.target, &want, sizeof(want));
			CHECK_EQ(out.port, c->dport);
		}
		case_end();
	}
	cfg.allow = allow;
	cfg.udp_local_ports = false;
}

/* The host's loopback of the other family, for the gateway's TCP only. */
static void alt_target(void)
{
	struct route rt = { .handler = ROUTE_TCP_SPLICE, .group = TG_G_GATEWAY };
	struct tg_addr a, want;
	uint8_t b[16];

	case_begin("alt target");
	tb_addr(b, "127.0.0.1");
	tg_addr_set(&rt.target, 4, b);
	CHECK(route_alt_target(&rt, &a));
	tb_addr(b, "::1");
	tg_addr_set(&want, 6, b);
	CHECK_MEM(&a, &want, sizeof(a));
	rt.target = want;
	CHECK(route_alt_target(&rt, &a));
	CHECK_EQ(a.family, 4);
	rt.handler = ROUTE_UDP_RELAY;
	CHECK(!route_alt_target(&rt, &a));
	rt.handler = ROUTE_TCP_SPLICE;
	rt.group = TG_G_PUBLIC;
	CHECK(!route_alt_target(&rt, &a));
	case_end();
}

int main(void)
{
	config_defaults(&cfg);
	if (group_build(&groups, &cfg, NULL)) {
		printf("FAIL group_build\n");
		return 1;
	}
	polset_init(NULL);
	run_cases();
	alt_target();
	polset_free();
	group_free(&groups);
	return check_summary();
}
