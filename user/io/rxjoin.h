/* SPDX-License-Identifier: MIT */
/*
 * rxjoin.h - where frames that came as AF_XDP descriptor chains are joined.
 *
 * With multi-buffer AF_XDP (XDP_USE_SG) a frame longer than one UMEM chunk
 * (a VMM's TSO super-frame, a jumbo frame) arrives as several descriptors,
 * each but the last flagged XDP_PKT_CONTD. The slot and the parsers want
 * one contiguous frame, so umem.c copies the pieces of each such frame
 * into the join area, one after the other, and the frame is read there.
 * The area is allocated once (no allocation per frame) and emptied when the
 * next rx batch is peeked: a joined frame lives exactly as long as the
 * UMEM frames of its batch. Only the event-loop thread touches it.
 */
#ifndef TAPGATE_RXJOIN_H
#define TAPGATE_RXJOIN_H

#include <stddef.h>
#include <stdint.h>

struct rxjoin {
	uint8_t *area;
	size_t cap;
	size_t used; /* bytes handed out since the last rxjoin_reset() */
};

int rxjoin_init(struct rxjoin *j, size_t cap);
void rxjoin_fini(struct rxjoin *j);
void rxjoin_reset(struct rxjoin *j);
uint8_t *rxjoin_take(struct rxjoin *j, size_t len);

#endif
