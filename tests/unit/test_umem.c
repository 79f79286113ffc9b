// SPDX-License-Identifier: MIT
/*
 * test_umem.c - descriptor chains in user/io/umem.c, on rings made in
 * memory (no socket): received frames come whole, in place when they took
 * one descriptor and joined (rxjoin.c) when they took several; a chain cut
 * by the batch size stays on the ring for the next batch; a chain longer
 * than the rx limit, one running past the batch, or a descriptor outside
 * the UMEM is skipped and reported; a full join area ends the batch before
 * the frame and leaves it for the next; every chunk taken goes back to the
 * fill ring at its chunk's start. On tx, a frame longer than a chunk goes
 * out as a chain flagged XDP_PKT_CONTD, taking chunks from the free stack,
 * and a chain that does not fit the free chunks is not sent at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/umem.h"

#define FS	 2048u /* chunk size */
#define NCHUNK	 64u
#define RING	 64u /* entries of each fake ring */
#define HEADROOM 256u
#define CONTD	 1u /* XDP_PKT_CONTD */

static uint8_t area[NCHUNK * FS];
static struct xdp_desc rx_descs[RING], tx_descs[RING];
static uint64_t fill_addrs[RING], comp_addrs[RING];
static uint32_t rx_prod, rx_cons, fq_prod, fq_cons, tx_prod, tx_cons, cq_prod, cq_cons, no_flags;
static uint64_t free_stack[NCHUNK];
static struct umem u;
static uint32_t nrx; /* descriptors put on the rx ring so far */

static void ring_init(void *r, void *descs, uint32_t *prod, uint32_t *cons, bool producer)
{
	struct xsk_ring_cons *c = r; /* both ring types have this layout */

	memset(c, 0, sizeof(*c));
	c->mask = RING - 1;
	c->size = RING;
	c->producer = prod;
	c->consumer = cons;
	c->ring = descs;
	c->flags = &no_flags;
	if (producer)
		c->cached_cons = RING; /* as libxdp: free = cached_cons - cached_prod */
}

static void setup(bool sg)
{
	memset(&u, 0, sizeof(u));
	rx_prod = rx_cons = fq_prod = fq_cons = tx_prod = tx_cons = cq_prod = cq_cons = 0;
	nrx = 0;
	u.area = area;
	u.area_size = sizeof(area);
	u.frame_size = FS;
	u.ring_frames = NCHUNK / 2;
	u.nq = 1;
	u.sg = sg;
	u.rx_max = sg ? 65600 : FS - HEADROOM;
	u.q[0].fd = -1;
	u.q[0].ufd = -1;
	ring_init(&u.q[0].rx, rx_descs, &rx_prod, &rx_cons, false);
	ring_init(&u.q[0].fq, fill_addrs, &fq_prod, &fq_cons, true);
	ring_init(&u.tx, tx_descs, &tx_prod, &tx_cons, true);
	ring_init(&u.q[0].cq, comp_addrs, &cq_prod, &cq_cons, false);
	for (uint32_t i = 0; i < NCHUNK / 2; i++)
		free_stack[i] = (uint64_t)(NCHUNK / 2 + i) * FS;
	u.tx_free = free_stack;
	u.tx_nfree = NCHUNK / 2;
	if (sg)
		CHECK_EQ(rxjoin_init(&u.join, 2 * 6000), 0);
}

static void teardown(void)
{
	rxjoin_fini(&u.join);
	free(u.tx_stage);
}

/* Put one received piece on the rx ring: @len bytes of @fill at chunk @c. */
static void rx_piece(uint32_t c, uint32_t len, uint8_t fill, bool contd)
{
	struct xdp_desc *d = &rx_descs[nrx % RING];

	d->addr = (uint64_t)c * FS + HEADROOM;
	d->len = len;
	d->options = contd ? CONTD : 0;
	memset(area + d->addr, fill, len);
	nrx++;
	rx_prod = nrx; /* published: the kernel submits whole frames */
}

static bool all_bytes(const uint8_t *p, uint32_t len, uint8_t v)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void single_frames_in_place(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true);
	rx_piece(0, 60, 0xa1, false);
	rx_piece(1, 1514, 0xa2, false);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 16, &b), 2);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK(data == area + HEADROOM);
	CHECK_EQ(len, 60);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK(data == area + FS + HEADROOM);
	CHECK_EQ(len, 1514);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 2);
	CHECK_EQ(fq_prod, 2);
	CHECK_EQ(fill_addrs[0], 0);
	CHECK_EQ(fill_addrs[1], FS);
	teardown();
}

static void chain_joined(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true);
	rx_piece(0, 100, 0x11, false);
	rx_piece(5, 1792, 0x21, true);
	rx_piece(2, 1792, 0x22, true);
	rx_piece(9, 500, 0x23, false);
	rx_piece(3, 80, 0x31, false);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 16, &b), 5);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 100);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 1792 + 1792 + 500);
	CHECK(data < area || data >= area + sizeof(area)); /* in the join area */
	CHECK(all_bytes(data, 1792, 0x21) && all_bytes(data + 1792, 1792, 0x22) &&
	      all_bytes(data + 3584, 500, 0x23));
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 80);
	CHECK(data == area + 3 * FS + HEADROOM);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 5);
	CHECK_EQ(fq_prod, 5);
	CHECK_EQ(fill_addrs[1], 5 * FS);
	CHECK_EQ(fill_addrs[2], 2 * FS);
	CHECK_EQ(fill_addrs[3], 9 * FS);
	teardown();
}

