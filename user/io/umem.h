/* SPDX-License-Identifier: MIT */
/*
 * umem.h - the AF_XDP socket on the device's queue 0 and its UMEM.
 *
 * Theory of operation (who owns each UMEM frame):
 *  - The UMEM is split in two halves. Rx frames live in the fill ring (the
 *    kernel's), then in the rx ring (ours to read), and go straight back to
 *    the fill ring once the poller has finished with the frame: the slot
 *    never keeps a frame past one loop turn.
 *  - A frame longer than a chunk (TSO super-frame, jumbo frame) comes as a
 *    descriptor chain (multi-buffer AF_XDP, XDP_USE_SG): umem_rx_next()
 *    copies its pieces into the join area (rxjoin.h), where the frame is
 *    read; its chunks go back to the fill ring with the rest of the batch.
 *  - Tx frames live on a free stack (ours). umem_tx_frame() lends one to the
 *    writer; umem_tx_send() puts it on the tx ring (the kernel's until it
 *    shows up on the completion ring), and umem_tx_flush() kicks the kernel
 *    and moves completed frames back to the free stack. When the guest's
 *    frames can be longer than a chunk (jumbo MTU), umem_tx_frame() lends
 *    the tx staging buffer instead, and umem_tx_send() copies the frame
 *    into as many free chunks as it needs, sent as one descriptor chain.
 * Only the event-loop thread touches any of it.
 */
#ifndef TAPGATE_UMEM_H
#define TAPGATE_UMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "io/rxjoin.h"

struct umem {
	void *area;
	uint64_t area_size;
	uint32_t frame_size;
	uint32_t half; /* frames per half (rx / tx) */
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	/* The UDP relay's socket: same UMEM, same queue, so it shares the fill
	 * ring (the kernel requires that); rx only, replies go out on tx. */
	struct xsk_socket *uxsk;
	struct xsk_ring_cons urx;
	int ufd;
	uint64_t *tx_free;
	uint32_t tx_nfree;
	uint32_t tx_queued; /* on the tx ring, not yet completed */
	bool tx_stalled;    /* the kernel would not take more: retry soon */
	int fd;
	bool sg;	   /* bound with XDP_USE_SG: frames may span chunks */
	uint32_t rx_max;   /* longest frame the rx side takes */
	uint32_t tx_max;   /* longest frame umem_tx_frame() has room for */
	uint8_t *tx_stage; /* tx_max bytes when tx_max > frame_size, else NULL */
	struct rxjoin join;
};

/* One batch peeked from an rx ring: whole frames only. */
struct umem_rx {
	struct xsk_ring_cons *ring;
	uint32_t idx; /* first descriptor */
	uint32_t n;   /* descriptors in the batch */
	uint32_t pos; /* descriptors taken by umem_rx_next() so far */
};

#define UMEM_TX_STAGED (~(uint64_t)0) /* umem_tx_frame()'s address of the staging buffer */

int umem_open(struct umem *u, const char *ifname, uint32_t frame_max, int xsks_map_fd);
void umem_close(struct umem *u);
int umem_open_udp(struct umem *u, const char *ifname, int xsks_map_fd);
void umem_report(const struct umem *u, const char *ifname);
uint32_t umem_rx_peek(struct umem *u, struct xsk_ring_cons *rx, uint32_t max, struct umem_rx *b);
int umem_rx_next(struct umem *u, struct umem_rx *b, const uint8_t **data, uint32_t *len);
void umem_rx_done(struct umem *u, struct umem_rx *b);
uint32_t umem_tx_room(const struct umem *u, uint32_t reserve);
uint8_t *umem_tx_frame(struct umem *u, uint64_t *addr);
int umem_tx_send(struct umem *u, uint64_t addr, uint32_t len);
void umem_tx_flush(struct umem *u);
int umem_stats(struct umem *u, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid);

#endif
