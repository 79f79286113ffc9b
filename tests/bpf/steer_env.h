/* SPDX-License-Identifier: MIT */
/*
 * steer_env.h - the XDP program (bpf/steer.bpf.c) loaded for the tests
 * (test_steer_*.c), without a network device: one loaded copy per
 * environment (its own config map) with the default
 * policy in its maps, the verdict counters summed over CPUs, one frame run
 * through bpf_prog_test_run_opts(), and an AF_XDP socket put in or taken
 * out of the XSKMAP. Needs root.
 *
 * Everything is static inline, as in tests/lib/frames.h.
 */
#ifndef TAPGATE_TEST_STEER_ENV_H
#define TAPGATE_TEST_STEER_ENV_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "steer.h"
/* The skeleton names struct tg_config, so steer.h comes first. */
#include "steer.skel.h"
#include "wire.h"
#include "steer_frames.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

/* Room in front of a frame for XDP metadata: test_run refuses data shorter
 * than an Ethernet header, so frames shorter than that are handed in with 4
 * bytes of metadata in front (xdp_md.data = 4) to make up the size. */
#define META_LEN  4
#define FRAME_MAX 66000 /* room for a 64 KiB super-frame, in several buffers */

/* Each environment is its own loaded copy of the program, with its own
 * config map. */
enum env_id {
	ENV_V6,	     /* IPv6 and DHCP on, relay off, the full policy */
	ENV_RELAY,   /* IPv6, DHCP and relay on, the full policy */
	ENV_BARE,    /* nothing on (no DHCP), empty policy tables (every lookup misses) */
	ENV_SMALL,   /* as relay, but the socket takes 2048 bytes (tg_rx_max) */
	ENV_INBOUND, /* relay and published ports on, empty policy tables (deny all) */
	ENV_KEEP,    /* as inbound, with --publish-keep-source */
	ENV_SYNRATE, /* as relay, with a SYN rate whose schedule is an hour ahead */
	ENV_MAX
};

static const char *const env_names[ENV_MAX] = { "v6",	   "relay", "bare",   "small",
						"inbound", "keep",  "synrate" };

/* ---- environments ----------------------------------------------------- */

struct env {
	struct steer_bpf *skel;
	int prog_fd;
	int xsks_fd;
	int counters_fd;
};

static int ncpus;

/* Chains of one entry each, in generation 0: CHAIN_ALLOW at 0, CHAIN_DENY
 * at 1 (the compiler's output in small; tests/bpf/test_policy.c runs the
 * real one). */
enum { CHAIN_ALLOW = 0, CHAIN_DENY = 1 };

static inline int add_rule4(int fd, const uint8_t *addr, uint32_t plen, uint8_t action,
			    uint8_t group)
{
	struct tg_lpm4 key = { .prefixlen = TG_LPM_GEN_BITS + plen };
	struct tg_region r = { .chain = { CHAIN_ALLOW,
					  action == TG_ACT_ALLOW ? CHAIN_ALLOW : CHAIN_DENY },
			       .group = group };

	memcpy(key.addr, addr, 4);
	return bpf_map_update_elem(fd, &key, &r, BPF_ANY) ? -errno : 0;
}

static inline int add_rule6(int fd, const uint8_t *addr, uint32_t plen, uint8_t action,
			    uint8_t group)
{
	struct tg_lpm6 key = { .prefixlen = TG_LPM_GEN_BITS + plen };
	struct tg_region r = { .chain = { CHAIN_ALLOW,
					  action == TG_ACT_ALLOW ? CHAIN_ALLOW : CHAIN_DENY },
			       .group = group };

	memcpy(key.addr, addr, 16);
	return bpf_map_update_elem(fd, &key, &r, BPF_ANY) ? -errno : 0;
}

