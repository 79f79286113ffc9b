// SPDX-License-Identifier: MIT
/*
 * test_policy.c - the XDP program and user space agree on the policy.
 *
 * Real parts: the real BPF object loaded into the kernel, the real
 * compiler (polcompile.c through polset.c) filling its maps, the real
 * groups (group_build(), with this host's own addresses). Each policy
 * below is put in force, then every destination x protocol x port of a
 * matrix is sent to the program (bpf_prog_test_run_opts, a non-SYN TCP
 * segment, a UDP datagram, an echo request) and asked of user space
 * (polset_check()). Without domain rules they must agree exactly: the
 * program drops (DROP_POLICY) what user space denies and lets through
 * (to a socket that is not bound: DROP_NOSOCK) what it allows. With
 * domain rules the program may leave more to user space, never drop what
 * user space allows. The reload swaps generations: only one stays in the
 * maps, and the program's hit counters name the rule that dropped.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit/check.h"
#include "control/config.h"
#include "control/group.h"
#include "control/log.h"
#include "lib/frames.h"
#include "policy/polset.h"
#include "steer.skel.h"

static const uint8_t GUEST_MAC[6] = { 0x02, 0x6d, 0x73, 0, 0, 2 };
static const uint8_t GW_MAC[6] = { 0x02, 0x6d, 0x73, 0, 0, 1 };

static struct steer_bpf *skel;
static struct config cfg;
static struct group_table groups;
static uint64_t *hits;
static int ncpus;

static const char *const dests[] = {
	"8.8.8.8",	 "1.1.1.1",	    "10.1.2.3",	       "10.200.0.1",  "192.168.5.5",
	"172.16.0.1",	 "127.0.0.1",	    "169.254.169.254", "169.254.1.1", "100.64.3.3",
	"100.96.0.1",	 "93.184.216.34",   "203.0.113.9",     "0.0.0.0",     "224.0.0.251",
	"168.63.129.16", "100.100.100.200", "198.51.100.1",
};
static const uint16_t ports[] = { 22, 53, 80, 443, 5000, 8080, 8099, 8100, 65535 };

static uint64_t counter(uint32_t v)
{
	struct tg_count c[ncpus];
	uint64_t n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.TG_MAP_COUNTERS), &v, c))
		return 0;
	for (int i = 0; i < ncpus; i++)
		n += c[i].packets;
	return n;
}

static size_t frame(uint8_t *out, uint8_t proto, const uint8_t dst[4], uint16_t port)
{
	uint8_t l4[64];
	size_t n;

	if (proto == IPPROTO_TCP)
		n = tb_tcp(l4, 40000, port, 1, 1, 0x10, NULL, 0);
	else if (proto == IPPROTO_UDP)
		n = tb_udp(l4, 40000, port, 0);
	else
		n = tb_echo(l4, 8, 7, 1);
	return tb_frame4(out, GUEST_MAC, GW_MAC, (const uint8_t *)&cfg.guest_ip4, dst, proto, l4,
			 n);
}

/* The program's word: 1 passed on, 0 dropped by the policy, -1 other. */
static int xdp_passes(uint8_t proto, const uint8_t dst[4], uint16_t port)
{
	uint8_t buf[256];
	size_t len = frame(buf, proto, dst, port);
	struct xdp_md md = { .data = 0, .data_end = (uint32_t)len };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = (uint32_t)len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);
	uint64_t pol = counter(TG_V_DROP_POLICY), nosock = counter(TG_V_DROP_NOSOCK);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tg_steer), &opts))
		return -1;
	if (counter(TG_V_DROP_POLICY) == pol + 1)
		return 0;
	return counter(TG_V_DROP_NOSOCK) == nosock + 1 ? 1 : -1;
}

static bool user_allows(uint8_t proto, const uint8_t dst[4], uint16_t port)
{
	struct pol_flow f = { .dir = POL_EGRESS, .proto = proto, .family = 4, .port = port };
	struct pol_verdict v;

	memcpy(f.addr, dst, 4);
	f.group = (uint8_t)group_classify(&groups, 4, dst);
	return polset_check(&f, NULL, &v);
}

static int install(const char *sandbox, const char *floor)
{
	struct policy s, f;
	char err[512];
	int rc = policy_parse(&s, sandbox, strlen(sandbox), "sandbox.json", err, sizeof(err));

	if (!rc)
		rc = policy_parse(&f, floor, strlen(floor), "floor.json", err, sizeof(err));
	if (!rc)
		rc = polset_install(&f, &s, &groups, err, sizeof(err));
	if (rc)
		printf("install: %s\n", err);
	policy_free(&s);
	policy_free(&f);
	return rc;
}