static void chain_cut_by_batch_waits(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true);
	rx_piece(0, 60, 0x01, false);
	rx_piece(1, 1792, 0x02, true);
	rx_piece(2, 1792, 0x03, true);
	rx_piece(3, 10, 0x04, false);
	/* A batch of 3 descriptors would end inside the chain. */
	CHECK_EQ(umem_rx_peek(&u, 0, false, 3, &b), 1);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 1);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 3, &b), 3);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 1792 * 2 + 10);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 4);
	CHECK_EQ(fq_prod, 4);
	teardown();
}

static void bad_chains_skipped(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true);
	u.rx_max = 3000;
	rx_piece(0, 1792, 0x01, true); /* 3584 bytes: longer than rx_max */
	rx_piece(1, 1792, 0x02, false);
	rx_piece(2, 60, 0x03, false);
	rx_piece(3, 1792, 0x04, true); /* a piece outside the UMEM */
	rx_piece(4, 60, 0x05, false);
	rx_descs[4].addr = sizeof(area) - 10;
	rx_piece(5, 61, 0x06, false);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 16, &b), 6);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), -EMSGSIZE);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 60);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), -EINVAL);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 61);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 6);
	CHECK_EQ(fq_prod, 6);
	teardown();
}

/* Every descriptor of the batch flagged: a chain longer than the batch. */
static void chain_longer_than_batch(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true);
	for (uint32_t i = 0; i < 4; i++)
		rx_piece(i, 1792, 0x40, true);
	rx_piece(4, 5, 0x41, false);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 4, &b), 4);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), -EMSGSIZE);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0);
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 4);
	teardown();
}

static void join_area_full_ends_batch(void)
{
	struct umem_rx b;
	const uint8_t *data;
	uint32_t len;

	setup(true); /* join area: 12000 bytes */
	for (uint32_t f = 0; f < 3; f++) {
		rx_piece(3 * f, 1792, (uint8_t)(0x50 + f), true);
		rx_piece(3 * f + 1, 1792, (uint8_t)(0x50 + f), true);
		rx_piece(3 * f + 2, 1500, (uint8_t)(0x50 + f), false);
	}
	CHECK_EQ(umem_rx_peek(&u, 0, false, 16, &b), 9);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 0); /* no room for the third */
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 6);
	CHECK_EQ(umem_rx_peek(&u, 0, false, 16, &b), 3);
	CHECK_EQ(umem_rx_next(&u, &b, &data, &len), 1);
	CHECK_EQ(len, 1792 * 2 + 1500);
	CHECK(all_bytes(data, len, 0x52));
	umem_rx_done(&u, &b);
	CHECK_EQ(rx_cons, 9);
	teardown();
}

static void tx_chain(void)
{
	uint64_t addr;
	uint8_t *room;

	setup(true);
	u.tx_max = 9014;
	u.tx_stage = malloc(u.tx_max);
	CHECK_EQ(umem_tx_room(&u, 0), NCHUNK / 2 / 5);
	room = umem_tx_frame(&u, &addr);
	CHECK(room == u.tx_stage);
	CHECK_EQ(addr, UMEM_TX_STAGED);
	memset(room, 0x77, 9014);
	CHECK_EQ(umem_tx_send(&u, addr, 9014), 0);
	CHECK_EQ(tx_prod, 5);
	CHECK_EQ(u.tx_nfree, NCHUNK / 2 - 5);
	for (uint32_t i = 0; i < 5; i++) {
		const struct xdp_desc *d = &tx_descs[i];

		CHECK_EQ(d->len, i < 4 ? FS : 9014 - 4 * FS);
		CHECK_EQ(d->options, i < 4 ? CONTD : 0);
		CHECK(d->addr % FS == 0 && d->addr >= NCHUNK / 2 * FS);
		CHECK(all_bytes(area + d->addr, d->len, 0x77));
	}
	/* A short frame through the same room takes one chunk, no flag. */
	room = umem_tx_frame(&u, &addr);
	memset(room, 0x78, 60);
	CHECK_EQ(umem_tx_send(&u, addr, 60), 0);
	CHECK_EQ(tx_prod, 6);
	CHECK_EQ(tx_descs[5].options, 0);
	CHECK(all_bytes(area + tx_descs[5].addr, 60, 0x78));
	/* Not enough free chunks: nothing queued. */
	u.tx_nfree = 3;
	CHECK_EQ(umem_tx_send(&u, UMEM_TX_STAGED, 9014), -ENOBUFS);
	CHECK_EQ(tx_prod, 6);
	CHECK_EQ(u.tx_nfree, 3);
	teardown();
}

static void tx_single_chunk_unchanged(void)
{
	uint64_t addr;
	uint8_t *room;

	setup(false);
	u.tx_max = 1514;
	room = umem_tx_frame(&u, &addr);
	CHECK(room == area + addr);
	CHECK_EQ(umem_tx_room(&u, 4), NCHUNK / 2 - 4);
	tx_descs[0].options = CONTD; /* stale flag from an earlier chain */
	CHECK_EQ(umem_tx_send(&u, addr, 1514), 0);
	CHECK_EQ(tx_descs[0].addr, addr);
	CHECK_EQ(tx_descs[0].len, 1514);
	CHECK_EQ(tx_descs[0].options, 0);
	teardown();
}

int main(void)
{
	RUN(single_frames_in_place);
	RUN(chain_joined);
	RUN(chain_cut_by_batch_waits);
	RUN(bad_chains_skipped);
	RUN(chain_longer_than_batch);
	RUN(join_area_full_ends_batch);
	RUN(tx_chain);
	RUN(tx_single_chunk_unchanged);
	return check_summary();
}