static inline int add_chains(int fd)
{
	struct tg_pentry allow = { .port_hi = 0xffff, .protos = TG_PP_ALL, .action = TG_ACT_ALLOW };
	struct tg_pentry deny = { .port_hi = 0xffff, .protos = TG_PP_ALL, .action = TG_ACT_DENY };
	uint32_t k0 = CHAIN_ALLOW, k1 = CHAIN_DENY;

	if (bpf_map_update_elem(fd, &k0, &allow, BPF_ANY) ||
	    bpf_map_update_elem(fd, &k1, &deny, BPF_ANY))
		return -errno;
	return 0;
}

/* The default egress policy in small: public allowed, private and
 * multicast (224/4 and 240/4, the broadcast with them) denied, the gateway
 * allowed inside the denied 100.64/10 (longest prefix wins). */
static inline int fill_policy(struct steer_bpf *skel)
{
	int p4 = bpf_map__fd(skel->maps.TG_MAP_POLICY4);
	int p6 = bpf_map__fd(skel->maps.TG_MAP_POLICY6);
	static const uint8_t fc00[16] = { 0xfc };
	int err = add_chains(bpf_map__fd(skel->maps.TG_MAP_PCHAIN));

	err = err ?: add_rule4(p4, ANY4, 0, TG_ACT_ALLOW, TG_G_PUBLIC);
	err = err ?: add_rule4(p4, (uint8_t[]){ 10, 0, 0, 0 }, 8, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule4(p4, (uint8_t[]){ 100, 64, 0, 0 }, 10, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule4(p4, (uint8_t[]){ 224, 0, 0, 0 }, 4, TG_ACT_DENY, TG_G_MULTICAST);
	err = err ?: add_rule4(p4, (uint8_t[]){ 240, 0, 0, 0 }, 4, TG_ACT_DENY, TG_G_MULTICAST);
	err = err ?: add_rule4(p4, GW4, 32, TG_ACT_ALLOW, TG_G_GATEWAY);
	err = err ?: add_rule6(p6, ANY6, 0, TG_ACT_ALLOW, TG_G_PUBLIC);
	err = err ?: add_rule6(p6, fc00, 7, TG_ACT_DENY, TG_G_PRIVATE);
	err = err ?: add_rule6(p6, GW6, 128, TG_ACT_ALLOW, TG_G_GATEWAY);
	return err;
}

/* The device's configuration, as the daemon writes it into TG_MAP_CONFIG. */
static inline int write_config(struct steer_bpf *skel, enum env_id id)
{
	struct tg_config c = { .abi = TG_ABI };
	__u32 zero = 0;

	memcpy(c.guest_mac, GUEST_MAC, 6);
	memcpy(c.gw_mac, GW_MAC, 6);
	memcpy(&c.guest_ip4, GUEST4, 4);
	memcpy(&c.gw_ip4, GW4, 4);
	memcpy(c.guest_ip6, GUEST6, 16);
	memcpy(c.gw_ip6, GW6, 16);
	c.flags = id == ENV_BARE ? 0 : TG_CFG_IPV6;
	if (id == ENV_RELAY || id == ENV_SMALL || id == ENV_INBOUND || id == ENV_KEEP ||
	    id == ENV_SYNRATE)
		c.flags |= TG_CFG_UDP_RELAY;
	if (id == ENV_INBOUND || id == ENV_KEEP)
		c.flags |= TG_CFG_INBOUND;
	if (id == ENV_KEEP)
		c.flags |= TG_CFG_KEEP_SOURCE;
	if (id != ENV_BARE)
		c.flags |= TG_CFG_DHCP;
	c.mtu = GUEST_MTU;
	if (id == ENV_SYNRATE) {
		c.syn_gap_ns = 1000000; /* 1000 a second */
		c.syn_burst_ns = 16 * c.syn_gap_ns;
	}
	return bpf_map_update_elem(bpf_map__fd(skel->maps.TG_MAP_CONFIG), &zero, &c, BPF_ANY)
		       ? -errno
		       : 0;
}

static inline int env_open(struct env *e, enum env_id id)
{
	int err;

	e->skel = steer_bpf__open();
	if (!e->skel)
		return -errno;
	err = steer_bpf__load(e->skel);
	if (!err)
		err = write_config(e->skel, id);
	if (err)
		return err;
	/* The daemon's value without multi-buffer: one 2048-byte chunk. */
	e->skel->bss->tg_rx_max = id == ENV_SMALL ? 2048 - 256 : 0;
	/* Every SYN is over the rate: the schedule runs an hour ahead. */
	if (id == ENV_SYNRATE)
		e->skel->bss->tg_syn_tat = UINT64_MAX / 2;
	if (id != ENV_BARE && id != ENV_INBOUND && id != ENV_KEEP) {
		err = fill_policy(e->skel);
		if (err)
			return err;
	}
	e->prog_fd = bpf_program__fd(e->skel->progs.tg_steer);
	e->xsks_fd = bpf_map__fd(e->skel->maps.TG_MAP_XSKS);
	e->counters_fd = bpf_map__fd(e->skel->maps.TG_MAP_COUNTERS);
	return 0;
}

/* Sums the per-CPU counters into out[TG_V_MAX]. */
static inline int read_counters(const struct env *e, struct tg_count *out)
{
	struct tg_count percpu[ncpus];

	for (uint32_t v = 0; v < TG_V_MAX; v++) {
		if (bpf_map_lookup_elem(e->counters_fd, &v, percpu))
			return -errno;
		out[v] = (struct tg_count){ 0 };
		for (int c = 0; c < ncpus; c++) {
			out[v].packets += percpu[c].packets;
			out[v].bytes += percpu[c].bytes;
		}
	}
	return 0;
}

/* Runs the program once on @frame; returns its XDP action or -errno. */
static inline int run_frame(const struct env *e, const uint8_t *frame, size_t len)
{
	uint8_t buf[META_LEN + FRAME_MAX];
	size_t meta = len < TG_ETH_HLEN ? META_LEN : 0;
	struct xdp_md md = { .data = meta, .data_end = meta + len };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = meta + len,
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);

	memset(buf, 0, meta);
	memcpy(buf + meta, frame, len);
	if (bpf_prog_test_run_opts(e->prog_fd, &opts))
		return -errno;
	return opts.retval;
}

static inline const char *action_name(int a)
{
	switch (a) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "?";
	}
}