/* Every case of the matrix; @exact: no domain rules, so equal verdicts. */
static void agree(const char *name, const char *sandbox, const char *floor, bool exact)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	unsigned int cases = 0, denied = 0;

	case_begin(name);
	CHECK_EQ(install(sandbox, floor), 0);
	for (size_t d = 0; d < sizeof(dests) / sizeof(dests[0]); d++) {
		uint8_t dst[16];

		tb_addr(dst, dests[d]);
		for (size_t p = 0; p < sizeof(protos); p++)
			for (size_t k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
				uint16_t port = protos[p] == IPPROTO_ICMP ? 0 : ports[k];
				bool gw = !memcmp(dst, &cfg.gw_ip4, 4);
				int x;
				bool u;

				if (gw && (port == TG_DNS_PORT || protos[p] == IPPROTO_ICMP))
					continue; /* answered by tapgate, whatever the policy */
				x = xdp_passes(protos[p], dst, port);
				u = user_allows(protos[p], dst, port);
				cases++;
				denied += !u;
				if (x < 0 || (exact && x != u) || (!exact && !x && u))
					ck_fail(__FILE__, __LINE__,
						"%s proto %u port %u: xdp %d, user space %s",
						dests[d], protos[p], port, x,
						u ? "allows" : "denies");
				if (protos[p] == IPPROTO_ICMP)
					break;
			}
	}
	printf("  %s: %u cases, %u denied by user space\n", name, cases, denied);
	CHECK(denied > 0 && denied < cases);
	case_end();
}

static const char floor_open[] = "{\"default_egress\": \"allow\"}";

static void matrix(void)
{
	agree("--allow public",
	      "{\"rules\": [{\"destination\": \"group:public\", \"action\": "
	      "\"allow\"}]}",
	      floor_open, true);
	agree("ports, protocols, overlapping CIDRs",
	      "{\"default_egress\": \"deny\", \"rules\": [\n"
	      "{\"destination\": \"10.1.0.0/16\", \"protocols\": [\"tcp\"], \"ports\": [22, "
	      "\"8000-8099\"], \"action\": \"allow\"},\n"
	      "{\"destination\": \"10.0.0.0/8\", \"action\": \"deny\"},\n"
	      "{\"destination\": \"group:private\", \"protocols\": [\"udp\"], \"action\": "
	      "\"allow\"},\n"
	      "{\"destination\": \"group:host\", \"ports\": [8080], \"action\": \"allow\"},\n"
	      "{\"destination\": \"8.8.8.8/32\", \"protocols\": [\"icmp\"], \"action\": "
	      "\"deny\"},\n"
	      "{\"destination\": \"any\", \"ports\": [443, 53], \"action\": \"allow\"},\n"
	      "{\"destination\": \"group:public\", \"protocols\": [\"tcp\", \"icmp\"], "
	      "\"action\": \"allow\"}]}",
	      floor_open, true);
	agree("floor over tenant", "{\"default_egress\": \"allow\"}",
	      "{\"default_egress\": \"allow\", \"rules\": [\n"
	      "{\"destination\": \"group:metadata\", \"action\": \"deny\"},\n"
	      "{\"destination\": \"group:host\", \"action\": \"deny\"},\n"
	      "{\"destination\": \"group:private\", \"ports\": [\"1-1023\"], \"action\": "
	      "\"deny\"}]}",
	      true);
	agree("default allow, deny list",
	      "{\"default_egress\": \"allow\", \"rules\": [\n"
	      "{\"destination\": \"192.168.0.0/16\", \"action\": \"deny\"},\n"
	      "{\"destination\": \"203.0.113.0/24\", \"protocols\": [\"udp\"], \"action\": "
	      "\"deny\"}]}",
	      floor_open, true);
	agree("icmp_prohibited: denied UDP and ICMP go up for their error",
	      "{\"default_egress\": \"deny\", \"icmp_prohibited\": true, \"rules\": [\n"
	      "{\"destination\": \"group:public\", \"ports\": [443], \"action\": \"allow\"}]}",
	      floor_open, false);
	agree("domain rules leave it to user space",
	      "{\"default_egress\": \"deny\", \"rules\": [\n"
	      "{\"destination\": \"*.example.com\", \"ports\": [443], \"action\": \"allow\"},\n"
	      "{\"destination\": \"group:public\", \"ports\": [80], \"action\": \"allow\"}]}",
	      floor_open, false);
}

