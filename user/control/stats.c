// SPDX-License-Identifier: MIT
/*
 * stats.c - print a device's counters from its pinned maps, for people or
 * (--json) for machines. Works without the daemon's help: the XDP counters
 * are per-CPU and summed here; the daemon's own counters live in an mmapable
 * array map it updates in place.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "control/loader.h"
#include "control/log.h"
#include "control/stats.h"
#include "steer.h"
#include "ustats.h"
#include "wire/slot.h"

static const char *const verdict_names[TG_V_MAX] = {
	[TG_V_TO_TCP] = "to_tcp",
	[TG_V_TO_DNS] = "to_dns",
	[TG_V_TO_ARP] = "to_arp",
	[TG_V_TO_ICMP] = "to_icmp",
	[TG_V_TO_FRAG] = "to_frag",
	[TG_V_TO_DENIED_SYN] = "to_denied_syn",
	[TG_V_UDP_RELAY] = "udp_relay",
	[TG_V_UDP_FRAG] = "udp_frag",
	[TG_V_DROP_MALFORMED] = "drop_malformed",
	[TG_V_DROP_SPOOF_MAC] = "drop_spoof_mac",
	[TG_V_DROP_SPOOF_IP] = "drop_spoof_ip",
	[TG_V_DROP_POLICY] = "drop_policy",
	[TG_V_DROP_PROTO] = "drop_proto",
	[TG_V_DROP_NOSOCK] = "drop_nosock",
	[TG_V_DROP_UDP] = "drop_udp",
	[TG_V_DROP_UDP_GSO] = "drop_udp_gso",
	[TG_V_DROP_OVERSIZE] = "drop_oversize",
	[TG_V_DROP_NOCONFIG] = "drop_noconfig",
	[TG_V_DROP_EXTHDR] = "drop_exthdr",
	[TG_V_TO_DHCP] = "to_dhcp",
	[TG_V_DROP_SYN_RATE] = "drop_syn_rate",
};

/* The daemon's counters, in TG_USTATS order (include/ustats.h). */
struct ustat_field {
	const char *name;
	size_t off;
};

static const struct ustat_field fields[] = {
#define USTAT_FIELD(name, help) { #name, offsetof(struct tg_ustats, name) },
	TG_USTATS(USTAT_FIELD)
#undef USTAT_FIELD
};

/* print_text() shows fields[0] in its heading and the rest below it. */
_Static_assert(offsetof(struct tg_ustats, pid) == 0, "pid must be the first counter");