/* Fills @why for the FAIL line; returns -1 so callers can return it. */
__attribute__((format(printf, 3, 4))) static inline int fail(char *why, size_t whylen,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Puts @xsk_fd in @e's XSKMAP, or with @xsk_fd < 0 takes it out; 0 or -errno. */
static inline int set_socket(const struct env *e, int xsk_fd)
{
	/* test_run's rx_queue_index is 0: the main socket's key and the UDP
	 * relay's; one socket stands in for both. */
	uint32_t keys[2] = { 0, TG_XSK_UDP };

	for (int i = 0; i < 2; i++) {
		if (xsk_fd < 0) {
			if (bpf_map_delete_elem(e->xsks_fd, &keys[i]) && errno != ENOENT)
				return -errno;
		} else if (bpf_map_update_elem(e->xsks_fd, &keys[i], &xsk_fd, BPF_ANY)) {
			return -errno;
		}
	}
	return 0;
}

/**
 * envs_open() - Load the program once per environment
 * @envs:	ENV_MAX environments, zeroed
 * @prog:	the test's name, for the messages
 *
 * Return: 0, or -1 once stderr says what failed; envs_close() frees what
 * was loaded either way.
 */
static inline int envs_open(struct env *envs, const char *prog)
{
	int err;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "%s: cannot count CPUs: %s\n", prog, strerror(-ncpus));
		return -1;
	}
	for (int i = 0; i < ENV_MAX; i++) {
		err = env_open(&envs[i], i);
		if (err) {
			fprintf(stderr, "%s: loading the program (%s): %s (run as root)\n", prog,
				env_names[i], strerror(-err));
			return -1;
		}
	}
	return 0;
}

static inline void envs_close(struct env *envs)
{
	for (int i = 0; i < ENV_MAX; i++)
		steer_bpf__destroy(envs[i].skel);
}

#endif
