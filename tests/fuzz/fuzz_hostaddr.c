// SPDX-License-Identifier: MIT
/*
 * fuzz_hostaddr.c - libFuzzer target for the netlink parser of the host
 * address set (user/control/hostaddr.c, hostaddr_parse()).
 *
 * Input: byte 0 says whether a dump of ours is under way at the start
 * (bit 0; our port FUZZ_PORTID, sequence FUZZ_SEQ, as the seeds use), then
 * datagrams, each a 2-byte little-endian length and that many bytes (cut
 * at the end of the input). Each datagram is copied into a heap block of
 * exactly its length (aligned as a recv() buffer is), so ASan sees any read
 * past it.
 *
 * Checked after every datagram: the set is sorted by (family, address,
 * device, prefix length) with each key once, every entry is IPv4 or IPv6
 * with IPv4's last 12 bytes zero, and only a dump's NLMSG_DONE or
 * NLMSG_ERROR ends the dump. At the end the groups are built from the set
 * (group.c): each of its addresses must be refused as "host" is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/group.h"
#include "control/hostaddr.h"
#include "steer.h"

#define FUZZ_PORTID 4242
#define FUZZ_SEQ    1

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_hostaddr: %s:%d: assertion failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_set(const struct hostaddr *h)
{
	static const uint8_t zero[12];

	FUZZ_ASSERT(h->settled == h->n && h->n <= h->cap);
	for (size_t i = 0; i < h->n; i++) {
		const struct hostaddr_entry *e = &h->a[i];

		FUZZ_ASSERT(e->family == 4 || e->family == 6);
		FUZZ_ASSERT(e->family == 6 || !memcmp(e->addr + 4, zero, 12));
		FUZZ_ASSERT(!i || hostaddr_cmp(&h->a[i - 1], e) < 0);
	}
}

/* Every address of the set is host, the gateway, or in a group --allow
 * decides for as for host. */
static void check_groups(const struct hostaddr *h)
{
	struct config cfg;
	struct group_table t = { 0 };

	config_defaults(&cfg);
	FUZZ_ASSERT(group_build(&t, &cfg, h) == 0);
	for (size_t i = 0; i < h->n; i++) {
		int g = group_classify(&t, h->a[i].family, h->a[i].addr);

		FUZZ_ASSERT(g == TG_G_HOST || g == TG_G_GATEWAY ||
			    (g != TG_G_PUBLIC &&
			     group_allowed(cfg.allow, g) == group_allowed(cfg.allow, TG_G_HOST)));
	}
	group_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostaddr h;
	size_t off = 1;

	if (!size)
		return 0;
	hostaddr_init(&h);
	h.portid = FUZZ_PORTID;
	h.seq = FUZZ_SEQ;
	h.gen = 1;
	h.dumping = data[0] & 1;
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
		bool was_dumping = h.dumping;
		uint8_t *dgram;
		int err;

		off += 2;
		if (len > size - off)
			len = size - off;
		dgram = malloc(len ? len : 1);
		memcpy(dgram, data + off, len);
		off += len;
		err = hostaddr_parse(&h, dgram, len);
		free(dgram);
		check_set(&h);
		FUZZ_ASSERT(err <= 0);
		FUZZ_ASSERT(!h.dumping || was_dumping);
		if (!h.dumping && h.redump) { /* what drain() would do, without a socket */
			h.seq++;
			h.gen++;
			h.dumping = true;
			h.redump = false;
		}
	}
	check_groups(&h);
	hostaddr_close(&h);
	return 0;
}
