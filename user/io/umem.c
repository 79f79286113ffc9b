// SPDX-License-Identifier: MIT
/*
 * umem.c - AF_XDP rings in copy mode with need_wakeup (see umem.h for who
 * owns which frame). Ring work is batched as in the kernel's xsk samples:
 * peek many rx descriptors, release once, refill the fill ring in one go,
 * and kick tx once per loop turn.
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <bpf/bpf.h>

#include "control/log.h"
#include "steer.h"
#include "io/umem.h"

/*
 * Both halves (rx and tx): 1 MiB, pinned, so all of it is resident even
 * idle. 256 rx frames hold about 2 ms of this path's peak rate; 1024 frames
 * measured no faster (iperf3, all four TCP columns within run-to-run noise).
 */
#define UMEM_FRAMES 512

static int fill_all(struct umem *u)
{
	uint32_t idx;

	if (xsk_ring_prod__reserve(&u->fq, u->half, &idx) != u->half)
		return -ENOSPC;
	for (uint32_t i = 0; i < u->half; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) = (uint64_t)i * u->frame_size;
	xsk_ring_prod__submit(&u->fq, u->half);
	return 0;
}

static int make_tx_stack(struct umem *u)
{
	u->tx_free = calloc(u->half, sizeof(*u->tx_free));
	if (!u->tx_free)
		return -ENOMEM;
	for (uint32_t i = 0; i < u->half; i++)
		u->tx_free[i] = (uint64_t)(u->half + i) * u->frame_size;
	u->tx_nfree = u->half;
	return 0;
}

