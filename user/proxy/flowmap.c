// SPDX-License-Identifier: MIT
/*
 * flowmap.c - the open flows, published in the pinned TG_MAP_FLOWS map
 * (flowmap.h; layout in include/steer.h) for bpftool and `tapgate flows`.
 *
 * One map update at open and one delete at close; byte counts are
 * refreshed by the owners' periodic pass, only for flows that moved, so
 * ten thousand idle connections cost nothing. A failed update (map full,
 * no memory) loses a line of the listing, never a flow.
 */
#include <bpf/bpf.h>
#include <string.h>
#include <time.h>

#include "proxy/flow.h"
#include "proxy/flowmap.h"
#include "steer.h"

static int fd = -1;

void flowmap_init(int map_fd)
{
	fd = map_fd;
}

static void key_of(struct tg_flow_key *fk, const struct flow_key *k)
{
	memset(fk, 0, sizeof(*fk));
	fk->family = k->dst.family;
	fk->proto = k->proto;
	fk->sport = k->sport;
	fk->dport = k->dport;
	memcpy(fk->src, k->src.a, 16);
	memcpy(fk->dst, k->dst.a, 16);
}

static uint64_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec;
}

/**
 * flowmap_open() - A flow opened
 * @k:     its key
 * @state: enum tg_flow_state
 */
void flowmap_open(const struct flow_key *k, uint8_t state)
{
	struct tg_flow_key fk;
	struct tg_flow v = { .opened_s = now_s(), .state = state };

	if (fd < 0)
		return;
	key_of(&fk, k);
	bpf_map_update_elem(fd, &fk, &v, BPF_ANY);
}

/**
 * flowmap_update() - A flow's bytes (and state) moved
 * @k:      its key
 * @state:  enum tg_flow_state
 * @out:    bytes guest -> host so far
 * @in:     bytes host -> guest so far
 *
 * The open time flowmap_open() recorded is kept.
 */
void flowmap_update(const struct flow_key *k, uint8_t state, uint64_t out, uint64_t in)
{
	struct tg_flow_key fk;
	struct tg_flow v;

	if (fd < 0)
		return;
	key_of(&fk, k);
	if (bpf_map_lookup_elem(fd, &fk, &v))
		return;
	v.state = state;
	v.bytes_out = out;
	v.bytes_in = in;
	bpf_map_update_elem(fd, &fk, &v, BPF_EXIST);
}

/**
 * flowmap_close() - A flow closed
 * @k: its key
 */
void flowmap_close(const struct flow_key *k)
{
	struct tg_flow_key fk;

	if (fd < 0)
		return;
	key_of(&fk, k);
	bpf_map_delete_elem(fd, &fk);
}
