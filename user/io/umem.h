/* SPDX-License-Identifier: MIT */
/*
 * umem.h - the AF_XDP socket on the device's queue 0 and its UMEM.
 *
 * Theory of operation (who owns each UMEM frame):
 *  - The UMEM is split in two halves. Rx frames live in the fill ring (the
 *    kernel's), then in the rx ring (ours to read), and go straight back to
 *    the fill ring once the poller has finished with the frame: the slot
 *    never keeps a frame past one loop turn.
 *  - Tx frames live on a free stack (ours). umem_tx_frame() lends one to the
 *    writer; umem_tx_send() puts it on the tx ring (the kernel's until it
 *    shows up on the completion ring), and umem_tx_flush() kicks the kernel
 *    and moves completed frames back to the free stack.
 * Only the event-loop thread touches any of it.
 */
#ifndef TAPGATE_UMEM_H
#define TAPGATE_UMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

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
};

int umem_open(struct umem *u, const char *ifname, uint32_t frame_size, int xsks_map_fd);
void umem_close(struct umem *u);
int umem_open_udp(struct umem *u, const char *ifname, int xsks_map_fd);
uint32_t umem_rx_peek(struct xsk_ring_cons *rx, uint32_t max, uint32_t *idx);
const uint8_t *umem_rx_frame(struct umem *u, struct xsk_ring_cons *rx, uint32_t idx, uint32_t *len);
void umem_rx_done(struct umem *u, struct xsk_ring_cons *rx, uint32_t idx, uint32_t n);
uint8_t *umem_tx_frame(struct umem *u, uint64_t *addr);
int umem_tx_send(struct umem *u, uint64_t addr, uint32_t len);
void umem_tx_flush(struct umem *u);
int umem_stats(struct umem *u, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid);

#endif