static int create_socket(struct umem *u, const char *ifname)
{
	struct xsk_socket_config xcfg = {
		.rx_size = u->half,
		.tx_size = u->half,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	int err;

	err = xsk_socket__create(&u->xsk, ifname, 0, u->umem, &u->rx, &u->tx, &xcfg);
	if (err) {
		log_err("%s: cannot create the AF_XDP socket on queue 0: %s", ifname,
			strerror(-err));
		return err;
	}
	u->fd = xsk_socket__fd(u->xsk);
	return 0;
}

/**
 * umem_open() - Create the UMEM and the AF_XDP socket, and publish it
 * @u:           zeroed state
 * @ifname:      device the XDP program is (or will be) attached to
 * @frame_size:  2048 or 4096 (one Ethernet frame per UMEM frame)
 * @xsks_map_fd: the XSKMAP the XDP program redirects through
 *
 * Return: 0 or a negative errno (everything undone)
 */
int umem_open(struct umem *u, const char *ifname, uint32_t frame_size, int xsks_map_fd)
{
	struct xsk_umem_config ucfg = { 0 };
	int err;

	u->fd = -1;
	u->ufd = -1;
	u->frame_size = frame_size;
	u->half = UMEM_FRAMES / 2;
	u->area_size = (uint64_t)UMEM_FRAMES * frame_size;
	u->area = mmap(NULL, u->area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (u->area == MAP_FAILED) {
		u->area = NULL;
		return -errno;
	}
	ucfg.fill_size = u->half;
	ucfg.comp_size = u->half;
	ucfg.frame_size = frame_size;
	err = xsk_umem__create(&u->umem, u->area, u->area_size, &u->fq, &u->cq, &ucfg);
	if (err) {
		log_err("%s: cannot register the UMEM: %s", ifname, strerror(-err));
		goto fail;
	}
	err = create_socket(u, ifname);
	if (!err)
		err = fill_all(u);
	if (!err)
		err = make_tx_stack(u);
	if (!err)
		err = xsk_socket__update_xskmap(u->xsk, xsks_map_fd);
	if (!err)
		return 0;
	log_err("%s: cannot set up the AF_XDP rings: %s", ifname, strerror(-err));
fail:
	umem_close(u);
	return err;
}

/**
 * umem_open_udp() - Add the UDP relay's AF_XDP socket on the same queue
 * @u:           state after umem_open()
 * @ifname:      the device
 * @xsks_map_fd: the XSKMAP; the socket goes in at TG_XSK_UDP
 *
 * A second socket rather than a verdict the poller reads: the XDP program
 * already knows the frame is plain UDP, so the relay gets its own ring and
 * never waits behind a burst of TCP in the main ring, and the slot and lwIP
 * never see it. Bound with XDP_SHARED_UMEM on the same queue, which makes
 * it share the fill and completion rings of the main socket.
 *
 * Return: 0 or a negative errno
 */
int umem_open_udp(struct umem *u, const char *ifname, int xsks_map_fd)
{
	struct xsk_socket_config xcfg = {
		.rx_size = u->half,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	int key = TG_XSK_UDP, err;

	err = xsk_socket__create_shared(&u->uxsk, ifname, 0, u->umem, &u->urx, NULL, &u->fq, &u->cq,
					&xcfg);
	if (err) {
		u->uxsk = NULL;
		log_err("%s: cannot create the UDP relay's AF_XDP socket: %s", ifname,
			strerror(-err));
		return err;
	}
	u->ufd = xsk_socket__fd(u->uxsk);
	if (bpf_map_update_elem(xsks_map_fd, &key, &u->ufd, BPF_ANY)) {
		err = -errno;
		log_err("%s: cannot publish the UDP relay's socket: %s", ifname, strerror(-err));
		return err;
	}
	return 0;
}

void umem_close(struct umem *u)
{
	if (u->uxsk)
		xsk_socket__delete(u->uxsk);
	if (u->xsk)
		xsk_socket__delete(u->xsk);
	if (u->umem)
		xsk_umem__delete(u->umem);
	if (u->area)
		munmap(u->area, u->area_size);
	free(u->tx_free);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->ufd = -1;
}

/**
 * umem_rx_peek() - Look at up to @max received frames
 * @rx:  &u->rx or &u->urx
 * @max: batch size
 * @idx: first ring index, for umem_rx_frame() and umem_rx_done()
 *
 * Return: number of frames available (0 when none)
 */
uint32_t umem_rx_peek(struct xsk_ring_cons *rx, uint32_t max, uint32_t *idx)
{
	return xsk_ring_cons__peek(rx, max, idx);
}

/**
 * umem_rx_frame() - Bytes of the received frame at ring index @idx
 * @u:   state
 * @idx: ring index from umem_rx_peek()
 * @len: set to the frame length
 *
 * Return: pointer into the UMEM, or NULL if the descriptor is out of range
 */
const uint8_t *umem_rx_frame(struct umem *u, struct xsk_ring_cons *rx, uint32_t idx, uint32_t *len)
{
	const struct xdp_desc *d = xsk_ring_cons__rx_desc(rx, idx);
	uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);

	if (addr >= u->area_size || d->len > u->area_size - addr)
		return NULL;
	*len = d->len;
	return (const uint8_t *)u->area + addr;
}

/**
 * umem_rx_done() - Give @n frames from @idx back to the kernel
 * @u:   state
 * @idx: first ring index from umem_rx_peek()
 * @n:   how many
 */
void umem_rx_done(struct umem *u, struct xsk_ring_cons *rx, uint32_t idx, uint32_t n)
{
	uint32_t fidx;

	/* Exactly the frames taken off rx go back, so the fill ring always has
	 * room for them. */
	if (xsk_ring_prod__reserve(&u->fq, n, &fidx) != n) {
		log_err("fill ring out of room; frames lost");
		xsk_ring_cons__release(rx, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = xsk_ring_cons__rx_desc(rx, idx + i)->addr;

		a = xsk_umem__extract_addr(a);
		*xsk_ring_prod__fill_addr(&u->fq, fidx + i) = a - a % u->frame_size;
	}
	xsk_ring_prod__submit(&u->fq, n);
	xsk_ring_cons__release(rx, n);
	if (xsk_ring_prod__needs_wakeup(&u->fq))
		recvfrom(u->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static void reap_completions(struct umem *u)
{
	uint32_t idx, n = xsk_ring_cons__peek(&u->cq, u->half, &idx);

	for (uint32_t i = 0; i < n; i++)
		u->tx_free[u->tx_nfree++] = *xsk_ring_cons__comp_addr(&u->cq, idx + i);
	if (n)
		xsk_ring_cons__release(&u->cq, n);
	u->tx_queued -= n;
}

/**
 * umem_tx_frame() - Borrow a free tx frame to write a frame into
 * @u:    state
 * @addr: set to its UMEM address, for umem_tx_send()
 *
 * The frame must be given to umem_tx_send() before the next call.
 *
 * Return: frame memory (frame_size bytes), or NULL when all are in flight
 */
uint8_t *umem_tx_frame(struct umem *u, uint64_t *addr)
{
	if (!u->tx_nfree)
		reap_completions(u);
	if (!u->tx_nfree)
		return NULL;
	*addr = u->tx_free[u->tx_nfree - 1];
	return (uint8_t *)u->area + *addr;
}

/**
 * umem_tx_send() - Queue the frame borrowed with umem_tx_frame()
 * @u:    state
 * @addr: its address
 * @len:  bytes written
 *
 * Return: 0, or -ENOBUFS when the tx ring is full (the frame stays free)
 */
int umem_tx_send(struct umem *u, uint64_t addr, uint32_t len)
{
	struct xdp_desc *d;
	uint32_t idx;

	if (xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1)
		return -ENOBUFS;
	d = xsk_ring_prod__tx_desc(&u->tx, idx);
	d->addr = addr;
	d->len = len;
	xsk_ring_prod__submit(&u->tx, 1);
	u->tx_nfree--;
	u->tx_queued++;
	if (u->tx_queued >= 64)
		umem_tx_flush(u);
	return 0;
}

/**
 * umem_tx_flush() - Make the kernel send what is queued; reap completions
 * @u: state
 *
 * In copy mode the kernel sends at most a small batch per sendto(), so this
 * kicks until the ring is drained or the kernel pushes back; then
 * u->tx_stalled tells the loop to retry shortly.
 */
void umem_tx_flush(struct umem *u)
{
	u->tx_stalled = false;
	for (int i = 0; u->tx_queued && i < 64; i++) {
		uint32_t before = u->tx_queued;

		if (sendto(u->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
			log_dbg("tx kick: %s", strerror(errno));
		reap_completions(u);
		if (u->tx_queued == before) {
			u->tx_stalled = true;
			break;
		}
	}
}

/* Adds one socket's XDP_STATISTICS to the totals. */
static int add_stats(int fd, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return -errno;
	*rx_dropped += st.rx_dropped;
	*rx_ring_full += st.rx_ring_full;
	*tx_invalid += st.tx_invalid_descs;
	return 0;
}

/**
 * umem_stats() - The kernel's drop counters of both AF_XDP sockets, summed
 * @u:            state
 * @rx_dropped:   frames dropped for want of a fill-ring frame
 * @rx_ring_full: frames dropped because an rx ring was full
 * @tx_invalid:   tx descriptors the kernel rejected
 *
 * Return: 0 or a negative errno
 */
int umem_stats(struct umem *u, __u64 *rx_dropped, __u64 *rx_ring_full, __u64 *tx_invalid)
{
	__u64 d = 0, f = 0, t = 0;
	int err = add_stats(u->fd, &d, &f, &t);

	if (!err)
		err = add_stats(u->ufd, &d, &f, &t);
	if (err)
		return err;
	*rx_dropped = d;
	*rx_ring_full = f;
	*tx_invalid = t;
	return 0;
}