static uint64_t regions(void)
{
	struct tg_lpm4 k, *prev = NULL;
	uint64_t n = 0;
	uint8_t gens = 0;

	while (!bpf_map_get_next_key(bpf_map__fd(skel->maps.TG_MAP_POLICY4), prev, &k)) {
		gens |= (uint8_t)(1u << k.gen);
		prev = &k;
		n++;
	}
	return gens == 3 ? 0 : n; /* both generations at once: wrong */
}

static void reload(void)
{
	uint8_t dst[16];
	uint32_t g0;

	case_begin("reload swaps the generation, sweeps the old one, counts drops");
	CHECK_EQ(install("{\"default_egress\": \"allow\"}", floor_open), 0);
	g0 = skel->bss->tg_pol_gen;
	CHECK(regions() > 0);
	tb_addr(dst, "198.51.100.1");
	CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 9), 1);
	CHECK_EQ(install("{\"default_egress\": \"allow\", \"rules\": [\n"
			 "{\"destination\": \"8.8.8.8\", \"action\": \"allow\"},\n"
			 "{\"destination\": \"198.51.100.0/24\", \"action\": \"deny\"}]}",
			 floor_open),
		 0);
	CHECK_EQ(skel->bss->tg_pol_gen, !g0);
	CHECK(regions() > 0);
	CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 9), 0);
	CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 10), 0);
	CHECK_EQ(hits[TG_PHIT(!g0, TG_L_SANDBOX, 1)], 2u);
	CHECK_EQ(hits[TG_PHIT(!g0, TG_L_SANDBOX, 0)], 0u);
	case_end();
}

/* Fail closed: with TG_MAP_CONFIG empty, or holding another ABI, every
 * frame is dropped and counted as drop_noconfig. */
static void unconfigured(void)
{
	int fd = bpf_map__fd(skel->maps.TG_MAP_CONFIG);
	struct tg_config saved, bad = { 0 };
	uint8_t dst[16];
	__u32 zero = 0;
	uint64_t n0;

	case_begin("an unconfigured or mismatched config map drops everything");
	tb_addr(dst, "8.8.8.8");
	CHECK_EQ(bpf_map_lookup_elem(fd, &zero, &saved), 0);
	CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 443), 1);
	for (int i = 0; i < 2; i++) {
		bad = saved;
		bad.abi = i ? TG_ABI + 1 : 0;
		CHECK_EQ(bpf_map_update_elem(fd, &zero, &bad, BPF_ANY), 0);
		n0 = counter(TG_V_DROP_NOCONFIG);
		CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 443), -1);
		CHECK_EQ(counter(TG_V_DROP_NOCONFIG), n0 + 1);
	}
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &saved, BPF_ANY), 0);
	CHECK_EQ(xdp_passes(IPPROTO_UDP, dst, 443), 1);
	case_end();
}

static int setup(void)
{
	struct tg_config c = { 0 };
	struct polset_maps m;
	__u32 zero = 0;
	int err;

	ncpus = libbpf_num_possible_cpus();
	log_set_level(LOG_WARN); /* no line per denial */
	config_defaults(&cfg);
	skel = steer_bpf__open();
	if (!skel)
		return -errno;
	err = steer_bpf__load(skel);
	if (err)
		return err;
	c.abi = TG_ABI;
	memcpy(c.guest_mac, GUEST_MAC, 6);
	memcpy(c.gw_mac, GW_MAC, 6);
	c.guest_ip4 = cfg.guest_ip4;
	c.gw_ip4 = cfg.gw_ip4;
	c.flags = TG_CFG_UDP_RELAY;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.TG_MAP_CONFIG), &zero, &c, BPF_ANY))
		return -errno;
	hits = mmap(NULL, ((size_t)TG_PHITS_MAX * 8 + 4095) & ~(size_t)4095, PROT_READ | PROT_WRITE,
		    MAP_SHARED, bpf_map__fd(skel->maps.TG_MAP_PHITS), 0);
	if (hits == MAP_FAILED)
		return -errno;
	m = (struct polset_maps){ .fds = { bpf_map__fd(skel->maps.TG_MAP_POLICY4),
					   bpf_map__fd(skel->maps.TG_MAP_POLICY6),
					   bpf_map__fd(skel->maps.TG_MAP_PCHAIN) },
				  .gen = &skel->bss->tg_pol_gen,
				  .hits = hits };
	polset_init(&m);
	return group_build(&groups, &cfg, NULL);
}

int main(void)
{
	int err = setup();

	if (err) {
		printf("setup: %s (root and a kernel with BPF needed)\n", strerror(-err));
		return 1;
	}
	matrix();
	reload();
	unconfigured();
	polset_free();
	group_free(&groups);
	steer_bpf__destroy(skel);
	return check_summary();
}
