/* SPDX-License-Identifier: MIT */
/*
 * umem.h - the AF_XDP sockets on the device's rx queues and their UMEM.
 *
 * One UMEM, shared by every socket (XDP_SHARED_UMEM). Each rx queue of the
 * device (a multi-queue tap has one per virtio queue of the VMM; rxq.c)
 * gets a main socket and the UDP relay's socket, both bound to that queue:
 * the XDP program can redirect a frame only to a socket of the queue it
 * arrived on. Sockets on one queue share that queue's fill and completion
 * rings (the kernel's rule); each queue has its own pair (the kernel's rule
 * for sockets of one UMEM on different queues). Tx goes out through queue
 * 0's main socket only: the guest takes frames from any queue.
 *
 * Theory of operation (who owns each UMEM frame):
 *  - The UMEM is split in regions of ring_frames chunks: one per rx queue,
 *    then one for tx (tx_frames chunks: fewer with one-chunk frames). A queue's rx frames live in its fill ring (the
 *    kernel's), then in one of its rx rings (ours to read), and go straight
 *    back to the same queue's fill ring once the poller has finished with
 *    the frame: the slot never keeps a frame past one loop turn, and a
 *    frame never changes queue, so each fill ring always has room for all
 *    its queue's frames.
 *  - A frame longer than a chunk (TSO super-frame, jumbo frame) comes as a
 *    descriptor chain (multi-buffer AF_XDP, XDP_USE_SG): umem_rx_next()
 *    copies its pieces into the join area (rxjoin.h), where the frame is
 *    read; its chunks go back to the fill ring with the rest of the batch.
 *  - Tx frames live on a free stack (ours). umem_tx_frame() lends one to the
 *    writer; umem_tx_send() puts it on the tx ring (the kernel's until it
 *    shows up on a completion ring), and umem_tx_flush() kicks the kernel
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

#include "steer.h"
#include "ustats.h"

/* Rx queues served at most: each takes ring_frames chunks of the UMEM and
 * two XSKMAP entries (queue and TG_XSK_UDP + queue). */
#define UMEM_QUEUES_MAX 16
_Static_assert(UMEM_QUEUES_MAX <= TG_XSK_UDP && TG_XSK_UDP + UMEM_QUEUES_MAX <= TG_XSKS_MAX,
	       "the XSKMAP has no room for every queue's two sockets");
_Static_assert(UMEM_QUEUES_MAX <= TG_USTATS_QUEUES,
	       "tg_ustats.rx_queue_frames[] has no room for every queue");

/* One rx queue of the device. */
struct umem_queue {
	struct xsk_ring_prod fq; /* queue 0's are the UMEM's own */
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk; /* the main socket, XSKMAP key = queue */
	struct xsk_ring_cons rx;
	int fd;
	/* The UDP relay's socket (key TG_XSK_UDP + queue): rx only, made
	 * without libxdp (umem.c says why). */
	struct xsk_ring_cons urx;
	int ufd;
	void *umap; /* its rx ring's mapping */
	size_t umap_len;
};

struct umem {
	void *area;
	uint64_t area_size;
	uint32_t frame_size;
	uint32_t ring_frames; /* chunks per region: each queue's rx, and tx */
	uint32_t tx_frames;   /* chunks of the tx region (at most ring_frames) */
	struct xsk_umem *umem;
	uint32_t nq; /* rx queues served */
	struct umem_queue q[UMEM_QUEUES_MAX];
	struct xsk_ring_prod tx; /* queue 0's main socket's */
	uint64_t *tx_free;
	uint32_t tx_nfree;
	uint32_t tx_queued; /* on the tx ring, not yet completed */
	bool tx_stalled;    /* the kernel would not take more: retry soon */
	bool sg;	    /* bound with XDP_USE_SG: frames may span chunks */
	uint32_t rx_max;    /* longest frame the rx side takes */
	uint32_t tx_max;    /* longest frame umem_tx_frame() has room for */
	uint8_t *tx_stage;  /* tx_max bytes when tx_max > frame_size, else NULL */
	struct rxjoin join;
};

/* One batch peeked from an rx ring: whole frames only. */
struct umem_rx {
	struct xsk_ring_cons *ring;
	uint32_t queue; /* whose fill ring its frames go back to */
	uint32_t idx;	/* first descriptor */
	uint32_t n;	/* descriptors in the batch */
	uint32_t pos;	/* descriptors taken by umem_rx_next() so far */
};

#define UMEM_TX_STAGED (~(uint64_t)0) /* umem_tx_frame()'s address of the staging buffer */

int umem_open(struct umem *u, const char *ifname, uint32_t frame_max, int xsks_map_fd);
void umem_close(struct umem *u);
int umem_open_udp(struct umem *u, const char *ifname, int xsks_map_fd);
void umem_report(const struct umem *u, const char *ifname);
uint32_t umem_rx_peek(struct umem *u, uint32_t queue, bool relay, uint32_t max, struct umem_rx *b);
int umem_rx_next(struct umem *u, struct umem_rx *b, const uint8_t **data, uint32_t *len);
void umem_rx_done(struct umem *u, struct umem_rx *b);
uint32_t umem_tx_room(const struct umem *u, uint32_t reserve);
uint8_t *umem_tx_frame(struct umem *u, uint64_t *addr);
int umem_tx_send(struct umem *u, uint64_t addr, uint32_t len);
void umem_tx_flush(struct umem *u);
int umem_stats(struct umem *u, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid);

#endif
