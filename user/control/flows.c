// SPDX-License-Identifier: MIT
/*
 * flows.c - `tapgate flows IFNAME [--json]` (flows.h): what the sandbox is
 * talking to right now, read from the pinned flow map the daemon keeps
 * (proxy/flowmap.c), without asking the daemon.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/flows.h"
#include "control/loader.h"
#include "control/log.h"
#include "steer.h"

static const char *state_name(uint8_t s)
{
	return s == TG_FLOW_OPEN ? "open" : s == TG_FLOW_CLOSING ? "closing" : "udp";
}

static void endpoint(char *out, size_t len, int family, const uint8_t *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	snprintf(out, len, family == 4 ? "%s:%u" : "[%s]:%u", ip, port);
}

static void print_one(const struct tg_flow_key *k, const struct tg_flow *v, uint64_t now, bool json,
		      bool first)
{
	char src[64], dst[64];
	const char *proto = k->proto == IPPROTO_TCP ? "tcp" : "udp";
	unsigned long long age = now > v->opened_s ? now - v->opened_s : 0;

	endpoint(src, sizeof(src), k->family, k->src, k->sport);
	endpoint(dst, sizeof(dst), k->family, k->dst, k->dport);
	if (json)
		printf("%s{\"proto\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\",\"state\":\"%s\","
		       "\"bytes_out\":%llu,\"bytes_in\":%llu,\"age_s\":%llu}",
		       first ? "" : ",", proto, src, dst, state_name(v->state),
		       (unsigned long long)v->bytes_out, (unsigned long long)v->bytes_in, age);
	else
		printf("%-5s %-24s %-40s %-8s %14llu %14llu %8llu\n", proto, src, dst,
		       state_name(v->state), (unsigned long long)v->bytes_out,
		       (unsigned long long)v->bytes_in, age);
}

/**
 * flows_print() - List the open flows of the tapgate on @dev
 * @dev:  the device
 * @json: a JSON array instead of a table
 *
 * Return: 0 or a negative errno after a message
 */
int flows_print(const char *dev, bool json)
{
	struct tg_flow_key k, *prev = NULL;
	char path[PATH_MAX];
	struct timespec t;
	struct tg_flow v;
	bool first = true;
	int fd, err;

	if ((err = loader_ensure_bpffs()))
		return err;
	if (loader_pin_path(dev, TG_STR(TG_MAP_FLOWS), path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		log_err("%s: no flow map at %s (%s); is 'tapgate run --dev %s' running?", dev, path,
			strerror(-err), dev);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (json)
		printf("[");
	else
		printf("%-5s %-24s %-40s %-8s %14s %14s %8s\n", "PROTO", "GUEST", "DESTINATION",
		       "STATE", "BYTES_OUT", "BYTES_IN", "AGE_S");
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue; /* closed meanwhile */
		print_one(&k, &v, (uint64_t)t.tv_sec, json, first);
		first = false;
	}
	if (json)
		printf("]\n");
	close(fd);
	return 0;
}