static int open_pin(const char *dev, const char *map)
{
	char path[PATH_MAX];
	int fd;

	if (loader_pin_path(dev, map, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			log_err("%s: no tapgate is attached (nothing pinned at %s); start one "
				"with 'tapgate run --dev %s' (pins made inside 'ip netns exec' "
				"are visible only there)",
				dev, path, dev);
		else
			log_err("%s: cannot open %s: %s", dev, path, strerror(-err));
		return err;
	}
	return fd;
}

static int read_verdicts(int fd, struct tg_count out[TG_V_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct tg_count *per;

	if (ncpu <= 0)
		return -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (__u32 v = 0; v < TG_V_MAX; v++) {
		memset(&out[v], 0, sizeof(out[v]));
		if (bpf_map_lookup_elem(fd, &v, per))
			continue;
		for (int c = 0; c < ncpu; c++) {
			out[v].packets += per[c].packets;
			out[v].bytes += per[c].bytes;
		}
	}
	free(per);
	return 0;
}

/* The rule hit counters of the generation in force: [layer][rule], the
 * default at TG_PRULES_MAX. NULL when the map cannot be read. */
static uint64_t *read_hits(const char *dev, uint64_t gen)
{
	uint64_t *h = calloc((size_t)TG_L_MAX * (TG_PRULES_MAX + 1), sizeof(*h));
	int fd = open_pin(dev, TG_STR(TG_MAP_PHITS));

	for (__u32 l = 0; h && fd >= 0 && l < TG_L_MAX; l++)
		for (__u32 r = 0; r <= TG_PRULES_MAX; r++) {
			__u32 k = TG_PHIT((__u32)gen & 1, l, r);

			bpf_map_lookup_elem(fd, &k, &h[l * (TG_PRULES_MAX + 1) + r]);
		}
	if (fd < 0) {
		free(h);
		h = NULL;
	}
	if (fd >= 0)
		close(fd);
	return h;
}

static const char *const layer_names[TG_L_MAX] = { "floor", "policy" };

static void print_hits_json(const uint64_t *h)
{
	printf(",\"policy_hits\":{");
	for (int l = 0; h && l < TG_L_MAX; l++) {
		bool first = true;

		printf("%s\"%s\":{", l ? "," : "", layer_names[l]);
		for (int r = 0; r <= TG_PRULES_MAX; r++) {
			uint64_t n = h[l * (TG_PRULES_MAX + 1) + r];

			if (!n)
				continue;
			if (r == TG_PRULES_MAX)
				printf("%s\"default\":%llu", first ? "" : ",",
				       (unsigned long long)n);
			else
				printf("%s\"%d\":%llu", first ? "" : ",", r, (unsigned long long)n);
			first = false;
		}
		printf("}");
	}
	printf("}");
}

static void print_hits_text(const uint64_t *h)
{
	bool any = false;

	printf("\npolicy rule hits (flows decided, frames dropped in XDP)\n");
	for (int l = 0; h && l < TG_L_MAX; l++)
		for (int r = 0; r <= TG_PRULES_MAX; r++) {
			uint64_t n = h[l * (TG_PRULES_MAX + 1) + r];

			if (!n)
				continue;
			any = true;
			if (r == TG_PRULES_MAX)
				printf("  %-6s default        %12llu\n", layer_names[l],
				       (unsigned long long)n);
			else
				printf("  %-6s rule %-9d %12llu\n", layer_names[l], r,
				       (unsigned long long)n);
		}
	if (!any)
		printf("  (none)\n");
}

/* The queues whose frames are shown: those the daemon serves, bounded by
 * the array (a map written by another build may say anything). */
static unsigned int shown_queues(const struct tg_ustats *u)
{
	return u->rx_queues < TG_USTATS_QUEUES ? (unsigned int)u->rx_queues : TG_USTATS_QUEUES;
}

/* The name of secret @i, or NULL for an unused slot. Only the characters
 * a secret's name may have (tls/tlsconf.c), whatever the map holds. */
static const char *secret_name(const struct tg_ustats *u, unsigned int i, char out[32])
{
	size_t n = 0;

	for (; n < 31 && u->tls_secret_name[i][n]; n++) {
		char c = (char)u->tls_secret_name[i][n];

		out[n] = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_';
	}
	out[n] = '\0';
	return n ? out : NULL;
}

/* "tls_secrets": {"NAME": {"injections": N, "violations": N}, ...} */
static void print_secrets_json(const struct tg_ustats *u)
{
	char name[32];

	printf(",\"tls_secrets\":{");
	for (unsigned int i = 0, k = 0; i < TG_USTATS_SECRETS; i++)
		if (secret_name(u, i, name))
			printf("%s\"%s\":{\"injections\":%llu,\"violations\":%llu}", k++ ? "," : "",
			       name, (unsigned long long)u->tls_secret_injections[i],
			       (unsigned long long)u->tls_secret_violations[i]);
	printf("}");
}

static void print_json(const char *dev, const struct tg_count *v, const struct tg_ustats *u,
		       const uint64_t *hits)
{
	printf("{\"device\":\"%s\",\"xdp\":{", dev);
	for (int i = 0; i < TG_V_MAX; i++)
		printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", i ? "," : "", verdict_names[i],
		       (unsigned long long)v[i].packets, (unsigned long long)v[i].bytes);
	printf("},\"daemon\":{");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("%s\"%s\":%llu", i ? "," : "", fields[i].name,
		       *(const unsigned long long *)((const char *)u + fields[i].off));
	printf("}");
	print_secrets_json(u);
	printf(",\"slot_drops\":{");
	for (unsigned int i = 1; i < SLOT_DROP__MAX; i++)
		printf("%s\"%s\":%llu", i > 1 ? "," : "", slot_drop_name(i),
		       (unsigned long long)u->drop_reason[i]);
	printf("},\"rx_queue_frames\":[");
	for (unsigned int q = 0; q < shown_queues(u); q++)
		printf("%s%llu", q ? "," : "", (unsigned long long)u->rx_queue_frames[q]);
	printf("]");
	print_hits_json(hits);
	printf("}\n");
}

/* The Prometheus text format (node-exporter's textfile collector): one
 * family per kind, the device and the verdict, reason or rule as labels. */
static void print_prometheus(const char *dev, const struct tg_count *v, const struct tg_ustats *u,
			     const uint64_t *hits)
{
	printf("# HELP tapgate_xdp_packets_total Frames from the guest by XDP verdict.\n"
	       "# TYPE tapgate_xdp_packets_total counter\n");
	for (int i = 0; i < TG_V_MAX; i++)
		printf("tapgate_xdp_packets_total{device=\"%s\",verdict=\"%s\"} %llu\n", dev,
		       verdict_names[i], (unsigned long long)v[i].packets);
	printf("# HELP tapgate_xdp_bytes_total Bytes from the guest by XDP verdict.\n"
	       "# TYPE tapgate_xdp_bytes_total counter\n");
	for (int i = 0; i < TG_V_MAX; i++)
		printf("tapgate_xdp_bytes_total{device=\"%s\",verdict=\"%s\"} %llu\n", dev,
		       verdict_names[i], (unsigned long long)v[i].bytes);
	for (size_t i = 1; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("# TYPE tapgate_%s untyped\ntapgate_%s{device=\"%s\"} %llu\n",
		       fields[i].name, fields[i].name, dev,
		       *(const unsigned long long *)((const char *)u + fields[i].off));
	printf("# TYPE tapgate_slot_drops_total counter\n");
	for (unsigned int i = 1; i < SLOT_DROP__MAX; i++)
		printf("tapgate_slot_drops_total{device=\"%s\",reason=\"%s\"} %llu\n", dev,
		       slot_drop_name(i), (unsigned long long)u->drop_reason[i]);
	printf("# TYPE tapgate_rx_queue_frames_total counter\n");
	for (unsigned int q = 0; q < shown_queues(u); q++)
		printf("tapgate_rx_queue_frames_total{device=\"%s\",queue=\"%u\"} %llu\n", dev, q,
		       (unsigned long long)u->rx_queue_frames[q]);
	printf("# TYPE tapgate_tls_secret_injections_total counter\n"
	       "# TYPE tapgate_tls_secret_violations_total counter\n");
	for (unsigned int i = 0; i < TG_USTATS_SECRETS; i++) {
		char name[32];

		if (!secret_name(u, i, name))
			continue;
		printf("tapgate_tls_secret_injections_total{device=\"%s\",secret=\"%s\"} %llu\n"
		       "tapgate_tls_secret_violations_total{device=\"%s\",secret=\"%s\"} %llu\n",
		       dev, name, (unsigned long long)u->tls_secret_injections[i], dev, name,
		       (unsigned long long)u->tls_secret_violations[i]);
	}
	printf("# TYPE tapgate_policy_hits_total counter\n");
	for (int l = 0; hits && l < TG_L_MAX; l++)
		for (int r = 0; r <= TG_PRULES_MAX; r++) {
			uint64_t n = hits[l * (TG_PRULES_MAX + 1) + r];
			char rule[16];

			if (!n)
				continue;
			snprintf(rule, sizeof(rule), r == TG_PRULES_MAX ? "default" : "%d", r);
			printf("tapgate_policy_hits_total{device=\"%s\",layer=\"%s\",rule=\"%s\"} "
			       "%llu\n",
			       dev, layer_names[l], rule, (unsigned long long)n);
		}
}

static void print_text(const char *dev, const struct tg_count *v, const struct tg_ustats *u,
		       const uint64_t *hits)
{
	printf("tapgate on %s (pid %llu)\n\nXDP verdicts            packets          bytes\n", dev,
	       (unsigned long long)u->pid);
	for (int i = 0; i < TG_V_MAX; i++)
		printf("  %-18s %12llu %14llu\n", verdict_names[i],
		       (unsigned long long)v[i].packets, (unsigned long long)v[i].bytes);
	printf("\ndaemon\n");
	for (size_t i = 1; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("  %-22s %12llu\n", fields[i].name,
		       *(const unsigned long long *)((const char *)u + fields[i].off));
	unsigned long long any = 0;

	printf("\nslot drops by reason\n");
	for (unsigned int i = 1; i < SLOT_DROP__MAX; i++) {
		any |= u->drop_reason[i];
		if (u->drop_reason[i])
			printf("  %-22s %8llu\n", slot_drop_name(i),
			       (unsigned long long)u->drop_reason[i]);
	}
	if (!any)
		printf("  (none)\n");
	for (unsigned int i = 0; i < TG_USTATS_SECRETS; i++) {
		char name[32];

		if (!secret_name(u, i, name))
			continue;
		if (!i)
			printf("\nsecrets (TLS)             injected   violations\n");
		printf("  %-22s %10llu %12llu\n", name,
		       (unsigned long long)u->tls_secret_injections[i],
		       (unsigned long long)u->tls_secret_violations[i]);
	}
	if (shown_queues(u) > 1) {
		printf("\nrx frames by queue\n");
		for (unsigned int q = 0; q < shown_queues(u); q++)
			printf("  queue %-16u %12llu\n", q,
			       (unsigned long long)u->rx_queue_frames[q]);
	}
	print_hits_text(hits);
}

/**
 * stats_print() - `tapgate stats`
 * @dev:  device name
 * @fmt:  a table, one JSON object, or the Prometheus text format
 *
 * Return: 0 or a negative errno after a message
 */
int stats_print(const char *dev, enum stats_format fmt)
{
	struct tg_count v[TG_V_MAX];
	struct tg_ustats u;
	__u32 zero = 0;
	int cfd, ufd, err;

	if ((err = loader_ensure_bpffs()))
		return err;
	cfd = open_pin(dev, TG_STR(TG_MAP_COUNTERS));
	if (cfd < 0)
		return cfd;
	ufd = open_pin(dev, TG_STR(TG_MAP_USTATS));
	if (ufd < 0) {
		close(cfd);
		return ufd;
	}
	memset(&u, 0, sizeof(u));
	err = read_verdicts(cfd, v);
	if (!err && bpf_map_lookup_elem(ufd, &zero, &u))
		err = -errno;
	if (!err) {
		uint64_t *hits = read_hits(dev, u.policy_gen);

		if (fmt == STATS_JSON)
			print_json(dev, v, &u, hits);
		else if (fmt == STATS_PROMETHEUS)
			print_prometheus(dev, v, &u, hits);
		else
			print_text(dev, v, &u, hits);
		free(hits);
	} else {
		log_err("%s: cannot read counters: %s", dev, strerror(-err));
	}
	close(cfd);
	close(ufd);
	return err;
}
